// The cache's schema: numbered migrations tracked with PRAGMA user_version. Each has its own test.
// Entities are stored whole (data, JSON as the server sent it) beside the columns the queries need.
import type BetterSqlite3 from 'better-sqlite3';
import type { OutboxKind } from '../outbox/queued-routes';
import { fromOldWrite } from './outbox-rows';

export interface CacheMigration {
  version: number;
  name: string;
  sql: string;
  /** What SQL alone cannot do, run after `sql` in the same transaction. */
  after?: (db: BetterSqlite3.Database) => void;
}

/** Migration 5: each queued write's hand-built method and path become the route it calls and its path parameters. */
function outboxRowsToRoutes(db: BetterSqlite3.Database): void {
  const rows = db.prepare('SELECT client_id, kind, path, state, error FROM outbox').all() as {
    client_id: string;
    kind: OutboxKind;
    path: string;
    state: string;
    error: string | null;
  }[];
  const set = db.prepare('UPDATE outbox SET route = ?, params = ?, state = ?, error = ? WHERE client_id = ?');
  for (const r of rows) {
    const w = fromOldWrite(r);
    set.run(w.route, w.params, w.state, w.error, r.client_id);
  }
  db.exec('ALTER TABLE outbox DROP COLUMN method; ALTER TABLE outbox DROP COLUMN path;');
}

/** How every full-text table splits and folds words (a scratch table checking matches must agree). */
export const TEXT_TOKENIZER = "tokenize = 'unicode61 remove_diacritics 2'";
/** The prefix lengths (in characters) messages_fts and contacts_fts keep an index for (text-search.ts walks them). */
const TEXT_PREFIXES = '2 3';

