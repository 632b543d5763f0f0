// Numbered migrations, written once for both engines; {{SEQ}} marks the auto-incrementing feed key.
// Write them in the subset both engines share: TEXT, INTEGER (0/1 for booleans), BIGINT (times),
// plain indexes and constraints. `migrationSql` gives a migration's text for one engine.
import type { SqliteDatabase } from './sqlite';
import type { PostgresDatabase } from './postgres';

interface Migration {
  version: number;
  name: string;
  sql: string;
  /** A change SQLite makes otherwise than PostgreSQL: SQL that PostgreSQL runs after `sql`, and what SQLite does instead. */
  engineSpecific?: { postgres: string; sqlite: (db: SqliteDatabase) => void };
}

/**
 * SQLite cannot drop a NOT NULL: the table is made again from its own definition without it, with its
 * rows and its indexes (SQLite's documented way), whatever columns earlier migrations gave it.
 */
function dropNotNullSqlite(db: SqliteDatabase, table: string, column: string): void {
  const { create, indexes } = db.tableSchema(table);
  const relaxed = create.replace(new RegExp(`(\\b${column}\\s+\\w+)\\s+NOT NULL`, 'i'), '$1');
  if (relaxed === create) return; // already without it (a migration run again)
  db.execScript(`${relaxed.replace(/^CREATE TABLE\s+"?\w+"?/i, `CREATE TABLE ${table}_next`)};
INSERT INTO ${table}_next SELECT * FROM ${table};
DROP TABLE ${table};
ALTER TABLE ${table}_next RENAME TO ${table};
${indexes.map((i) => `${i};`).join('\n')}`);
}

