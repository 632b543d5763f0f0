// A large workspace for the desktop benchmark, written straight into a server database file:
// the demo's users and teams, then N contacts with one conversation each and M messages, with the
// change records the server would have written (so /sync serves them like any other history).
import BetterSqlite3 from 'better-sqlite3';
import { SqliteDatabase } from '../../src-server/db/sqlite';
import { migrateSqlite } from '../../src-server/db/migrations';
import { Store } from '../../src-server/workspace/store';
import { prng, seedDemoWorkspace } from '../../src-server/demo/seed';

const WORDS =
  'price order delivery refund invoice plan upgrade discount shipping address payment account login password stock size colour return warranty support sales'.split(
    ' ',
  );

export async function generateWorkspace(file: string, contacts: number, messages: number): Promise<void> {
  const db = new SqliteDatabase(file);
  migrateSqlite(db);
  await seedDemoWorkspace(new Store(db, Date.now, () => {}), { seed: 3, contacts: 1 });
  await db.close();

  const raw = new BetterSqlite3(file);
  raw.pragma('journal_mode = WAL');
  raw.pragma('synchronous = OFF');
  raw.pragma('foreign_keys = OFF');
  const agents = raw
    .prepare("SELECT id FROM users WHERE role = 'agent'")
    .all()
    .map((r) => (r as { id: string }).id);
  const rnd = prng(99);
  const now = Date.now();
  const insContact =
    raw.prepare(`INSERT INTO contacts (id, name, phone, email, channel_id, external_id, assignee_id, status, conversation_id, last_activity_at, last_message, last_message_direction, created_at)
    VALUES (?, ?, ?, NULL, 'ch_demo', ?, ?, ?, ?, ?, ?, 'incoming', ?)`);
  const insConv = raw.prepare('INSERT INTO conversations (id, contact_id, status, opened_at, closed_at) VALUES (?, ?, ?, ?, ?)');
  const insMsg = raw.prepare(
    'INSERT INTO messages (id, contact_id, conversation_id, direction, text, status, author_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
  );
  const insChange = raw.prepare('INSERT INTO changes (entity, op, entity_id, contact_id, target_user_id, data, at) VALUES (?, ?, ?, ?, NULL, ?, ?)');
  const perContact = Math.floor(messages / contacts);
  raw.transaction(() => {
    for (let i = 0; i < contacts; i++) {
      const id = `bc_${i}`;
      const cv = `bcv_${i}`;
      const assignee = rnd() < 0.1 ? null : agents[i % agents.length];
      const open = rnd() < 0.3;
      const t0 = now - Math.floor(rnd() * 60 * 86_400_000);
      const name = `Contact ${i} ${WORDS[i % WORDS.length]}`;
      let last = '';
      for (let j = 0; j < perContact; j++) {
        const incoming = j % 2 === 0;
        const text = `${WORDS[Math.floor(rnd() * WORDS.length)]} ${WORDS[Math.floor(rnd() * WORDS.length)]} question ${i}-${j}`;
        const mid = `bm_${i}_${j}`;
        const at = t0 + j * 60_000;
        insMsg.run(mid, id, cv, incoming ? 'incoming' : 'outgoing', text, incoming ? 'delivered' : 'read', incoming ? null : assignee, at);
        insChange.run(
          'message',
          'upsert',
          mid,
          id,
          JSON.stringify({
            id: mid,
            contact_id: id,
            conversation_id: cv,
            direction: incoming ? 'incoming' : 'outgoing',
            text,
            status: incoming ? 'delivered' : 'read',
            fail_reason: null,
            author_id: incoming ? null : assignee,
            created_at: at,
          }),
          at,
        );
        last = text;
      }
      const lastAt = t0 + perContact * 60_000;
      insConv.run(cv, id, open ? 'open' : 'closed', t0, open ? null : lastAt);
      insChange.run(
        'conversation',
        'upsert',
        cv,
        id,
        JSON.stringify({
          id: cv,
          contact_id: id,
          status: open ? 'open' : 'closed',
          opened_at: t0,
          closed_at: open ? null : lastAt,
          closed_by: null,
          closing_category_id: null,
          closing_summary: null,
          first_response_at: null,
          first_responder_id: null,
        }),
        lastAt,
      );
      insContact.run(id, name, `+44${7000000000 + i}`, `ext-b-${i}`, assignee, open ? 'open' : 'closed', cv, lastAt, last, t0);
      insChange.run(
        'contact',
        'upsert',
        id,
        id,
        JSON.stringify({
          id,
          name,
          phone: `+44${7000000000 + i}`,
          email: null,
          channel_id: 'ch_demo',
          assignee_id: assignee,
          status: open ? 'open' : 'closed',
          conversation_id: cv,
          last_activity_at: lastAt,
          last_message: last,
          last_message_direction: 'incoming',
          created_at: t0,
        }),
        lastAt,
      );
    }
  })();
  raw.close();
}
