// Inbound channel messages are written in batches (InboundBatcher): many messages, one transaction,
// a handful of statements. What a user sees must be what one-by-one writes would give: every
// message once and in arrival order, one contact per new sender with one opened conversation, New
// Message items collapsed with the right count, redeliveries answered with the first ids, and one
// bad message failing alone. Runs on SQLite and (in the PostgreSQL pass) on PostgreSQL.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InboundBatcher, type InboundResult } from '../../src-server/workspace/ingest';
import { feedHead } from '../../src-server/feed/sync';
import { Store } from '../../src-server/workspace/store';
import type { BodyOf } from '../../src-shared/api/routes';
import { clientId, inbound, signIn, startServer, testEngine, type ApiClient, type TestServer } from '../support/server';

type Row = Record<string, unknown>;

describe(`inbound messages written in batches (${testEngine})`, () => {
  let server: TestServer;
  let manager: ApiClient;
  let alice: ApiClient;
  let batcher: InboundBatcher;
  beforeAll(async () => {
    server = await startServer();
    manager = await signIn(server, 'manager@demo.test');
    alice = await signIn(server, 'agent1@demo.test');
    batcher = new InboundBatcher(server.store);
  });
  afterAll(() => server.stop());

  const channelId = () => server.demo!.channel.id;
  const body = (sender: string, text: string, messageId: string = randomUUID(), name?: string): BodyOf<'inbound'> => ({
    sender: { id: sender, ...(name && { name }) },
    message: { id: messageId, text },
  });
  const sql = <T = Row>(q: string, params: (string | number)[] = []) => server.store.db.all<T>(q, params);
  const contactOf = async (externalId: string) => (await sql('SELECT * FROM contacts WHERE channel_id = ? AND external_id = ?', [channelId(), externalId]))[0];
  /** The texts of a contact's messages, oldest first (the API lists the newest first). */
  const texts = async (contactId: string) =>
    ((await manager.get(`/api/v1/contacts/${contactId}/messages?limit=500`)).body.items as { text: string }[]).map((m) => m.text).reverse();
  const unreadNewMessage = (userId: string, contactId: string) =>
    sql<{ count: number; excerpt: string; message_id: string }>(
      "SELECT count, excerpt, message_id FROM notifications WHERE user_id = ? AND contact_id = ? AND kind LIKE 'new_message_%' AND read_at IS NULL",
      [userId, contactId],
    );

  it('messages arriving together are written as one transaction, as if one by one: each once, in arrival order, items collapsed', async () => {
    // The scene: Alice's contact (assigned), an unassigned contact the manager asked to hear about,
    // a sender never seen before writing four times, and two redeliveries.
    const mine = (await alice.get('/api/v1/conversations?inbox=mine&limit=1')).body.items[0] as { id: string };
    const mineRow = (await sql('SELECT * FROM contacts WHERE id = ?', [mine.id]))[0];
    const unassignedRow = (await sql('SELECT * FROM contacts WHERE assignee_id IS NULL AND external_id IS NOT NULL ORDER BY id LIMIT 1'))[0];
    expect(unassignedRow).toBeDefined();
    const prefs = await manager.request('PUT', '/api/v1/me/preferences', { client_id: clientId(), notifications: { new_message_unassigned: true } });
    expect(prefs.status).toBe(200);
    const earlier = await inbound(server, String(mineRow.external_id), 'Stored before the batch', 'before-1');
    expect(earlier.status).toBe(200);
    const aliceBefore = (await unreadNewMessage(alice.userId, mine.id))[0]?.count ?? 0;
    const managerBefore = (await unreadNewMessage(manager.userId, String(unassignedRow.id)))[0]?.count ?? 0;
    const headBefore = await feedHead(server.store.db);

    const newcomer = `newcomer-${randomUUID()}`;
    const sent: { body: BodyOf<'inbound'>; label: string }[] = [
      { label: 'n1', body: body(newcomer, 'Hi, I am new here', 'n-1', 'Nadia Newcomer') },
      { label: 'a1', body: body(String(mineRow.external_id), 'Alice, one', 'a-1') },
      { label: 'n2', body: body(newcomer, 'I would like a quote', 'n-2', 'Nadia Newcomer') },
      { label: 'u1', body: body(String(unassignedRow.external_id), 'Anyone? one', 'u-1') },
      { label: 'a2', body: body(String(mineRow.external_id), 'Alice, two', 'a-2') },
      { label: 'n2 again', body: body(newcomer, 'I would like a quote', 'n-2', 'Nadia Newcomer') },
      { label: 'n3', body: body(newcomer, 'for 20 seats', 'n-3', 'Nadia Newcomer') },
      { label: 'before again', body: body(String(mineRow.external_id), 'Stored before the batch', 'before-1') },
      { label: 'u2', body: body(String(unassignedRow.external_id), 'Anyone? two', 'u-2') },
      { label: 'a3', body: body(String(mineRow.external_id), 'Alice, three', 'a-3') },
      { label: 'n4', body: body(newcomer, 'starting next month', 'n-4', 'Nadia Newcomer') },
    ];
    // Submitted in one turn of the event loop: one batch.
    const answers: InboundResult[] = await Promise.all(sent.map((s) => batcher.submit(channelId(), s.body)));
    const answer = (label: string) => answers[sent.findIndex((s) => s.label === label)];

    // One transaction: every record of the batch has the same time, and nobody else wrote meanwhile.
    const records = await sql<{ seq: number; entity: string; contact_id: string; at: number; data: string }>(
      'SELECT seq, entity, contact_id, at, data FROM changes WHERE seq > ? ORDER BY seq',
      [headBefore],
    );
    expect(new Set(records.map((r) => Number(r.at))).size).toBe(1);

    // Redeliveries answer the first delivery's ids and store nothing.
    expect(answer('n2 again')).toEqual(answer('n2'));
    expect(answer('before again')).toEqual(earlier.body);
    // The newcomer is one contact with one conversation, opened once, holding its four messages in order.
    const nadia = await contactOf(newcomer);
    expect(nadia).toMatchObject({ name: 'Nadia Newcomer', status: 'open', last_message: 'starting next month', last_message_direction: 'incoming' });
    for (const label of ['n1', 'n2', 'n3', 'n4']) expect(answer(label)).toMatchObject({ contact_id: nadia.id, conversation_id: nadia.conversation_id });
    expect(await texts(String(nadia.id))).toEqual(['Hi, I am new here', 'I would like a quote', 'for 20 seats', 'starting next month']);
    expect(await sql('SELECT id FROM conversations WHERE contact_id = ?', [String(nadia.id)])).toHaveLength(1);
    const thread = (await manager.get(`/api/v1/contacts/${nadia.id}/thread`)).body.items as { type: string; event?: { kind: string } }[];
    expect(thread.map((t) => (t.type === 'event' ? t.event!.kind : t.type))).toEqual(['message', 'message', 'message', 'message', 'opened']);
    // Alice's contact: the three new messages after the earlier one, and one unread item counting them.
    expect((await texts(mine.id)).slice(-4)).toEqual(['Stored before the batch', 'Alice, one', 'Alice, two', 'Alice, three']);
    const aliceItems = await unreadNewMessage(alice.userId, mine.id);
    expect(aliceItems).toHaveLength(1);
    expect(aliceItems[0]).toMatchObject({ count: aliceBefore + 3, excerpt: 'Alice, three', message_id: answer('a3').message_id });
    // The unassigned contact: the manager, who asked for these, has one item counting both.
    const managerItems = await unreadNewMessage(manager.userId, String(unassignedRow.id));
    expect(managerItems).toHaveLength(1);
    expect(managerItems[0]).toMatchObject({ count: managerBefore + 2, excerpt: 'Anyone? two', message_id: answer('u2').message_id });

    // The feed: each new message once, each touched contact's final row, the items; per contact, the
    // messages in arrival order before the contact record.
    const messageRecords = records.filter((r) => r.entity === 'message').map((r) => (JSON.parse(r.data) as { text: string }).text);
    expect(messageRecords).toEqual([
      'Hi, I am new here',
      'I would like a quote',
      'for 20 seats',
      'starting next month',
      'Alice, one',
      'Alice, two',
      'Alice, three',
      'Anyone? one',
      'Anyone? two',
    ]);
    const contactRecords = records.filter((r) => r.entity === 'contact');
    expect(contactRecords.map((r) => r.contact_id).sort()).toEqual([String(nadia.id), mine.id, String(unassignedRow.id)].sort());
    expect(JSON.parse(contactRecords.find((r) => r.contact_id === mine.id)!.data)).toMatchObject({ last_message: 'Alice, three' });
    // Conversations opened: the newcomer's, and the unassigned contact's if it had none open (Alice's was opened by the earlier message).
    const opened = [String(nadia.id), ...(unassignedRow.status === 'open' ? [] : [String(unassignedRow.id)])];
    expect(records.filter((r) => r.entity === 'conversation').map((r) => r.contact_id)).toEqual(opened);
    expect(records.filter((r) => r.entity === 'event').map((r) => r.contact_id)).toEqual(opened);
    // Items: Alice's for her contact; the manager's for both unassigned contacts (the newcomer is one too).
    const items = records.filter((r) => r.entity === 'notification').map((r) => JSON.parse(r.data) as { user_id: string; contact_id: string; count: number });
    expect(items.map((n) => `${n.user_id} ${n.contact_id}`).sort()).toEqual(
      [`${alice.userId} ${mine.id}`, `${manager.userId} ${unassignedRow.id}`, `${manager.userId} ${nadia.id}`].sort(),
    );
    expect(items.find((n) => n.contact_id === nadia.id)?.count).toBe(4);
  });

  it("a contact's messages keep the order they were stored in, within one millisecond and behind a slow clock", async () => {
    // Another instance's clock, 5 ms behind the contact's last activity and standing still: every
    // message is received "at the same time", and before what the contact last did.
    const sender = `same-ms-${randomUUID()}`;
    expect((await batcher.submit(channelId(), body(sender, 'zero', 'sm-0'))).message_id).toBeTruthy();
    const contact = await contactOf(sender);
    const frozen = Number(contact.last_activity_at) - 5;
    const behind = new InboundBatcher(
      new Store(
        server.store.db,
        () => frozen,
        () => {},
      ),
    );
    await behind.submit(channelId(), body(sender, 'one', 'sm-1'));
    await behind.submit(channelId(), body(sender, 'two', 'sm-2'));
    await Promise.all(['three', 'four', 'five'].map((text, i) => behind.submit(channelId(), body(sender, text, `sm-${i + 3}`))));
    expect(await texts(String(contact.id))).toEqual(['zero', 'one', 'two', 'three', 'four', 'five']);
    const times = (await sql<{ created_at: number }>('SELECT created_at FROM messages WHERE contact_id = ? ORDER BY created_at', [String(contact.id)])).map(
      (m) => Number(m.created_at),
    );
    expect(new Set(times).size).toBe(6);
    const after = await contactOf(sender);
    expect(Number(after.last_activity_at)).toBe(times[5]);
    // A last activity an hour ahead (a clock far off) does not carry the next message an hour into
    // the future: it is moved at most a second past its own transaction's time.
    await server.store.db.run('UPDATE contacts SET last_activity_at = ? WHERE id = ?', [frozen + 3_600_000, String(contact.id)]);
    const six = await behind.submit(channelId(), body(sender, 'six', 'sm-6'));
    const [{ created_at: sixAt }] = await sql<{ created_at: number }>('SELECT created_at FROM messages WHERE id = ?', [six.message_id]);
    expect(Number(sixAt)).toBeGreaterThanOrEqual(frozen);
    expect(Number(sixAt)).toBeLessThanOrEqual(frozen + 1000);
  });

  it('a bad message in a batch fails alone: the others are stored and answered', async () => {
    const sender = `mixed-${randomUUID()}`;
    const good = Array.from({ length: 5 }, (_, i) => batcher.submit(channelId(), body(sender, `good ${i + 1}`, `g-${i}`)));
    // A channel that does not exist fails inside the transaction (the route checks it before, this does not).
    const bad = batcher.submit('ch_does_not_exist', body(`ghost-${randomUUID()}`, 'never stored'));
    const settled = await Promise.allSettled([...good, bad]);
    expect(settled.slice(0, 5).map((s) => s.status)).toEqual(Array(5).fill('fulfilled'));
    expect(settled[5].status).toBe('rejected');
    const contact = await contactOf(sender);
    expect(await texts(String(contact.id))).toEqual(['good 1', 'good 2', 'good 3', 'good 4', 'good 5']);
    expect(await sql("SELECT id FROM messages WHERE text = 'never stored'")).toHaveLength(0);
  });

  it('texts, names and ids with quotes, backslashes, braces, commas, NUL and the word NULL are stored byte for byte in one batch', async () => {
    // On PostgreSQL a batch's rows travel as array literals (one parameter per column), where these
    // characters are syntax; on SQLite as a VALUES list. Either way what the contact sent is kept.
    const awkward = ['"quoted", {braced}', 'back\\slash \\" and \\\\', 'NULL', '{}', '{NULL}', ' a, b ', 'a\u0000b \uffff end', 'ключ 🙂 \u202e'];
    const sender = `awk"ward\\{${randomUUID()}},NULL`;
    const name = 'Ann "Quote" O\'Brien, {NULL} \\';
    const answers = await Promise.all(awkward.map((text, i) => batcher.submit(channelId(), body(sender, text, `awk-"${i}"\\`, name))));
    expect(new Set(answers.map((a) => a.message_id)).size).toBe(awkward.length);
    const contact = await contactOf(sender);
    expect(contact).toBeDefined();
    expect(contact.name).toBe(name);
    expect(await texts(String(contact.id))).toEqual(awkward);
    const stored = await sql<{ channel_message_id: string }>('SELECT channel_message_id FROM messages WHERE contact_id = ? ORDER BY created_at', [
      String(contact.id),
    ]);
    expect(stored.map((m) => m.channel_message_id)).toEqual(awkward.map((_, i) => `awk-"${i}"\\`));
    // A redelivery of them all finds every one (the lookup matches the same bytes).
    const again = await Promise.all(awkward.map((text, i) => batcher.submit(channelId(), body(sender, text, `awk-"${i}"\\`, name))));
    expect(again.map((a) => a.message_id)).toEqual(answers.map((a) => a.message_id));
  });

  it('over HTTP: a burst of signed requests is answered, each message stored once', async () => {
    const senders = Array.from({ length: 6 }, () => `burst-${randomUUID()}`);
    const sentTexts = Array.from({ length: 60 }, (_, i) => ({ sender: senders[i % 6], text: `burst message ${i}` }));
    const answers = await Promise.all(sentTexts.map((m) => inbound(server, m.sender, m.text)));
    expect(answers.map((a) => a.status)).toEqual(Array(60).fill(200));
    expect(new Set(answers.map((a) => a.body.message_id)).size).toBe(60);
    for (const s of senders) {
      const contact = await contactOf(s);
      const stored = await texts(String(contact.id));
      expect(stored.sort()).toEqual(
        sentTexts
          .filter((m) => m.sender === s)
          .map((m) => m.text)
          .sort(),
      );
    }
  });
});