const MIGRATIONS: Migration[] = [
  {
    version: 1,
    name: 'workspace',
    sql: `
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE teams (id TEXT PRIMARY KEY, name TEXT NOT NULL, created_at BIGINT NOT NULL);
CREATE TABLE users (
  id TEXT PRIMARY KEY,
  email TEXT NOT NULL UNIQUE,
  name TEXT NOT NULL,
  password_hash TEXT NOT NULL,
  role TEXT NOT NULL,
  team_id TEXT REFERENCES teams(id),
  contact_visibility TEXT NOT NULL DEFAULT 'off',
  restrict_export INTEGER NOT NULL DEFAULT 0,
  restrict_deletion INTEGER NOT NULL DEFAULT 0,
  restrict_settings INTEGER NOT NULL DEFAULT 0,
  restrict_integrations INTEGER NOT NULL DEFAULT 0,
  status TEXT NOT NULL DEFAULT 'offline',
  chosen_status TEXT NOT NULL DEFAULT 'online',
  last_active_at BIGINT,
  deactivated INTEGER NOT NULL DEFAULT 0,
  avatar_color TEXT NOT NULL,
  notify_prefs TEXT NOT NULL,
  refetch_seq BIGINT NOT NULL DEFAULT 0,
  created_at BIGINT NOT NULL
);
CREATE INDEX users_team ON users(team_id);
CREATE TABLE sessions (
  token_hash TEXT PRIMARY KEY,
  user_id TEXT NOT NULL REFERENCES users(id),
  created_at BIGINT NOT NULL,
  last_seen_at BIGINT NOT NULL
);
CREATE INDEX sessions_user ON sessions(user_id);
CREATE TABLE channels (id TEXT PRIMARY KEY, name TEXT NOT NULL, secret TEXT NOT NULL, created_at BIGINT NOT NULL);
CREATE TABLE closing_categories (id TEXT PRIMARY KEY, name TEXT NOT NULL, position INTEGER NOT NULL);
CREATE TABLE contacts (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  phone TEXT,
  email TEXT,
  channel_id TEXT REFERENCES channels(id),
  external_id TEXT,
  assignee_id TEXT REFERENCES users(id),
  status TEXT NOT NULL,
  conversation_id TEXT,
  last_activity_at BIGINT NOT NULL,
  last_message TEXT,
  last_message_direction TEXT,
  created_at BIGINT NOT NULL,
  UNIQUE (channel_id, external_id)
);
CREATE INDEX contacts_activity ON contacts(last_activity_at, id);
CREATE INDEX contacts_assignee ON contacts(assignee_id, last_activity_at, id);
CREATE INDEX contacts_status ON contacts(status, last_activity_at, id);
CREATE TABLE conversations (
  id TEXT PRIMARY KEY,
  contact_id TEXT NOT NULL REFERENCES contacts(id),
  status TEXT NOT NULL,
  opened_at BIGINT NOT NULL,
  closed_at BIGINT,
  closed_by TEXT,
  closing_category_id TEXT,
  closing_summary TEXT,
  first_response_at BIGINT,
  first_responder_id TEXT
);
CREATE INDEX conversations_contact ON conversations(contact_id, opened_at);
CREATE INDEX conversations_status ON conversations(status, opened_at);
CREATE INDEX conversations_closed ON conversations(closed_at);
CREATE INDEX conversations_opened ON conversations(opened_at);
CREATE TABLE messages (
  id TEXT PRIMARY KEY,
  contact_id TEXT NOT NULL REFERENCES contacts(id),
  conversation_id TEXT NOT NULL,
  direction TEXT NOT NULL,
  text TEXT NOT NULL,
  status TEXT NOT NULL,
  fail_reason TEXT,
  author_id TEXT,
  channel_message_id TEXT,
  created_at BIGINT NOT NULL
);
CREATE INDEX messages_contact ON messages(contact_id, created_at, id);
CREATE INDEX messages_author ON messages(author_id, created_at);
CREATE UNIQUE INDEX messages_channel_id ON messages(contact_id, channel_message_id);
CREATE TABLE comments (
  id TEXT PRIMARY KEY,
  contact_id TEXT NOT NULL REFERENCES contacts(id),
  conversation_id TEXT,
  author_id TEXT NOT NULL,
  text TEXT NOT NULL,
  mentions TEXT NOT NULL,
  created_at BIGINT NOT NULL
);
CREATE INDEX comments_contact ON comments(contact_id, created_at, id);
CREATE INDEX comments_author ON comments(author_id, created_at);
CREATE TABLE events (
  id TEXT PRIMARY KEY,
  contact_id TEXT NOT NULL REFERENCES contacts(id),
  conversation_id TEXT,
  kind TEXT NOT NULL,
  actor_id TEXT,
  assignee_id TEXT,
  closing_category_id TEXT,
  closing_summary TEXT,
  created_at BIGINT NOT NULL
);
CREATE INDEX events_contact ON events(contact_id, created_at, id);
CREATE INDEX events_kind ON events(kind, created_at);
CREATE TABLE notifications (
  id TEXT PRIMARY KEY,
  user_id TEXT NOT NULL REFERENCES users(id),
  kind TEXT NOT NULL,
  contact_id TEXT NOT NULL REFERENCES contacts(id),
  conversation_id TEXT,
  comment_id TEXT,
  message_id TEXT,
  actor_id TEXT,
  excerpt TEXT NOT NULL,
  count INTEGER NOT NULL DEFAULT 1,
  created_at BIGINT NOT NULL,
  read_at BIGINT,
  archived_at BIGINT
);
CREATE INDEX notifications_user ON notifications(user_id, created_at, id);
CREATE INDEX notifications_contact ON notifications(contact_id, user_id);
CREATE TABLE custom_inboxes (
  id TEXT PRIMARY KEY,
  owner_id TEXT NOT NULL REFERENCES users(id),
  name TEXT NOT NULL,
  filter TEXT NOT NULL,
  sharing TEXT NOT NULL,
  shared_user_ids TEXT NOT NULL,
  shared_team_ids TEXT NOT NULL,
  created_at BIGINT NOT NULL
);
CREATE TABLE idempotency (
  user_id TEXT NOT NULL,
  client_id TEXT NOT NULL,
  route TEXT NOT NULL,
  status INTEGER NOT NULL,
  body TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  PRIMARY KEY (user_id, client_id)
);
CREATE TABLE changes (
  seq {{SEQ}},
  entity TEXT NOT NULL,
  op TEXT NOT NULL,
  entity_id TEXT NOT NULL,
  contact_id TEXT,
  target_user_id TEXT,
  data TEXT,
  at BIGINT NOT NULL
);
CREATE INDEX changes_contact ON changes(contact_id, seq);
CREATE INDEX changes_target ON changes(target_user_id, seq);
`,
  },
  {
    version: 2,
    name: 'inbound batches: one unread New Message item per user and contact; who asked for unassigned ones',
    // New-message items collapse into the user's unread one for the contact; the unique index lets a
    // batch of messages do that with one upsert (and two instances can no longer both insert one).
    // Older duplicates (that race) are marked read first, keeping the newest. The partial index on
    // users finds the few who asked for New Message (unassigned) items without reading every user
    // (the condition is word for word the one in workspace/ingest.ts).
    sql: `
UPDATE notifications SET read_at = created_at
WHERE read_at IS NULL AND archived_at IS NULL AND kind IN ('new_message_assigned', 'new_message_unassigned')
  AND EXISTS (SELECT 1 FROM notifications n2
    WHERE n2.user_id = notifications.user_id AND n2.contact_id = notifications.contact_id AND n2.kind = notifications.kind
      AND n2.read_at IS NULL AND n2.archived_at IS NULL
      AND (n2.created_at > notifications.created_at OR (n2.created_at = notifications.created_at AND n2.id > notifications.id)));
CREATE UNIQUE INDEX notifications_unread_new ON notifications(user_id, contact_id, kind)
  WHERE read_at IS NULL AND archived_at IS NULL AND kind IN ('new_message_assigned', 'new_message_unassigned');
CREATE INDEX users_asking_unassigned ON users(id) WHERE deactivated = 0 AND notify_prefs LIKE '%"new_message_unassigned":true%';
`,
  },
  {
    version: 3,
    name: 'closing categories the workspace defines (archived ones stay for the conversations closed with them); sessions seen now',
    // Sessions end after 30 days unused, counted from last_seen_at, which until now was written only
    // at sign-in: every session counts as seen at the upgrade, or all older than 30 days would end.
    sql: `
ALTER TABLE closing_categories ADD COLUMN archived INTEGER NOT NULL DEFAULT 0;
CREATE UNIQUE INDEX closing_categories_on_offer ON closing_categories (lower(name)) WHERE archived = 0;
UPDATE sessions SET last_seen_at = {{NOW_MS}} WHERE last_seen_at < {{NOW_MS}};
`,
  },
  {
    version: 4,
    name: 'a replay must match the first request: its route, its target and its body',
    // Rows stored before this have neither (NULL): their replays are matched by route alone.
    sql: `
ALTER TABLE idempotency ADD COLUMN target TEXT;
ALTER TABLE idempotency ADD COLUMN request_hash TEXT;
`,
  },
  {
    version: 5,
    name: 'sign-in attempts counted in the database, shared by every instance',
    // A fixed window per key (an address, an email, both); workspace/sign-in-limits.ts. IF NOT EXISTS:
    // a test that replays earlier migrations on SQLite (user_version set back) runs this one again.
    sql: `
CREATE TABLE IF NOT EXISTS sign_in_attempts (key TEXT PRIMARY KEY, attempts INTEGER NOT NULL, reset_at BIGINT NOT NULL);
CREATE INDEX IF NOT EXISTS sign_in_attempts_reset ON sign_in_attempts(reset_at);
`,
  },
  {
    version: 6,
    name: 'real workspaces: setup codes for the first Owner; a password given by someone else is changed at first sign-in',
    // Only a code's hash is kept. Each start while setup is pending adds one (every instance prints
    // its own), and any unexpired, unused one sets the workspace up once.
    sql: `
CREATE TABLE setup_codes (code_hash TEXT PRIMARY KEY, created_at BIGINT NOT NULL, expires_at BIGINT NOT NULL, used_at BIGINT);
ALTER TABLE users ADD COLUMN must_change_password INTEGER NOT NULL DEFAULT 0;
`,
  },
  {
    version: 8,
    name: 'developer API: access tokens, numbers for /v2 ids, contact tags, custom fields and lifecycle stages',
    // A token acts through a user row of its own (api_token_id set, deactivated, no password), so its
    // writes carry an actor like anyone's: "API · <token name>" in threads, notifications and reports.
    // Only a token's hash is kept. api_numbers gives an entity its /v2 number the first time /v2 shows it.
    // contacts.profile: the contact's tags, lifecycle and custom field values as the feed carries them (JSON; NULL: none).
    sql: `
CREATE TABLE access_tokens (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  token_hash TEXT NOT NULL UNIQUE,
  actor_id TEXT NOT NULL REFERENCES users(id),
  created_by TEXT NOT NULL REFERENCES users(id),
  created_at BIGINT NOT NULL,
  last_used_at BIGINT,
  revoked_at BIGINT
);
ALTER TABLE users ADD COLUMN api_token_id TEXT;
CREATE TABLE api_numbers (num {{SEQ}}, entity TEXT NOT NULL, entity_id TEXT NOT NULL);
CREATE UNIQUE INDEX api_numbers_entity ON api_numbers(entity, entity_id);
CREATE TABLE tags (id TEXT PRIMARY KEY, name TEXT NOT NULL, description TEXT NOT NULL, color TEXT NOT NULL, emoji TEXT NOT NULL, created_at BIGINT NOT NULL);
CREATE UNIQUE INDEX tags_name ON tags(lower(name));
CREATE TABLE contact_tags (contact_id TEXT NOT NULL REFERENCES contacts(id), tag_id TEXT NOT NULL REFERENCES tags(id), PRIMARY KEY (contact_id, tag_id));
CREATE INDEX contact_tags_tag ON contact_tags(tag_id);
CREATE TABLE custom_fields (id TEXT PRIMARY KEY, name TEXT NOT NULL, slug TEXT NOT NULL UNIQUE, description TEXT NOT NULL, data_type TEXT NOT NULL, list_values TEXT NOT NULL, created_at BIGINT NOT NULL);
CREATE TABLE contact_field_values (contact_id TEXT NOT NULL REFERENCES contacts(id), field_id TEXT NOT NULL REFERENCES custom_fields(id), value TEXT NOT NULL, PRIMARY KEY (contact_id, field_id));
CREATE TABLE lifecycle_stages (id TEXT PRIMARY KEY, name TEXT NOT NULL, position INTEGER NOT NULL);
CREATE UNIQUE INDEX lifecycle_stages_name ON lifecycle_stages(lower(name));
INSERT INTO lifecycle_stages (id, name, position) VALUES ('ls_new_lead', 'New Lead', 0), ('ls_hot_lead', 'Hot Lead', 1), ('ls_payment', 'Payment', 2), ('ls_customer', 'Customer', 3), ('ls_cold_lead', 'Cold Lead', 4);
ALTER TABLE contacts ADD COLUMN first_name TEXT;
ALTER TABLE contacts ADD COLUMN last_name TEXT;
ALTER TABLE contacts ADD COLUMN language TEXT;
ALTER TABLE contacts ADD COLUMN profile_pic TEXT;
ALTER TABLE contacts ADD COLUMN country_code TEXT;
ALTER TABLE contacts ADD COLUMN lifecycle_stage_id TEXT REFERENCES lifecycle_stages(id);
ALTER TABLE contacts ADD COLUMN profile TEXT;
CREATE INDEX contacts_created ON contacts(created_at, id);
CREATE INDEX contacts_email ON contacts(lower(email));
CREATE INDEX contacts_phone ON contacts(phone);
`,
  },
  {
    version: 9,
    name: 'webhooks: endpoints with their signing keys, the delivery queue and log, their places in the feed; notifications about no contact',
    // The signing key is kept as given (it signs every delivery). A delivery row is the queue (pending)
    // and the log (the last 100 finished per endpoint); lane: a contact's events are delivered in
    // order. feed_cursors is shared with feed compaction: it never removes a record above the lowest
    // position (one row per active endpoint, name webhook:<id>), created by either with this statement.
    // IF NOT EXISTS throughout: a test that replays earlier migrations on SQLite runs this one again.
    sql: `
CREATE TABLE IF NOT EXISTS webhook_endpoints (
  id TEXT PRIMARY KEY,
  url TEXT NOT NULL,
  events TEXT NOT NULL,
  signing_key TEXT NOT NULL,
  state TEXT NOT NULL,
  paused_reason TEXT,
  failing_since BIGINT,
  created_by TEXT NOT NULL REFERENCES users(id),
  created_at BIGINT NOT NULL
);
CREATE TABLE IF NOT EXISTS webhook_deliveries (
  id {{SEQ}},
  endpoint_id TEXT NOT NULL REFERENCES webhook_endpoints(id) ON DELETE CASCADE,
  event_id TEXT NOT NULL,
  event_type TEXT NOT NULL,
  lane TEXT NOT NULL,
  body TEXT NOT NULL,
  status TEXT NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt_at BIGINT NOT NULL,
  claimed_until BIGINT,
  status_code INTEGER,
  latency_ms INTEGER,
  error TEXT,
  created_at BIGINT NOT NULL,
  finished_at BIGINT
);
CREATE UNIQUE INDEX IF NOT EXISTS webhook_deliveries_event ON webhook_deliveries(endpoint_id, event_id);
CREATE INDEX IF NOT EXISTS webhook_deliveries_log ON webhook_deliveries(endpoint_id, id);
CREATE INDEX IF NOT EXISTS webhook_deliveries_pending ON webhook_deliveries(endpoint_id, lane, id) WHERE status = 'pending';
CREATE INDEX IF NOT EXISTS webhook_deliveries_queue ON webhook_deliveries(endpoint_id, id) WHERE status = 'pending';
CREATE TABLE IF NOT EXISTS feed_cursors (name TEXT PRIMARY KEY, position BIGINT NOT NULL);
`,
    // A Notification Center item about no contact: an Owner told that a failing endpoint was paused.
    engineSpecific: {
      postgres: 'ALTER TABLE notifications ALTER COLUMN contact_id DROP NOT NULL;',
      sqlite: (db) => dropNotNullSqlite(db, 'notifications', 'contact_id'),
    },
  },
  {
    version: 10,
    name: 'supervisor alerts: the clocks of the rules, the breaches raised, the Needs attention items they made; who last changed a user’s access',
    // A clock runs while a rule's condition holds for an open conversation (workspace/alerts.ts); due_at
    // is when it breaches. A breach is raised once per (conversation, rule, start of its condition): the
    // unique key keeps it once across restarts and instances. The notification columns say which
    // breach an item stands for and when it ended.
    sql: `
CREATE TABLE alert_clocks (
  conversation_id TEXT NOT NULL,
  rule TEXT NOT NULL,
  contact_id TEXT NOT NULL,
  started_at BIGINT NOT NULL,
  due_at BIGINT NOT NULL,
  breach_id TEXT,
  PRIMARY KEY (conversation_id, rule)
);
CREATE INDEX alert_clocks_due ON alert_clocks(due_at) WHERE breach_id IS NULL;
CREATE INDEX alert_clocks_contact ON alert_clocks(contact_id);
CREATE TABLE alert_breaches (
  id TEXT PRIMARY KEY,
  conversation_id TEXT NOT NULL,
  contact_id TEXT NOT NULL,
  rule TEXT NOT NULL,
  started_at BIGINT NOT NULL,
  due_at BIGINT NOT NULL,
  raised_at BIGINT NOT NULL,
  ended_at BIGINT,
  ended TEXT,
  UNIQUE (conversation_id, rule, started_at)
);
CREATE INDEX alert_breaches_open ON alert_breaches(contact_id) WHERE ended_at IS NULL;
ALTER TABLE notifications ADD COLUMN alert_id TEXT;
ALTER TABLE notifications ADD COLUMN alert_rule TEXT;
ALTER TABLE notifications ADD COLUMN alert_due_at BIGINT;
ALTER TABLE notifications ADD COLUMN alert_ended_at BIGINT;
ALTER TABLE notifications ADD COLUMN alert_ended TEXT;
CREATE INDEX notifications_alert ON notifications(alert_id) WHERE alert_id IS NOT NULL;
ALTER TABLE users ADD COLUMN access_change TEXT;
`,
  },
  {
    version: 11,
    name: 'a compacted feed: durable positions of other feed readers, and records found by their row',
    // feed_cursors: the lowest position of any reader kept here (a webhook dispatcher) bounds what
    // compaction removes. changes_row: a new record finds the older records of its row (compaction.ts).
    sql: `
CREATE TABLE IF NOT EXISTS feed_cursors (name TEXT PRIMARY KEY, position BIGINT NOT NULL);
CREATE INDEX changes_row ON changes(entity, entity_id, seq);
`,
  },
  {
    version: 12,
    name: 'developer API: every contact has its /v2 number from the moment it exists',
    // A contact is addressable as id:<number> before /v2 ever showed it (a number read from a webhook,
    // or typed from the contact panel): the existing ones are numbered in the order they came, and a
    // trigger numbers each new one in the transaction that creates it, whichever path creates it.
    sql: `
INSERT INTO api_numbers (entity, entity_id)
  SELECT 'contact', c.id FROM contacts c
  WHERE NOT EXISTS (SELECT 1 FROM api_numbers n WHERE n.entity = 'contact' AND n.entity_id = c.id)
  ORDER BY c.created_at, c.id;
{{NUMBER_NEW_CONTACTS}}
`,
  },
];

