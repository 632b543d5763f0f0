// The cache's schema: numbered migrations tracked with PRAGMA user_version. Each has its own test.
// Entities are stored whole (data, JSON as the server sent it) beside the columns the queries need.
export interface CacheMigration {
  version: number;
  name: string;
  sql: string;
}

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
];

export const CACHE_VERSION = CACHE_MIGRATIONS[CACHE_MIGRATIONS.length - 1].version;
