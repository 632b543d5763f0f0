// The cache's one repository of entities: where each entity of the change feed is kept, and get, put
// and delete that keep its full-text row (same rowid) and the list counts right. Every write of an
// entity into the cache (sync, an optimistic write, its undo) goes through here.
import type { Entity } from '../../../src-shared/sync/changes';
import type { Sql } from './sql';
import type { ListPositions } from './list-positions';
import { isUnread } from '../../../src-shared/unread';
import type {
  Channel,
  ClosingCategory,
  Comment,
  Contact,
  Conversation,
  CustomInbox,
  Message,
  Notification,
  Team,
  ThreadEvent,
  User,
  WorkspaceSettings,
} from '../../../src-shared/model';

/** The table each entity is kept in. */
export const TABLE_OF: Record<Entity, string> = {
  user: 'users',
  team: 'teams',
  settings: 'settings',
  closing_category: 'closing_categories',
  channel: 'channels',
  custom_inbox: 'custom_inboxes',
  contact: 'contacts',
  conversation: 'conversations',
  message: 'messages',
  comment: 'comments',
  event: 'events',
  notification: 'notifications',
};

/** The full-text table of an entity whose text is searched (its rows share the entity row's rowid). */
export const TEXT_TABLE_OF: Partial<Record<Entity, string>> = { contact: 'contacts_fts', message: 'messages_fts', comment: 'comments_fts' };

/** Each full-text table filled from its rows in one statement (the same columns `put` indexes). */
export const TEXT_SOURCES: readonly [table: string, fill: string][] = [
  [
    'contacts_fts',
    "INSERT INTO contacts_fts (rowid, name, phone, email) SELECT rowid, data->>'name', COALESCE(data->>'phone', ''), COALESCE(data->>'email', '') FROM contacts",
  ],
  ['messages_fts', "INSERT INTO messages_fts (rowid, text) SELECT rowid, data->>'text' FROM messages"],
  ['comments_fts', "INSERT INTO comments_fts (rowid, text) SELECT rowid, data->>'text' FROM comments"],
];

/** What `get` answers for each entity. */
export interface EntityData {
  user: User;
  team: Team;
  settings: WorkspaceSettings;
  closing_category: ClosingCategory;
  channel: Channel;
  custom_inbox: CustomInbox;
  contact: Contact;
  conversation: Conversation;
  message: Message;
  comment: Comment;
  event: ThreadEvent;
  notification: Notification;
}

/** What of the cache the repository writes through (Cache implements it). */
export interface EntityDb extends Sql {
  insert(sql: string, ...params: unknown[]): number | bigint | null;
  readonly bulkLoading: boolean;
  listVersion: number;
  /** Lists' anchors: a contact's write moves them; a team move or a deletion drops them (`listsChanged`). */
  readonly positions: ListPositions;
  listsChanged(): void;
  removeContact(id: string): void;
}

/** Entities whose change moves a list's members or counts (see Cache.listVersion). */
const LISTED: ReadonlySet<Entity> = new Set(['contact', 'user', 'custom_inbox', 'message']);

export class EntityStore {
  constructor(private readonly db: EntityDb) {}

  /** The entity as cached (null: not there). */
  get<E extends Entity>(entity: E, id: string): EntityData[E] | null {
    const row = this.db.get<{ data: string }>(`SELECT data FROM ${TABLE_OF[entity]} WHERE id = ?`, id);
    return row ? (JSON.parse(row.data) as EntityData[E]) : null;
  }

