// Settings > Closing categories (Owners change them; Managers see them): the list a closing note
// chooses from. Added at the end, renamed, moved up or down, archived (no longer offered; the
// conversations closed with one keep it) and restored. Saved straight to the server; every app
// follows through the feed.
import { useState } from 'react';
import type { ClosingCategory, User } from '../../../src-shared/model';
import { command } from '../../bridge';
import { Button } from '../../ui';
import { useDirectory } from '../../workspace/directory-store';
import { useServerOnline } from '../dashboard/layout';
import { AddForm, RenameForm, useServerChange } from './named-rows';

type Change = { name?: string; position?: number; archived?: boolean };

export function CategoriesCard({ actor }: { actor: User }) {
  const online = useServerOnline();
  const owner = actor.role === 'owner';
  const categories = useDirectory((s) => s.categories);
  const offered = categories.filter((c) => !c.archived);
  const archived = categories.filter((c) => c.archived);
  const { busy, run } = useServerChange();
  const [renaming, setRenaming] = useState<{ id: string; name: string } | null>(null);
  const canEdit = owner && online;

  const update = (c: ClosingCategory, change: Change, what: string) =>
    run(`${c.id}:${Object.keys(change).join()}`, what, () => command('updateClosingCategory', { id: c.id, ...change }));
  const add = (name: string) => run('add', `add ${JSON.stringify(name)}`, () => command('createClosingCategory', { name }));
  const rename = async () => {
    if (!renaming) return;
    const c = categories.find((x) => x.id === renaming.id);
    const name = renaming.name.trim();
    if (!c || !name || name === c.name) return setRenaming(null);
    if (await update(c, { name }, `rename ${JSON.stringify(c.name)}`)) setRenaming(null);
  };

  return (
    <section className="sv-card workspace-card" aria-labelledby="categories-title">
      <div className="workspace-card__header">
        <h2 id="categories-title" className="workspace-card__title">
          Closing categories
        </h2>
        <p className="workspace-card__hint">{owner ? 'A closing note chooses from these, in this order.' : 'Only Owners change these.'}</p>
      </div>
      <ol className="categories" aria-label="Closing categories on offer">
        {offered.map((c, i) => (
          <li key={c.id} className="categories__row">
            {renaming?.id === c.id ? (
              <RenameForm
                current={c.name}
                value={renaming.name}
                maxLength={60}
                busy={busy === `${c.id}:name`}
                onChange={(name) => setRenaming({ id: c.id, name })}
                onSave={() => void rename()}
                onCancel={() => setRenaming(null)}
              />
            ) : (
              <>
                <span className="categories__name">{c.name}</span>
                {owner && (
                  <span className="categories__actions">
                    <Button
                      size="sm"
                      variant="ghost"
                      disabled={!canEdit}
                      onClick={() => setRenaming({ id: c.id, name: c.name })}
                      aria-label={`Rename ${c.name}`}
                    >
                      Rename
                    </Button>
                    <Button
                      size="sm"
                      variant="ghost"
                      disabled={!canEdit || i === 0 || busy !== null}
                      onClick={() => void update(c, { position: positionOf(categories, offered[i - 1]) }, `move ${JSON.stringify(c.name)}`)}
                      aria-label={`Move ${c.name} up`}
                    >
                      Up
                    </Button>
                    <Button
                      size="sm"
                      variant="ghost"
                      disabled={!canEdit || i === offered.length - 1 || busy !== null}
                      onClick={() => void update(c, { position: positionOf(categories, offered[i + 1]) }, `move ${JSON.stringify(c.name)}`)}
                      aria-label={`Move ${c.name} down`}
                    >
                      Down
                    </Button>
                    <Button
                      size="sm"
                      variant="secondary"
                      disabled={!canEdit}
                      busy={busy === `${c.id}:archived`}
                      onClick={() => void update(c, { archived: true }, `archive ${JSON.stringify(c.name)}`)}
                      aria-label={`Archive ${c.name}`}
                    >
                      Archive
                    </Button>
                  </span>
                )}
              </>
            )}
          </li>
        ))}
        {offered.length === 0 && <li className="categories__empty">None yet: closing notes have no category to choose.</li>}
      </ol>
      {archived.length > 0 && (
        <div className="categories__archived">
          <h3 className="categories__subtitle">Archived</h3>
          <ul aria-label="Archived closing categories">
            {archived.map((c) => (
              <li key={c.id} className="categories__row categories__row--archived">
                <span className="categories__name">{c.name}</span>
                {owner && (
                  <Button
                    size="sm"
                    variant="ghost"
                    disabled={!canEdit}
                    busy={busy === `${c.id}:archived`}
                    onClick={() => void update(c, { archived: false }, `restore ${JSON.stringify(c.name)}`)}
                    aria-label={`Restore ${c.name}`}
                  >
                    Restore
                  </Button>
                )}
              </li>
            ))}
          </ul>
        </div>
      )}
      {owner && (
        <AddForm
          label="New closing category"
          placeholder="New category, e.g. Refund issued"
          maxLength={60}
          button="Add category"
          disabled={!canEdit}
          busy={busy === 'add'}
          offline={!online ? 'Changing categories needs a connection to the server' : undefined}
          onAdd={add}
        />
      )}
    </section>
  );
}

/** A category's place in the whole list (archived ones included), which is what the server's `position` counts. */
function positionOf(all: ClosingCategory[], c: ClosingCategory | undefined): number {
  return c ? all.findIndex((x) => x.id === c.id) : 0;
}
