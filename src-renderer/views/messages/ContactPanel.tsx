// The contact's details beside the thread: who they are, who has them, and their conversation history.
import { useState, type ReactNode } from 'react';
import type { Contact } from '../../../src-shared/model';
import { command, DesktopError } from '../../bridge';
import { Avatar, Button, formatDateTime, formatDuration, formatTime, Icon, StatusDot, toast, type IconName } from '../../ui';
import { useServerOnline } from '../dashboard/layout';
import { useDirectory } from '../../workspace/directory-store';
import { useQuery } from '../../bridge/useQuery';
import type { ContactDetail } from './conversation-store';
import { CustomFieldInput, type FieldValue } from './CustomFieldInput';
import { LifecycleOptions } from './LifecycleOptions';

function Row({ icon, label, children }: { icon: IconName; label: string; children: ReactNode }) {
  return (
    <div className="details__row">
      <dt>
        <Icon name={icon} size={15} />
        {label}
      </dt>
      <dd>{children}</dd>
    </div>
  );
}

export function ContactPanel({ detail }: { detail: ContactDetail }) {
  const usersById = useDirectory((s) => s.usersById);
  const categories = useDirectory((s) => s.categories);
  const { contact, conversations } = detail;
  const { data: channels } = useQuery('channels', {}, []);
  const assignee = contact.assignee_id ? usersById.get(contact.assignee_id) : undefined;

  return (
    <aside className="contact-panel" aria-label="Contact details">
      <div className="contact-panel__card">
        <Avatar name={contact.name} size="xl" />
        <h2 className="contact-panel__name">{contact.name}</h2>
        <p className="contact-panel__since">Contact since {formatTime(contact.created_at)}</p>
      </div>
      <section className="contact-panel__section" aria-labelledby="contact-details-title">
        <h3 id="contact-details-title" className="section-label">
          Details
        </h3>
        <dl className="details">
          <Row icon="phone" label="Phone">
            {contact.phone ?? <span className="muted">—</span>}
          </Row>
          <Row icon="mail" label="Email">
            {contact.email ? <span className="details__break">{contact.email}</span> : <span className="muted">—</span>}
          </Row>
          <Row icon="channel" label="Channel">
            {contact.channel_id ? (channels?.find((c) => c.id === contact.channel_id)?.name ?? 'Custom channel') : <span className="muted">—</span>}
          </Row>
          <Row icon="user" label="Assignee">
            {assignee ? (
              <span className="details__person">
                <StatusDot status={assignee.status} />
                {assignee.name}
              </span>
            ) : (
              <span className="muted">Unassigned</span>
            )}
          </Row>
        </dl>
      </section>
      <ContactProfile contact={contact} />
      <section className="contact-panel__section" aria-labelledby="contact-history-title">
        <h3 id="contact-history-title" className="section-label">
          Conversations ({conversations.length})
        </h3>
        {conversations.length === 0 ? (
          <p className="muted">No conversations yet.</p>
        ) : (
          <ol className="history">
            {conversations.map((c) => {
              const category = c.closing_category_id ? categories.find((x) => x.id === c.closing_category_id)?.name : undefined;
              return (
                <li key={c.id} className="history__item">
                  <div className="history__top">
                    <span className={`pill pill--${c.status}`}>{c.status === 'open' ? 'Open' : 'Closed'}</span>
                    <time dateTime={new Date(c.opened_at).toISOString()} title={formatDateTime(c.opened_at)}>
                      {formatTime(c.opened_at)}
                    </time>
                    {c.closed_at && <span className="muted">· {formatDuration(c.closed_at - c.opened_at)}</span>}
                  </div>
                  {c.status === 'closed' && (category || c.closing_summary) && (
                    <div className="history__note">
                      {category && <span className="history__category">{category}</span>}
                      {c.closing_summary && <p className="history__summary">{c.closing_summary}</p>}
                    </div>
                  )}
                  {c.closed_by && <p className="history__by">Closed by {usersById.get(c.closed_by)?.name ?? 'a former user'}</p>}
                </li>
              );
            })}
          </ol>
        )}
      </section>
    </aside>
  );
}