  /** Writes one entity as the server (or an optimistic write) has it. */
  put(entity: Entity, d: Record<string, unknown>): void {
    const data = JSON.stringify(d);
    if (LISTED.has(entity)) this.db.listVersion += 1;
    const db = this.db;
    switch (entity) {
      case 'user':
        // A new member of a team, or a move, changes the team lists of their contacts (users' triggers).
        if (db.get<{ team_id: string | null }>('SELECT team_id FROM users WHERE id = ?', d.id)?.team_id !== (d.team_id ?? null)) db.positions.clear();
        return db.run(
          'INSERT INTO users (id, name, team_id, data) VALUES (?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET name = excluded.name, team_id = excluded.team_id, data = excluded.data',
          d.id,
          d.name,
          d.team_id,
          data,
        );
      case 'team':
      case 'channel':
      case 'custom_inbox':
      case 'settings':
        return db.run(
          `INSERT INTO ${TABLE_OF[entity]} (id, data) VALUES (?, ?) ON CONFLICT (id) DO UPDATE SET data = excluded.data`,
          d.id ?? 'workspace',
          data,
        );
      case 'closing_category':
        return db.run(
          'INSERT INTO closing_categories (id, position, data) VALUES (?, ?, ?) ON CONFLICT (id) DO UPDATE SET position = excluded.position, data = excluded.data',
          d.id,
          d.position,
          data,
        );
      case 'contact':
        return this.putContact(d, data);
      case 'conversation':
        return db.run(
          `INSERT INTO conversations (id, contact_id, status, opened_at, closed_at, data) VALUES (?, ?, ?, ?, ?, ?)
           ON CONFLICT (id) DO UPDATE SET status = excluded.status, closed_at = excluded.closed_at, data = excluded.data`,
          d.id,
          d.contact_id,
          d.status,
          d.opened_at,
          d.closed_at,
          data,
        );
      case 'message': {
        // The text of a message never changes: it is indexed once, when the row is new.
        const rowid = db.insert(
          'INSERT INTO messages (id, contact_id, created_at, status, data) VALUES (?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING',
          d.id,
          d.contact_id,
          d.created_at,
          d.status,
          data,
        );
        if (rowid !== null) {
          this.indexText('INSERT INTO messages_fts (rowid, text) VALUES (?, ?)', rowid, d.text);
          db.positions.textChanged();
        }
        // The server's row replaces a queued one, but the time it was written (written_at) stays.
        else
          db.run(
            `UPDATE messages SET created_at = ?, status = ?, data = CASE WHEN data->>'written_at' IS NULL OR ?->>'written_at' IS NOT NULL THEN ? ELSE json_set(?, '$.written_at', data->>'written_at') END WHERE id = ?`,
            d.created_at,
            d.status,
            data,
            data,
            data,
            d.id,
          );
        return;
      }
      case 'comment': {
        const pending = d.pending ? 1 : 0;
        const rowid = db.insert(
          'INSERT INTO comments (id, contact_id, created_at, pending, data) VALUES (?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING',
          d.id,
          d.contact_id,
          d.created_at,
          pending,
          data,
        );
        if (rowid !== null) this.indexText('INSERT INTO comments_fts (rowid, text) VALUES (?, ?)', rowid, d.text);
        else db.run('UPDATE comments SET created_at = ?, pending = ?, data = ? WHERE id = ?', d.created_at, pending, data, d.id);
        return;
      }
      case 'event':
        return db.run(
          'INSERT INTO events (id, contact_id, created_at, data) VALUES (?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET data = excluded.data',
          d.id,
          d.contact_id,
          d.created_at,
          data,
        );
      case 'notification':
        return db.run(
          `INSERT INTO notifications (id, contact_id, created_at, unread, archived, data) VALUES (?, ?, ?, ?, ?, ?)
           ON CONFLICT (id) DO UPDATE SET created_at = excluded.created_at, unread = excluded.unread, archived = excluded.archived, data = excluded.data`,
          d.id,
          // An item about no contact (a paused webhook) is kept under '': no contact's lookups find it.
          d.contact_id ?? '',
          d.created_at,
          isUnread(d as Notification) ? 1 : 0,
          d.archived_at === null ? 0 : 1,
          data,
        );
    }
  }

  private putContact(d: Record<string, unknown>, data: string): void {
    // The assignee's team is looked up here (users' triggers keep it when membership changes).
    const team = 'SELECT team_id FROM users WHERE id = ?';
    const existing = this.db.get<{ rowid: number }>('SELECT rowid FROM contacts WHERE id = ?', d.id);
    const was = existing ? this.db.positions.placesOf(existing.rowid) : null;
    let rowid: number | bigint;
    if (existing) {
      rowid = existing.rowid;
      this.db.run(
        `UPDATE contacts SET assignee_id = ?, assignee_team_id = (${team}), status = ?, channel_id = ?, conversation_id = ?, last_activity_at = ?, data = ? WHERE rowid = ?`,
        d.assignee_id,
        d.assignee_id,
        d.status,
        d.channel_id,
        d.conversation_id,
        d.last_activity_at,
        data,
        rowid,
      );
      if (!this.db.bulkLoading) this.db.run('DELETE FROM contacts_fts WHERE rowid = ?', rowid);
    } else {
      rowid = this.db.insert(
        `INSERT INTO contacts (id, assignee_id, assignee_team_id, status, channel_id, conversation_id, last_activity_at, data) VALUES (?, ?, (${team}), ?, ?, ?, ?, ?)`,
        d.id,
        d.assignee_id,
        d.assignee_id,
        d.status,
        d.channel_id,
        d.conversation_id,
        d.last_activity_at,
        data,
      )!;
    }
    this.indexText('INSERT INTO contacts_fts (rowid, name, phone, email) VALUES (?, ?, ?, ?)', rowid, d.name, d.phone ?? '', d.email ?? '');
    this.db.positions.written(rowid, was);
  }

  /** A bulk load builds the full-text tables at its end (Cache.endBulkLoad). */
  private indexText(sql: string, ...params: unknown[]): void {
    if (!this.db.bulkLoading) this.db.run(sql, ...params);
  }

  /** Deletes one entity and its full-text row; a contact goes with everything of it (Cache.removeContact). */
  delete(entity: Entity, id: string): void {
    if (entity === 'contact') return this.db.removeContact(id);
    this.db.listsChanged();
    const table = TABLE_OF[entity];
    const text = TEXT_TABLE_OF[entity];
    if (text) {
      const row = this.db.get<{ rowid: number }>(`SELECT rowid FROM ${table} WHERE id = ?`, id);
      if (row) this.db.run(`DELETE FROM ${text} WHERE rowid = ?`, row.rowid);
    }
    this.db.run(`DELETE FROM ${table} WHERE id = ?`, id);
  }
}
