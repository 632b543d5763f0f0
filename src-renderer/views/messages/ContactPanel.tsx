// The contact's details beside the thread: who they are, who has them, and their conversation history.
import type { ReactNode } from 'react';
import { Avatar, formatDateTime, formatDuration, formatTime, Icon, StatusDot, type IconName } from '../../ui';
import { useDirectory } from '../../workspace/directory-store';
import { useQuery } from '../../bridge/useQuery';
import type { ContactDetail } from './conversation-store';

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
          {contact.lifecycle && (
            <Row icon="chart" label="Lifecycle">
              {contact.lifecycle}
            </Row>
          )}
          {contact.tags && contact.tags.length > 0 && (
            <Row icon="folder" label="Tags">
              <span className="details__tags">
                {contact.tags.map((t) => (
                  <span key={t} className="pill">
                    {t}
                  </span>
                ))}
              </span>
            </Row>
          )}
          {contact.custom_fields?.map((f) => (
            <Row key={f.name} icon="note" label={f.name}>
              {f.value === true ? 'Yes' : f.value === false ? 'No' : String(f.value ?? '')}
            </Row>
          ))}
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
