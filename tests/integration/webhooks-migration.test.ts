// Migration 9 on a workspace that has been in use: its Notification Center items stay as they were
// (with their indexes), an item about no contact can then be stored, and the webhook tables exist.
// The database is first brought back to what version 8 left (notifications.contact_id NOT NULL, no
// webhook tables), then migrated again, on the engine under test.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migratePostgres, migrateSqlite } from '../../src-server/db/migrations';
import type { PostgresDatabase } from '../../src-server/db/postgres';
import type { SqliteDatabase } from '../../src-server/db/sqlite';
import { clientId, signIn, startServer, testEngine, type TestServer } from '../support/server';

describe('migration 9 (webhooks; notifications about no contact)', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer();
  });
  afterAll(() => server.stop());

  it('keeps every notification and its indexes, and then stores one about no contact', async () => {
    // A mention gives the agent an unread item, as in a workspace in use.
    const manager = await signIn(server, 'manager@demo.test');
    const agent = await signIn(server, 'agent1@demo.test');
    const contact = (await agent.get('/api/v1/conversations?inbox=mine&status=open&limit=1')).body.items[0] as { id: string };
    expect((await manager.post(`/api/v1/contacts/${contact.id}/comments`, { client_id: clientId(), text: `{{@user.${agent.userId}}} look` })).status).toBe(201);
    const db = server.store.db;
    const before = await db.all('SELECT * FROM notifications ORDER BY id');
    expect(before.length).toBeGreaterThan(0);

    for (const t of ['webhook_deliveries', 'webhook_endpoints', 'feed_cursors']) await db.run(`DROP TABLE ${t}`);
    if (testEngine === 'postgres') {
      await db.run('ALTER TABLE notifications ALTER COLUMN contact_id SET NOT NULL');
      await migratePostgres(db as PostgresDatabase, 9);
    } else {
      const sqlite = db as SqliteDatabase;
      const { create, indexes } = sqlite.tableSchema('notifications');
      sqlite.execScript(`${create.replace(/^CREATE TABLE\s+"?notifications"?/, 'CREATE TABLE notifications_v8').replace(/\bcontact_id TEXT\b/, 'contact_id TEXT NOT NULL')};
INSERT INTO notifications_v8 SELECT * FROM notifications; DROP TABLE notifications; ALTER TABLE notifications_v8 RENAME TO notifications;
${indexes.map((i) => `${i};`).join('\n')}`);
      expect(sqlite.tableSchema('notifications').create).toMatch(/contact_id TEXT NOT NULL/);
      migrateSqlite(sqlite, 9);
      expect(sqlite.tableSchema('notifications').indexes.length).toBe(indexes.length);
    }
    expect(await db.all('SELECT * FROM notifications ORDER BY id')).toEqual(before);
    // The agent's Notification Center reads as before.
    expect((await agent.get('/api/v1/notifications?tab=new')).body.items.some((n: { kind: string }) => n.kind === 'comment_mention')).toBe(true);
    // One unread New Message item per user and contact still holds (migration 2's unique index).
    const [n] = before as { user_id: string }[];
    const insert = (id: string) =>
      db.run("INSERT INTO notifications (id, user_id, kind, contact_id, excerpt, created_at) VALUES (?, ?, 'new_message_assigned', ?, 'x', 1)", [
        id,
        n.user_id,
        contact.id,
      ]);
    await insert('n_migration_a');
    await expect(insert('n_migration_b')).rejects.toThrow();
    await db.run("INSERT INTO notifications (id, user_id, kind, contact_id, excerpt, created_at) VALUES ('n_no_contact', ?, 'webhook_paused', NULL, 'x', 1)", [
      n.user_id,
    ]);
    expect(await db.all("SELECT contact_id FROM notifications WHERE id = 'n_no_contact'")).toEqual([{ contact_id: null }]);
    expect(await db.all('SELECT COUNT(*) AS n FROM webhook_endpoints')).toEqual([{ n: 0 }]);
  });
});
