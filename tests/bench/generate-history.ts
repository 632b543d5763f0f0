// "A year of history" written straight into a server's SQLite file with set-based SQL (one INSERT …
// SELECT over a generated series per table), so millions of rows take minutes, not hours:
// the demo's users and teams, `contacts` contacts with one conversation each, `messages` messages
// spread over them, a change record for each row as the server would have written it, and then
// (addChurn) `churn` records of the year's changes to those rows: reassignments and profile edits of
// contacts, message status changes, users' status changes. Records' times grow with their seq over the year.
import BetterSqlite3 from 'better-sqlite3';
import { SqliteDatabase } from '../../src-server/db/sqlite';
import { migrateSqlite } from '../../src-server/db/migrations';
import { Store } from '../../src-server/workspace/store';
import { seedDemoWorkspace } from '../../src-server/demo/seed';
import { FeedCompactor } from '../../src-server/feed/compaction';

export interface HistoryScale {
  contacts: number;
  messages: number;
  churn: number;
}

const DAY = 86_400_000;
const WORDS =
  'price order delivery refund invoice plan upgrade discount shipping address payment account login password stock size colour return warranty support';

/** A series 0…n-1 as a common table expression named n(i). */
const series = (n: number) => `WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < ${n - 1})`;

function open(file: string): BetterSqlite3.Database {
  const raw = new BetterSqlite3(file);
  raw.pragma('journal_mode = WAL');
  raw.pragma('synchronous = OFF');
  raw.pragma('foreign_keys = OFF');
  raw.pragma('cache_size = -262144');
  return raw;
}

/** Helper tables: the agents (k = 0…) and the words (k = 0…19) rows pick from. */
function helpers(raw: BetterSqlite3.Database): number {
  raw.exec(`CREATE TEMP TABLE agents AS SELECT ROW_NUMBER() OVER (ORDER BY id) - 1 AS k, id FROM users WHERE role = 'agent'`);
  raw.exec('CREATE TEMP TABLE words (k INTEGER PRIMARY KEY, word TEXT NOT NULL)');
  const ins = raw.prepare('INSERT INTO temp.words (k, word) VALUES (?, ?)');
  WORDS.split(' ').forEach((w, k) => ins.run(k, w));
  return (raw.prepare('SELECT COUNT(*) AS n FROM temp.agents').get() as { n: number }).n;
}

/** The workspace's current state and one change record per row (the records are a year old, oldest first). */
export async function generateHistory(file: string, scale: Pick<HistoryScale, 'contacts' | 'messages'>, now = Date.now()): Promise<void> {
  const db = new SqliteDatabase(file);
  migrateSqlite(db);
  await seedDemoWorkspace(
    new Store(
      db,
      () => now - 366 * DAY,
      () => {},
    ),
    { seed: 3, contacts: 1 },
  );
  // The seed's records compacted as a server would have (at their own time, so none is past retention).
  await new FeedCompactor(db, () => now - 366 * DAY).run();
  await db.close();
  const raw = open(file);
  const agents = helpers(raw);
  const { contacts, messages } = scale;
  const perContact = Math.max(1, Math.floor(messages / contacts));
  const start = now - 365 * DAY;
  raw.transaction(() => {
    raw.exec(`${series(contacts)}
      INSERT INTO conversations (id, contact_id, status, opened_at, closed_at)
      SELECT 'hv_' || i, 'hc_' || i, CASE WHEN i % 3 = 0 THEN 'open' ELSE 'closed' END, ${start} + i * 1000,
        CASE WHEN i % 3 = 0 THEN NULL ELSE ${start} + i * 1000 + ${perContact} * 60000 END FROM n`);
    raw.exec(`${series(messages)}
      INSERT INTO messages (id, contact_id, conversation_id, direction, text, status, author_id, created_at)
      SELECT 'hm_' || i, 'hc_' || (i % ${contacts}), 'hv_' || (i % ${contacts}), CASE WHEN i % 2 = 0 THEN 'incoming' ELSE 'outgoing' END,
        (SELECT word FROM temp.words WHERE k = i % 20) || ' ' || (SELECT word FROM temp.words WHERE k = (i * 7 + i / 20) % 20) || ' question ' || i,
        CASE WHEN i % 2 = 0 THEN 'delivered' ELSE 'read' END,
        CASE WHEN i % 2 = 0 THEN NULL ELSE (SELECT id FROM temp.agents WHERE k = i % ${agents}) END,
        ${start} + (i % ${contacts}) * 1000 + (i / ${contacts}) * 60000 FROM n`);
    raw.exec(`${series(contacts)}
      INSERT INTO contacts (id, name, phone, email, channel_id, external_id, assignee_id, status, conversation_id, last_activity_at, last_message, last_message_direction, created_at)
      SELECT 'hc_' || i, 'Contact ' || i || ' ' || (SELECT word FROM temp.words WHERE k = i % 20), '+44' || (7000000000 + i), NULL, 'ch_demo', 'ext-h-' || i,
        CASE WHEN i % 10 = 0 THEN NULL ELSE (SELECT id FROM temp.agents WHERE k = i % ${agents}) END,
        CASE WHEN i % 3 = 0 THEN 'open' ELSE 'closed' END, 'hv_' || i, ${start} + i * 1000 + ${perContact} * 60000, 'last message ' || i, 'incoming', ${start} + i * 1000 FROM n`);
    // Each row's creation record, in the shapes the server's rows.ts gives them.
    raw.exec(`INSERT INTO changes (entity, op, entity_id, contact_id, target_user_id, data, at)
      SELECT 'conversation', 'upsert', id, contact_id, NULL, json_object('id', id, 'contact_id', contact_id, 'status', status, 'opened_at', opened_at,
        'closed_at', closed_at, 'closed_by', NULL, 'closing_category_id', NULL, 'closing_summary', NULL, 'first_response_at', NULL, 'first_responder_id', NULL), ${start - DAY}
      FROM conversations WHERE id LIKE 'hv\\_%' ESCAPE '\\' ORDER BY rowid`);
    raw.exec(`INSERT INTO changes (entity, op, entity_id, contact_id, target_user_id, data, at)
      SELECT 'message', 'upsert', id, contact_id, NULL, json_object('id', id, 'contact_id', contact_id, 'conversation_id', conversation_id, 'direction', direction,
        'text', text, 'status', status, 'fail_reason', NULL, 'author_id', author_id, 'created_at', created_at), ${start - DAY}
      FROM messages WHERE id LIKE 'hm\\_%' ESCAPE '\\' ORDER BY rowid`);
    raw.exec(`INSERT INTO changes (entity, op, entity_id, contact_id, target_user_id, data, at)
      SELECT 'contact', 'upsert', id, id, NULL, ${contactJson()}, ${start - DAY} FROM contacts WHERE id LIKE 'hc\\_%' ESCAPE '\\' ORDER BY rowid`);
    // One record per new row supersedes nothing: the feed is compacted up to its head, so a server
    // started on this file has no compaction to run beside the bootstrap measured.
    raw.exec("INSERT INTO meta (key, value) SELECT 'feed_compacted', MAX(seq) FROM changes WHERE true ON CONFLICT (key) DO UPDATE SET value = excluded.value");
  })();
  raw.close();
}