export const LATEST_VERSION = MIGRATIONS[MIGRATIONS.length - 1].version;

/** The trigger giving each new contact its /v2 number (one statement in SQLite; a function and a trigger in PostgreSQL). Safe to run again. */
const NUMBER_NEW_CONTACTS = {
  sqlite: `CREATE TRIGGER IF NOT EXISTS contacts_api_number AFTER INSERT ON contacts BEGIN
  INSERT INTO api_numbers (entity, entity_id) VALUES ('contact', NEW.id) ON CONFLICT (entity, entity_id) DO NOTHING;
END;`,
  postgres: `CREATE OR REPLACE FUNCTION contacts_api_number() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO api_numbers (entity, entity_id) VALUES ('contact', NEW.id) ON CONFLICT (entity, entity_id) DO NOTHING;
  RETURN NULL;
END $$;
CREATE OR REPLACE TRIGGER contacts_api_number AFTER INSERT ON contacts FOR EACH ROW EXECUTE FUNCTION contacts_api_number();`,
};

/** The migration's SQL for one engine. */
function migrationSql(m: Migration, dialect: 'sqlite' | 'postgres'): string {
  return (
    m.sql
      // (A function, so the $$ of PostgreSQL's function body is not read as a replacement pattern.)
      .replaceAll('{{NUMBER_NEW_CONTACTS}}', () => NUMBER_NEW_CONTACTS[dialect])
      .replaceAll('{{SEQ}}', dialect === 'sqlite' ? 'INTEGER PRIMARY KEY AUTOINCREMENT' : 'BIGSERIAL PRIMARY KEY')
      .replaceAll(
        '{{NOW_MS}}',
        dialect === 'sqlite' ? "(CAST(unixepoch('subsec') * 1000 AS INTEGER))" : '(CAST(EXTRACT(EPOCH FROM clock_timestamp()) * 1000 AS BIGINT))',
      )
  );
}