/** Tags, lifecycle stage and custom field values (edited here, online; integrations set them too). */
function ContactProfile({ contact }: { contact: Contact }) {
  const online = useServerOnline();
  const stages = useQuery('lifecycleStages', {}, [online], { enabled: online });
  const fields = useQuery('customFields', {}, [online], { enabled: online });
  const [tag, setTag] = useState('');
  const [busy, setBusy] = useState(false);
  const tags = contact.tags ?? [];
  const save = async (
    change: { add_tags?: string[]; remove_tags?: string[]; lifecycle?: string | null; custom_fields?: { name: string; value: FieldValue }[] },
    what: string,
  ) => {
    setBusy(true);
    try {
      await command('setContactProfile', { contact_id: contact.id, ...change });
      return true;
    } catch (err) {
      toast.error(`Couldn't ${what}: ${(err as DesktopError).message}`);
      return false;
    } finally {
      setBusy(false);
    }
  };
  const addTag = async () => {
    const name = tag.trim();
    if (!name) return;
    if (await save({ add_tags: [name] }, `add the tag ${JSON.stringify(name)}`)) setTag('');
  };
  const offline = online ? undefined : 'Changing this needs a connection to the server';
  return (
    <section className="contact-panel__section" aria-labelledby="contact-profile-title">
      <h3 id="contact-profile-title" className="section-label">
        Profile
      </h3>
      <dl className="details">
        <Row icon="chart" label="Lifecycle">
          <select
            className="ctl-input"
            aria-label="Lifecycle stage"
            value={contact.lifecycle ?? ''}
            disabled={!online || busy}
            title={offline}
            onChange={(e) => void save({ lifecycle: e.target.value || null }, 'change the lifecycle stage')}
          >
            <option value="">None</option>
            <LifecycleOptions chosen={contact.lifecycle} stages={stages.data} />
          </select>
        </Row>
        <Row icon="folder" label="Tags">
          <span className="details__tags">
            {tags.map((t) => (
              <span key={t} className="pill">
                {t}
                <button
                  type="button"
                  className="details__tag-remove"
                  aria-label={`Remove tag ${t}`}
                  disabled={!online || busy}
                  title={offline}
                  onClick={() => void save({ remove_tags: [t] }, `remove the tag ${JSON.stringify(t)}`)}
                >
                  <Icon name="x" size={12} />
                </button>
              </span>
            ))}
            {tags.length === 0 && <span className="muted">None</span>}
          </span>
          <form
            className="details__tag-add"
            onSubmit={(e) => {
              e.preventDefault();
              void addTag();
            }}
          >
            <input className="ctl-input" aria-label="Add a tag" placeholder="Add a tag" maxLength={255} value={tag} onChange={(e) => setTag(e.target.value)} />
            <Button size="sm" variant="secondary" type="submit" disabled={!online || !tag.trim()} busy={busy} title={offline}>
              Add
            </Button>
          </form>
        </Row>
        {fields.data
          ? fields.data.map((f) => (
              <Row key={f.id} icon="note" label={f.name}>
                <CustomFieldInput
                  field={f}
                  value={contact.custom_fields?.find((v) => v.name === f.slug)?.value ?? null}
                  disabled={!online || busy}
                  title={offline}
                  onSave={(value) => save({ custom_fields: [{ name: f.slug, value }] }, `change ${f.name}`)}
                />
              </Row>
            ))
          : contact.custom_fields?.map((f) => (
              <Row key={f.name} icon="note" label={f.name}>
                {f.value === true ? 'Yes' : f.value === false ? 'No' : String(f.value ?? '')}
              </Row>
            ))}
      </dl>
    </section>
  );
}