/** A contact record's data from the contacts row. */
function contactJson(): string {
  const fields = [
    'id',
    'name',
    'phone',
    'email',
    'channel_id',
    'assignee_id',
    'status',
    'conversation_id',
    'last_activity_at',
    'last_message',
    'last_message_direction',
    'created_at',
  ];
  return `json_object(${fields.map((f) => `'${f}', ${f}`).join(', ')})`;
}

/**
 * `churn` change records over the year, oldest first, none of which adds a row: 40% contact edits
 * (a reassignment or a new name, as the contact then was), 40% message status changes, 20% users'
 * status changes. The rows themselves keep their current state (the last of each row's records is
 * not necessarily the row as it is now: a bootstrap from the feed would replay them all).
 */
export function addChurn(file: string, scale: HistoryScale, now = Date.now()): void {
  const raw = open(file);
  const agents = helpers(raw);
  const { contacts, messages, churn } = scale;
  const start = now - 365 * DAY;
  const step = Math.max(1, Math.floor((364 * DAY) / churn));
  raw.exec(
    `CREATE TEMP TABLE user_data AS SELECT a.k, (SELECT data FROM changes WHERE entity = 'user' AND entity_id = a.id ORDER BY seq DESC LIMIT 1) AS data FROM temp.agents a`,
  );
  raw.transaction(() => {
    raw.exec(`${series(churn)}
      INSERT INTO changes (entity, op, entity_id, contact_id, target_user_id, data, at)
      SELECT CASE WHEN i % 5 < 2 THEN 'contact' WHEN i % 5 < 4 THEN 'message' ELSE 'user' END, 'upsert',
        CASE WHEN i % 5 < 2 THEN 'hc_' || (i % ${contacts}) WHEN i % 5 < 4 THEN 'hm_' || (i % ${messages}) ELSE (SELECT id FROM temp.agents WHERE k = i % ${agents}) END,
        CASE WHEN i % 5 < 2 THEN 'hc_' || (i % ${contacts}) WHEN i % 5 < 4 THEN 'hc_' || ((i % ${messages}) % ${contacts}) ELSE NULL END,
        NULL,
        CASE WHEN i % 5 < 2 THEN json_object('id', 'hc_' || (i % ${contacts}), 'name', 'Contact ' || (i % ${contacts}) || ' edit ' || i, 'phone', '+44' || (7000000000 + i % ${contacts}),
            'email', NULL, 'channel_id', 'ch_demo', 'assignee_id', (SELECT id FROM temp.agents WHERE k = i % ${agents}), 'status', 'open', 'conversation_id', 'hv_' || (i % ${contacts}),
            'last_activity_at', ${start} + i * ${step}, 'last_message', 'last message', 'last_message_direction', 'incoming', 'created_at', ${start})
          WHEN i % 5 < 4 THEN json_object('id', 'hm_' || (i % ${messages}), 'contact_id', 'hc_' || ((i % ${messages}) % ${contacts}), 'conversation_id', 'hv_' || ((i % ${messages}) % ${contacts}),
            'direction', 'outgoing', 'text', 'question ' || (i % ${messages}), 'status', CASE WHEN i % 2 = 0 THEN 'delivered' ELSE 'read' END, 'fail_reason', NULL, 'author_id', NULL, 'created_at', ${start})
          ELSE (SELECT data FROM temp.user_data WHERE k = i % ${agents}) END,
        ${start} + i * ${step} FROM n`);
  })();
  raw.close();
}
