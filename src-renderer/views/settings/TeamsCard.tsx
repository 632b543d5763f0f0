// Settings > Teams (Owners and Managers, F17): each team with its members and their status; create,
// rename, delete. A team with members is deleted by choosing where they go (another team, or none).
// Saved straight to the server; "User's team" agents' apps follow through the feed.
import { useState } from 'react';
import type { Team, User } from '../../../src-shared/model';
import { command } from '../../bridge';
import { Avatar, Button, StatusLabel, toast } from '../../ui';
import { useServerOnline } from '../dashboard/layout';
import { AddForm, RenameForm, useServerChange } from './named-rows';

export function TeamsCard({ users, teams }: { users: User[]; teams: Team[] }) {
  const online = useServerOnline();
  const { busy, run } = useServerChange();
  const [renaming, setRenaming] = useState<{ id: string; name: string } | null>(null);
  const [deleting, setDeleting] = useState<{ id: string; to: string } | null>(null);

  const add = (name: string) => run('add', `add the team ${JSON.stringify(name)}`, () => command('createTeam', { name }));
  const rename = async (t: Team) => {
    const name = renaming?.name.trim();
    if (!name || name === t.name) return setRenaming(null);
    if (await run(`${t.id}:rename`, `rename ${JSON.stringify(t.name)}`, () => command('updateTeam', { id: t.id, name }))) setRenaming(null);
  };
  const remove = async (t: Team, members: number) => {
    const to = deleting?.to ?? '';
    const membersTo = members === 0 ? undefined : to === '' ? null : to;
    if (await run(`${t.id}:delete`, `delete ${JSON.stringify(t.name)}`, () => command('deleteTeam', { id: t.id, members_to: membersTo }))) {
      setDeleting(null);
      toast.success(`Deleted ${t.name}`);
    }
  };

  return (
    <section className="sv-card workspace-card teams-card" aria-labelledby="teams-title">
      <div className="workspace-card__header">
        <h2 id="teams-title" className="workspace-card__title">
          Teams
        </h2>
        <p className="workspace-card__hint">A user belongs to one team at most. Move people between teams in Edit.</p>
      </div>
      <ul className="teams" aria-label="Teams">
        {teams.map((t) => {
          const members = users.filter((u) => u.team_id === t.id);
          return (
            <li key={t.id} className="teams__team" aria-label={t.name}>
              <div className="categories__row">
                {renaming?.id === t.id ? (
                  <RenameForm
                    current={t.name}
                    value={renaming.name}
                    maxLength={80}
                    busy={busy === `${t.id}:rename`}
                    onChange={(name) => setRenaming({ id: t.id, name })}
                    onSave={() => void rename(t)}
                    onCancel={() => setRenaming(null)}
                  />
                ) : (
                  <>
                    <span className="categories__name">
                      {t.name} <span className="sv-muted">· {members.length === 1 ? '1 member' : `${members.length} members`}</span>
                    </span>
                    <span className="categories__actions">
                      <Button
                        size="sm"
                        variant="ghost"
                        disabled={!online}
                        onClick={() => setRenaming({ id: t.id, name: t.name })}
                        aria-label={`Rename ${t.name}`}
                      >
                        Rename
                      </Button>
                      <Button
                        size="sm"
                        variant="secondary"
                        disabled={!online}
                        onClick={() => setDeleting({ id: t.id, to: '' })}
                        aria-label={`Delete ${t.name}`}
                      >
                        Delete
                      </Button>
                    </span>
                  </>
                )}
              </div>
              {deleting?.id === t.id && (
                <div className="teams__delete" role="group" aria-label={`Delete ${t.name}`}>
                  {members.length > 0 && (
                    <label className="teams__delete-to">
                      Move its {members.length === 1 ? 'member' : `${members.length} members`} to{' '}
                      <select className="ctl-select" value={deleting.to} onChange={(e) => setDeleting({ id: t.id, to: e.target.value })}>
                        <option value="">No team</option>
                        {teams
                          .filter((o) => o.id !== t.id)
                          .map((o) => (
                            <option key={o.id} value={o.id}>
                              {o.name}
                            </option>
                          ))}
                      </select>
                    </label>
                  )}
                  <Button size="sm" variant="danger" busy={busy === `${t.id}:delete`} disabled={!online} onClick={() => void remove(t, members.length)}>
                    Delete {t.name}
                  </Button>
                  <Button size="sm" variant="ghost" onClick={() => setDeleting(null)}>
                    Cancel
                  </Button>
                </div>
              )}
              {members.length > 0 ? (
                <ul className="teams__members" aria-label={`Members of ${t.name}`}>
                  {members.map((m) => (
                    <li key={m.id} className="teams__member">
                      <Avatar name={m.name} color={m.avatar_color} size="sm" />
                      <span className="teams__member-name">{m.name}</span>
                      <StatusLabel status={m.status} />
                    </li>
                  ))}
                </ul>
              ) : (
                <p className="teams__empty sv-muted">No members yet.</p>
              )}
            </li>
          );
        })}
        {teams.length === 0 && <li className="categories__empty">No teams yet.</li>}
      </ul>
      <AddForm
        label="New team"
        placeholder="New team, e.g. Support"
        maxLength={80}
        button="Add team"
        disabled={!online}
        busy={busy === 'add'}
        offline={!online ? 'Changing teams needs a connection to the server' : undefined}
        onAdd={add}
      />
    </section>
  );
}