export const CACHE_MIGRATIONS: CacheMigration[] = [
  {
    version: 1,
    name: 'entities, feed cursor, outbox, full-text search',
    sql: `
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE users (id TEXT PRIMARY KEY, name TEXT NOT NULL, team_id TEXT, data TEXT NOT NULL);
CREATE TABLE teams (id TEXT PRIMARY KEY, data TEXT NOT NULL);
CREATE TABLE settings (id TEXT PRIMARY KEY, data TEXT NOT NULL);
CREATE TABLE closing_categories (id TEXT PRIMARY KEY, position INTEGER NOT NULL, data TEXT NOT NULL);
CREATE TABLE channels (id TEXT PRIMARY KEY, data TEXT NOT NULL);
CREATE TABLE custom_inboxes (id TEXT PRIMARY KEY, data TEXT NOT NULL);
CREATE TABLE contacts (
  id TEXT PRIMARY KEY,
  assignee_id TEXT,
  status TEXT NOT NULL,
  channel_id TEXT,
  conversation_id TEXT,
  last_activity_at INTEGER NOT NULL,
  data TEXT NOT NULL
);
CREATE INDEX contacts_activity ON contacts(last_activity_at DESC, id DESC);
CREATE INDEX contacts_status_activity ON contacts(status, last_activity_at DESC, id DESC);
CREATE INDEX contacts_assignee_activity ON contacts(assignee_id, last_activity_at DESC, id DESC);
CREATE INDEX contacts_assignee_status_activity ON contacts(assignee_id, status, last_activity_at DESC, id DESC);
CREATE TABLE conversations (
  id TEXT PRIMARY KEY,
  contact_id TEXT NOT NULL,
  status TEXT NOT NULL,
  opened_at INTEGER NOT NULL,
  closed_at INTEGER,
  data TEXT NOT NULL
);
CREATE INDEX conversations_contact ON conversations(contact_id, opened_at);
CREATE INDEX conversations_open ON conversations(status, opened_at);
CREATE TABLE messages (
  id TEXT PRIMARY KEY,
  contact_id TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  status TEXT NOT NULL,
  data TEXT NOT NULL
);
CREATE INDEX messages_contact ON messages(contact_id, created_at, id);
CREATE TABLE comments (id TEXT PRIMARY KEY, contact_id TEXT NOT NULL, created_at INTEGER NOT NULL, pending INTEGER NOT NULL DEFAULT 0, data TEXT NOT NULL);
CREATE INDEX comments_contact ON comments(contact_id, created_at, id);
CREATE TABLE events (id TEXT PRIMARY KEY, contact_id TEXT NOT NULL, created_at INTEGER NOT NULL, data TEXT NOT NULL);
CREATE INDEX events_contact ON events(contact_id, created_at, id);
CREATE TABLE notifications (
  id TEXT PRIMARY KEY,
  contact_id TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  unread INTEGER NOT NULL,
  archived INTEGER NOT NULL,
  data TEXT NOT NULL
);
CREATE INDEX notifications_list ON notifications(archived, created_at DESC, id DESC);
CREATE INDEX notifications_contact ON notifications(contact_id);
CREATE TABLE outbox (
  position INTEGER PRIMARY KEY AUTOINCREMENT,
  client_id TEXT NOT NULL UNIQUE,
  kind TEXT NOT NULL,
  contact_id TEXT,
  method TEXT NOT NULL,
  path TEXT NOT NULL,
  body TEXT NOT NULL,
  state TEXT NOT NULL,
  error TEXT,
  attempts INTEGER NOT NULL DEFAULT 0,
  undo TEXT NOT NULL,
  created_at INTEGER NOT NULL
);
-- Full-text rows share the rowid of the row they index.
CREATE VIRTUAL TABLE contacts_fts USING fts5(name, phone, email, tokenize = 'unicode61 remove_diacritics 2');
CREATE VIRTUAL TABLE messages_fts USING fts5(text, tokenize = 'unicode61 remove_diacritics 2');
CREATE VIRTUAL TABLE comments_fts USING fts5(text, tokenize = 'unicode61 remove_diacritics 2');
INSERT INTO contacts_fts(contacts_fts, rank) VALUES ('secure-delete', 1);
INSERT INTO messages_fts(messages_fts, rank) VALUES ('secure-delete', 1);
INSERT INTO comments_fts(comments_fts, rank) VALUES ('secure-delete', 1);
`,
  },
  {
    version: 2,
    name: "list counts kept with the rows; the assignee's team on each contact",
    sql: `
-- A team list is one index range: the assignee's team is copied onto the contact (the contact's
-- upsert looks it up; these triggers follow users joining, leaving or changing team).
ALTER TABLE contacts ADD COLUMN assignee_team_id TEXT;
UPDATE contacts SET assignee_team_id = (SELECT u.team_id FROM users u WHERE u.id = contacts.assignee_id) WHERE assignee_id IS NOT NULL;
CREATE INDEX contacts_team_activity ON contacts(assignee_team_id, last_activity_at DESC, id DESC);
CREATE INDEX contacts_team_status_activity ON contacts(assignee_team_id, status, last_activity_at DESC, id DESC);
CREATE TRIGGER users_team_insert AFTER INSERT ON users BEGIN
  UPDATE contacts SET assignee_team_id = NEW.team_id WHERE assignee_id = NEW.id;
END;
CREATE TRIGGER users_team_update AFTER UPDATE OF team_id ON users WHEN OLD.team_id IS NOT NEW.team_id BEGIN
  UPDATE contacts SET assignee_team_id = NEW.team_id WHERE assignee_id = NEW.id;
END;
CREATE TRIGGER users_team_delete AFTER DELETE ON users BEGIN
  UPDATE contacts SET assignee_team_id = NULL WHERE assignee_id = OLD.id;
END;

-- Contacts per (assignee, status), in the same transaction as the rows: every built-in list's
-- total is a sum of a few of these instead of a COUNT(*) over up to every contact.
-- '' stands for unassigned (a key column cannot usefully be NULL).
CREATE TABLE contact_counts (
  assignee_id TEXT NOT NULL,
  status TEXT NOT NULL,
  n INTEGER NOT NULL,
  PRIMARY KEY (assignee_id, status)
) WITHOUT ROWID;
INSERT INTO contact_counts (assignee_id, status, n) SELECT COALESCE(assignee_id, ''), status, COUNT(*) FROM contacts GROUP BY 1, 2;
CREATE TRIGGER contact_counts_insert AFTER INSERT ON contacts BEGIN
  INSERT INTO contact_counts (assignee_id, status, n) VALUES (COALESCE(NEW.assignee_id, ''), NEW.status, 1)
    ON CONFLICT DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER contact_counts_delete AFTER DELETE ON contacts BEGIN
  UPDATE contact_counts SET n = n - 1 WHERE assignee_id = COALESCE(OLD.assignee_id, '') AND status = OLD.status;
END;
CREATE TRIGGER contact_counts_update AFTER UPDATE OF assignee_id, status ON contacts
  WHEN OLD.assignee_id IS NOT NEW.assignee_id OR OLD.status IS NOT NEW.status BEGIN
  UPDATE contact_counts SET n = n - 1 WHERE assignee_id = COALESCE(OLD.assignee_id, '') AND status = OLD.status;
  INSERT INTO contact_counts (assignee_id, status, n) VALUES (COALESCE(NEW.assignee_id, ''), NEW.status, 1)
    ON CONFLICT DO UPDATE SET n = n + 1;
END;
`,
  },
  {
    version: 3,
    name: 'message search keeps prefixes of two and three letters',
    // A search walks the messages of a word's first letters newest first through this index and
    // stops early (text-search.ts); without it FTS5 gathers every row of the prefix first.
    sql: `
DROP TABLE messages_fts;
CREATE VIRTUAL TABLE messages_fts USING fts5(text, prefix = '${TEXT_PREFIXES}', ${TEXT_TOKENIZER});
INSERT INTO messages_fts(messages_fts, rank) VALUES ('secure-delete', 1);
INSERT INTO messages_fts (rowid, text) SELECT rowid, data->>'text' FROM messages;
`,
  },
  {
    version: 4,
    name: 'drafts per conversation',
    // What the user is writing survives a reload and a restart; it goes with the contact (removeContact).
    sql: `
CREATE TABLE drafts (
  contact_id TEXT PRIMARY KEY,
  updated_at INTEGER NOT NULL,
  data TEXT NOT NULL
);
`,
  },
  {
    version: 5,
    name: 'queued writes name the route they call',
    // {route, params, body} instead of a method and a path: replayed through the route table (outbox.ts).
    sql: `
ALTER TABLE outbox ADD COLUMN route TEXT NOT NULL DEFAULT '';
ALTER TABLE outbox ADD COLUMN params TEXT;
`,
    after: outboxRowsToRoutes,
  },
  {
    version: 7,
    name: 'a bootstrap from a snapshot remembers the version of each page',
    // Each page's contacts run from after_key (exclusive) to the next page's after_key (the page of
    // what belongs to no contact keeps its version in meta). Emptied once the cursor passes them all.
    sql: `
CREATE TABLE IF NOT EXISTS snapshot_pages (after_key TEXT PRIMARY KEY, version INTEGER NOT NULL) WITHOUT ROWID;
`,
  },
  {
    version: 8,
    name: 'contact search keeps prefixes of two and three letters',
    // As migration 3 for messages: a word every contact's name holds ("Contact", a company's name)
    // no longer makes FTS5 gather every contact before the first result (text-search.ts).
    sql: `
DROP TABLE contacts_fts;
CREATE VIRTUAL TABLE contacts_fts USING fts5(name, phone, email, prefix = '${TEXT_PREFIXES}', ${TEXT_TOKENIZER});
INSERT INTO contacts_fts(contacts_fts, rank) VALUES ('secure-delete', 1);
INSERT INTO contacts_fts (rowid, name, phone, email) SELECT rowid, data->>'name', COALESCE(data->>'phone', ''), COALESCE(data->>'email', '') FROM contacts;
`,
  },
];

export const CACHE_VERSION = CACHE_MIGRATIONS[CACHE_MIGRATIONS.length - 1].version;