function newerError(current: number): Error {
  return new Error(`database schema version ${current} is newer than this server (${LATEST_VERSION}); upgrade the server`);
}

/**
 * The migrations to run: those after the database's version or, for a test of one migration's upgrade
 * (`replay`), that one alone again on a database already past it, after the test undid what it made.
 */
function toRun(current: number, replay: number | undefined): Migration[] {
  return MIGRATIONS.filter((m) => (replay === undefined ? m.version > current : m.version === replay));
}

/** Brings an SQLite database up to date (the version is SQLite's user_version); refuses one newer than this server. */
export function migrateSqlite(db: SqliteDatabase, replay?: number): void {
  const current = db.userVersion();
  if (current > LATEST_VERSION) {
    throw newerError(current);
  }
  for (const m of toRun(current, replay)) {
    db.execScript('BEGIN');
    try {
      db.execScript(migrationSql(m, 'sqlite'));
      m.engineSpecific?.sqlite(db);
      db.setUserVersion(Math.max(current, m.version));
      db.execScript('COMMIT');
    } catch (err) {
      db.execScript('ROLLBACK');
      throw err;
    }
  }
}

/**
 * Brings a PostgreSQL database up to date; refuses one newer than this server. The versions applied
 * are rows of schema_migrations (PostgreSQL has no user_version); each migration runs in its own
 * transaction with its row. Instances starting together wait for each other on an advisory lock.
 */
export async function migratePostgres(db: PostgresDatabase, replay?: number): Promise<void> {
  await db.withClient(async (c) => {
    await c.query('SELECT pg_advisory_lock($1)', [db.migrateLockKey]);
    try {
      await c.query('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)');
      const r = await c.query<{ v: number | null }>('SELECT MAX(version) AS v FROM schema_migrations');
      const current = Number(r.rows[0]?.v ?? 0);
      if (current > LATEST_VERSION) throw newerError(current);
      for (const m of toRun(current, replay)) {
        await c.query('BEGIN');
        try {
          await c.query(migrationSql(m, 'postgres'));
          if (m.engineSpecific) await c.query(m.engineSpecific.postgres);
          await c.query('INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3) ON CONFLICT (version) DO NOTHING', [
            m.version,
            m.name,
            Date.now(),
          ]);
          await c.query('COMMIT');
        } catch (err) {
          await c.query('ROLLBACK');
          throw err;
        }
      }
    } finally {
      await c.query('SELECT pg_advisory_unlock($1)', [db.migrateLockKey]);
    }
  });
}
