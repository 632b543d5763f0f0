// The Developer API (/v2) as a respond.io client meets it: access tokens added, used and revoked;
// numeric ids; identifiers sent unencoded; {code, message} errors; limit, cursorId and next URLs;
// contacts with tags, custom fields and lifecycle; messages, assignee, status and comments written as
// "API · <token name>". Runs on both engines.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migratePostgres, migrateSqlite } from '../../src-server/db/migrations';
import type { PostgresDatabase } from '../../src-server/db/postgres';
import type { SqliteDatabase } from '../../src-server/db/sqlite';
import { ApiClient, clientId, inbound, signIn, startServer, testEngine, type TestServer } from '../support/server';

/** A respond.io client: the base URL and a token, nothing else. */
class V2Client {
  constructor(
    readonly base: string,
    readonly token: string,
  ) {}
  async call(method: string, path: string, body?: unknown): Promise<{ status: number; body: any; headers: Headers }> {
    const url = path.startsWith('http') ? path : `${this.base}${path}`;
    const res = await fetch(url, {
      method,
      headers: { authorization: `Bearer ${this.token}`, ...(body !== undefined && { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : null, headers: res.headers };
  }
  get = (path: string) => this.call('GET', path);
  post = (path: string, body: unknown = {}) => this.call('POST', path, body);
  put = (path: string, body: unknown) => this.call('PUT', path, body);
  delete = (path: string, body?: unknown) => this.call('DELETE', path, body);
}

async function addToken(owner: ApiClient, name: string): Promise<{ id: string; secret: string }> {
  const r = await owner.post('/api/v1/access-tokens', { client_id: clientId(), name });
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  return { id: r.body.token.id, secret: r.body.secret };
}

describe('Developer API: access tokens', () => {
  let server: TestServer;
  let owner: ApiClient;
  beforeAll(async () => {
    server = await startServer();
    owner = await signIn(server, 'owner@demo.test');
  });
  afterAll(async () => server?.stop());

  it('adds a token shown once, lists it with its creator and last use, and refuses it at once when revoked, on every instance', async () => {
    const body = { client_id: clientId(), name: 'Zapier' };
    const created = await owner.post('/api/v1/access-tokens', body);
    expect(created.status).toBe(201);
    expect(created.body.secret).toMatch(/^ism_[A-Za-z0-9_-]{40,}$/);
    expect(created.body.token).toMatchObject({ name: 'Zapier', created_by: { id: 'u_owner', name: 'Olivia Owner' }, last_used_at: null });
    // A replay answers the token, never the secret again (only its hash is kept).
    const replay = await owner.post('/api/v1/access-tokens', body);
    expect(replay.body).toEqual({ token: created.body.token, secret: null });
    const stored = await server.store.db.all<{ token_hash: string }>('SELECT token_hash FROM access_tokens');
    expect(stored.map((r) => r.token_hash)).not.toContain(created.body.secret);

    // A second instance on the same database (PostgreSQL); SQLite serves one instance.
    const second = testEngine === 'postgres' ? await startServer({ databaseUrl: server.databaseUrl }) : server;
    try {
      const onA = new V2Client(server.url, created.body.secret);
      const onB = new V2Client(second.url, created.body.secret);
      expect((await onA.get('/v2/space/user')).status).toBe(200);
      expect((await onB.get('/v2/space/user')).status).toBe(200);
      const listed = (await owner.get('/api/v1/access-tokens')).body.items;
      expect(listed).toHaveLength(1);
      expect(listed[0].last_used_at).toBeGreaterThan(0);

      const revoked = await owner.request('DELETE', `/api/v1/access-tokens/${created.body.token.id}?client_id=${clientId()}`);
      expect(revoked.status).toBe(200);
      for (const c of [onA, onB]) {
        const r = await c.get('/v2/space/user');
        expect(r.status).toBe(401);
        expect(r.body).toEqual({ code: 401, message: expect.stringContaining('revoked') });
      }
      expect((await owner.get('/api/v1/access-tokens')).body.items).toEqual([]);
    } finally {
      if (second !== server) await second.stop();
    }
  });

  it('holds at most ten tokens; only Owners and Managers not restricted from integrations manage them', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 10; i++) ids.push((await addToken(owner, `token ${i}`)).id);
    const eleventh = await owner.post('/api/v1/access-tokens', { client_id: clientId(), name: 'one too many' });
    expect(eleventh.status).toBe(409);
    expect(eleventh.body.message).toContain('at most 10');
    for (const id of ids) expect((await owner.request('DELETE', `/api/v1/access-tokens/${id}?client_id=${clientId()}`)).status).toBe(200);

    const agent = await signIn(server, 'agent1@demo.test');
    expect((await agent.get('/api/v1/access-tokens')).status).toBe(403);
    const manager = await signIn(server, 'manager2@demo.test');
    expect((await manager.get('/api/v1/access-tokens')).status).toBe(200);
    expect((await owner.patch('/api/v1/users/u_manager2', { client_id: clientId(), restrictions: { integrations: true } })).status).toBe(200);
    const refused = await manager.post('/api/v1/access-tokens', { client_id: clientId(), name: 'n8n' });
    expect(refused.status).toBe(403);
    expect(refused.body.message).toContain('integrations');
    // The token's actor is nobody people manage or sign in as.
    const { id } = await addToken(owner, 'Make');
    const actor = await server.store.db.get<{ id: string; email: string }>('SELECT id, email FROM users WHERE api_token_id = ?', [id]);
    expect((await owner.get('/api/v1/users')).body.items.map((u: { id: string }) => u.id)).not.toContain(actor!.id);
    expect((await owner.post(`/api/v1/users/${actor!.id}/password-reset`)).status).toBe(404);
    expect((await owner.patch(`/api/v1/users/${actor!.id}`, { client_id: clientId(), deactivated: false })).status).toBe(404);
  });
});

describe('Developer API: respond.io conventions', () => {
  let server: TestServer;
  let owner: ApiClient;
  let api: V2Client;
  beforeAll(async () => {
    server = await startServer({ demo: { seed: 7, contacts: 250 }, developerApiLimit: { requests: 10_000, windowMs: 10_000 } });
    owner = await signIn(server, 'owner@demo.test');
    api = new V2Client(server.url, (await addToken(owner, 'Zapier')).secret);
  });
  afterAll(async () => server?.stop());

  it('answers errors as {code: <status>, message}: no token, a bad token, an unknown route, a bad identifier, a missing contact', async () => {
    const none = await fetch(`${server.url}/v2/space/user`);
    expect(none.status).toBe(401);
    expect(await none.json()).toEqual({ code: 401, message: expect.stringContaining('Bearer') });
    expect((await new V2Client(server.url, 'ism_' + 'x'.repeat(43)).get('/v2/space/user')).body.code).toBe(401);
    expect(await api.get('/v2/nothing/here')).toMatchObject({ status: 404, body: { code: 404, message: expect.any(String) } });
    expect(await api.get('/v2/contact/name:Bob')).toMatchObject({ status: 400, body: { code: 400, message: expect.stringContaining('id:') } });
    expect(await api.get('/v2/contact/id:999999')).toMatchObject({ status: 404, body: { code: 404 } });
    expect(await api.get('/v2/contact/email:nobody@example.com')).toMatchObject({ status: 404, body: { code: 404 } });
    const badBody = await api.post('/v2/contact/email:new@example.com', { firstName: 5 });
    expect(badBody).toMatchObject({ status: 400, body: { code: 400, message: expect.stringContaining('firstName') } });
  });

  it('walks a 250-contact list by its next URLs and gets each contact once; limit defaults to 10 and is clamped to 100', async () => {
    const first = await api.post('/v2/contact/list', { search: '', timezone: 'Europe/London', filter: { $and: [] } });
    expect(first.status).toBe(200);
    expect(first.body.items).toHaveLength(10);
    expect(first.body.pagination.next).toMatch(new RegExp(`^${server.url}/v2/contact/list\\?limit=10&cursorId=\\d+$`));
    expect(first.body.pagination.previous).toBeUndefined();

    const seen: number[] = [];
    let url: string | undefined = `${server.url}/v2/contact/list?limit=1000`;
    let pages = 0;
    while (url) {
      const page = await api.post(url, { search: '', filter: { $or: [] } });
      expect(page.status).toBe(200);
      expect(page.body.items.length).toBeLessThanOrEqual(100);
      seen.push(...page.body.items.map((c: { id: number }) => c.id));
      url = page.body.pagination.next;
      if (pages++ > 0) expect(page.body.pagination.previous).toMatch(/^http/);
    }
    expect(pages).toBe(3);
    expect(seen).toHaveLength(250);
    expect(new Set(seen).size).toBe(250);
    expect(seen.every((id) => Number.isInteger(id))).toBe(true);
  });

  it('creates, reads, updates and deletes contacts by email:, phone: and id:, sent unencoded', async () => {
    const created = await api.post('/v2/contact/email:ana.lima+crm@example.com', {
      firstName: 'Ana',
      lastName: 'Lima',
      phone: '+447700900123',
      language: 'pt',
      countryCode: 'BR',
      custom_fields: [],
    });
    expect(created.status).toBe(200);
    const id = created.body.contactId;
    expect(typeof id).toBe('number');
    expect((await api.post('/v2/contact/email:ana.lima+crm@example.com', { firstName: 'Again' })).status).toBe(409);

    const byEmail = await api.get('/v2/contact/email:ana.lima+crm@example.com');
    expect(byEmail.body).toMatchObject({
      id,
      firstName: 'Ana',
      lastName: 'Lima',
      phone: '+447700900123',
      email: 'ana.lima+crm@example.com',
      language: 'pt',
      countryCode: 'BR',
      status: 'close',
      lifecycle: null,
      tags: [],
      assignee: null,
      custom_fields: [],
    });
    expect(byEmail.body.created_at).toBeGreaterThan(1_600_000_000);
    expect(byEmail.body.created_at).toBeLessThan(10_000_000_000);
    expect((await api.get('/v2/contact/phone:+447700900123')).body.id).toBe(id);
    expect((await api.get(`/v2/contact/id:${id}`)).body.email).toBe('ana.lima+crm@example.com');
    // The desktop's API shows the same contact, named from first and last name.
    const found = (await owner.get('/api/v1/contacts?q=ana.lima')).body.items;
    expect(found.map((c: { name: string }) => c.name)).toEqual(['Ana Lima']);

    expect((await api.put(`/v2/contact/id:${id}`, { lastName: 'Lima Souza' })).body).toEqual({ contactId: id });
    expect((await api.get(`/v2/contact/id:${id}`)).body).toMatchObject({ firstName: 'Ana', lastName: 'Lima Souza' });
    expect((await api.put('/v2/contact/email:nobody@example.com', { lastName: 'X' })).status).toBe(404);

    const upserted = await api.post('/v2/contact/create_or_update/phone:+15550009999', { firstName: 'Ben' });
    expect(upserted.status).toBe(200);
    const again = await api.post('/v2/contact/create_or_update/phone:+15550009999', { firstName: 'Benjamin' });
    expect(again.body.contactId).toBe(upserted.body.contactId);
    expect((await api.get('/v2/contact/phone:+15550009999')).body.firstName).toBe('Benjamin');

    expect((await api.delete(`/v2/contact/id:${upserted.body.contactId}`)).body).toEqual({ contactId: upserted.body.contactId });
    expect((await api.get(`/v2/contact/id:${upserted.body.contactId}`)).status).toBe(404);
  });

  it('keeps workspace tags, tags contacts (an unknown name creates the tag) and filters by tag, lifecycle and custom field', async () => {
    const vip = await api.post('/v2/space/tag', { name: 'VIP', description: '', colorCode: 'tag-blue', emoji: '' });
    expect(vip.body).toMatchObject({ id: expect.any(Number), name: 'VIP', description: '', colorCode: 'tag-blue', emoji: '' });
    expect((await api.post('/v2/space/tag', { name: 'vip' })).status).toBe(409);
    expect((await api.post('/v2/space/tag', { name: 'Odd', colorCode: 'orange!' })).status).toBe(400);
    expect((await api.put('/v2/space/tag', { currentName: 'VIP', name: 'VIP', colorCode: '#1d4ed8', emoji: '⭐' })).body).toMatchObject({
      colorCode: '#1d4ed8',
      emoji: '⭐',
    });

    const field = await api.post('/v2/space/custom_field', { name: 'Order total', slug: '', description: '', dataType: 'number', allowedValues: [] });
    expect(field.body).toMatchObject({ id: expect.any(Number), name: 'Order total', slug: 'order_total', description: '', dataType: 'number' });
    const plan = await api.post('/v2/space/custom_field', { name: 'Plan', dataType: 'list', allowedValues: ['free', 'pro'] });
    expect(plan.body.allowedValues).toEqual({ listValues: ['free', 'pro'] });
    expect((await api.get(`/v2/space/custom_field/${plan.body.id}`)).body.slug).toBe('plan');
    expect((await api.get('/v2/space/custom_field')).body.items.map((f: { slug: string }) => f.slug)).toEqual(['order_total', 'plan']);

    const a = (
      await api.post('/v2/contact/email:tagged.a@example.com', {
        firstName: 'Tagged',
        custom_fields: [
          { name: 'order_total', value: 120 },
          { name: 'plan', value: 'pro' },
        ],
      })
    ).body.contactId;
    const b = (await api.post('/v2/contact/email:tagged.b@example.com', { firstName: 'Tagged', custom_fields: [{ name: 'order_total', value: '30' }] })).body
      .contactId;
    // Refused in words a person reads (the field's name, what it takes), never as a path into the body.
    expect((await api.put(`/v2/contact/id:${b}`, { custom_fields: [{ name: 'plan', value: 'gold' }] })).body).toEqual({
      code: 400,
      message: 'Plan must be one of its options.',
    });
    expect((await api.post(`/v2/contact/id:${a}/tag`, ['VIP', 'Newsletter'])).body).toEqual({ contactId: a });
    expect((await api.post(`/v2/contact/id:${b}/tag`, ['Newsletter'])).status).toBe(200);
    expect((await api.post(`/v2/contact/id:${b}/tag`, [])).status).toBe(400);
    expect((await api.get('/v2/space/tag')).body.items.map((t: { name: string }) => t.name)).toEqual(['Newsletter', 'VIP']);
    expect((await api.post(`/v2/contact/id:${a}/lifecycle/update`, { name: 'Hot Lead' })).status).toBe(200);
    expect((await api.post(`/v2/contact/id:${a}/lifecycle/update`, { name: 'No such stage' })).status).toBe(404);

    expect((await api.get(`/v2/contact/id:${a}`)).body).toMatchObject({
      tags: ['Newsletter', 'VIP'],
      lifecycle: 'Hot Lead',
      custom_fields: [
        { name: 'order_total', value: 120 },
        { name: 'plan', value: 'pro' },
      ],
    });
    const list = async (filter: unknown) => {
      const r = await api.post('/v2/contact/list?limit=100', { search: 'tagged', filter });
      expect(r.status, JSON.stringify(r.body)).toBe(200);
      return r.body.items.map((c: { id: number }) => c.id).sort();
    };
    expect(await list({ $and: [{ category: 'contactTag', operator: 'hasAnyOf', value: ['VIP'] }] })).toEqual([a]);
    expect(await list({ $and: [{ category: 'contactTag', operator: 'hasAllOf', value: ['VIP', 'Newsletter'] }] })).toEqual([a]);
    expect(await list({ $and: [{ category: 'contactTag', operator: 'hasNoneOf', value: ['VIP'] }] })).toEqual([b]);
    expect(await list({ $and: [{ category: 'lifecycle', operator: 'isEqualTo', value: 'Hot Lead' }] })).toEqual([a]);
    expect(await list({ $and: [{ category: 'contactField', field: 'order_total', operator: 'isGreaterThan', value: 50 }] })).toEqual([a]);
    expect(await list({ $and: [{ category: 'contactField', field: 'plan', operator: 'doesNotExist' }] })).toEqual([b]);
    expect(
      await list({
        $or: [
          { category: 'contactField', field: 'plan', operator: 'isEqualTo', value: 'pro' },
          { category: 'contactField', field: 'order_total', operator: 'isLessThan', value: 50 },
        ],
      }),
    ).toEqual([a, b].sort());
    expect((await api.post('/v2/contact/list', { filter: { $and: [{ category: 'contactField', field: 'nope', operator: 'exists' }] } })).status).toBe(400);
    const hourAgo = Math.floor(Date.now() / 1000) - 3600;
    expect(await list({ $and: [{ category: 'contactField', field: 'created_at', operator: 'isTimestampAfter', value: hourAgo }] })).toEqual([a, b].sort());
    expect(await list({ $and: [{ category: 'contactField', field: 'created_at', operator: 'isTimestampBefore', value: hourAgo }] })).toEqual([]);

    expect((await api.delete(`/v2/contact/id:${a}/tag`, ['VIP'])).status).toBe(200);
    expect((await api.get(`/v2/contact/id:${a}`)).body.tags).toEqual(['Newsletter']);
    expect((await api.delete('/v2/space/tag', { name: 'Newsletter' })).body).toMatchObject({ name: 'Newsletter', code: 200 });
    expect((await api.get(`/v2/contact/id:${b}`)).body.tags).toEqual([]);
  });

  it("sends and reads messages, assigns by id or email, closes and opens, and comments, all as the token's actor", async () => {
    const contact = (await api.post('/v2/contact/list?limit=1', {})).body.items[0];
    const sent = await api.post(`/v2/contact/id:${contact.id}/message`, { message: { type: 'text', text: 'Your order has shipped' } });
    expect(sent.status).toBe(200);
    expect(sent.body).toEqual({ contactId: contact.id, messageId: expect.any(Number) });
    const message = await api.get(`/v2/contact/id:${contact.id}/message/${sent.body.messageId}`);
    expect(message.body).toMatchObject({
      messageId: sent.body.messageId,
      contactId: contact.id,
      channelId: expect.any(Number),
      traffic: 'outgoing',
      message: { type: 'text', text: 'Your order has shipped' },
      status: [{ value: 'sent', timestamp: expect.any(Number) }],
    });
    const messages = await api.get(`/v2/contact/id:${contact.id}/message/list?limit=2`);
    expect(messages.body.items[0].messageId).toBe(sent.body.messageId);
    const walked: number[] = [];
    for (let url: string | undefined = `/v2/contact/id:${contact.id}/message/list?limit=2`; url;) {
      const page = await api.get(url);
      walked.push(...page.body.items.map((m: { messageId: number }) => m.messageId));
      url = page.body.pagination.next;
    }
    const all = await owner.get(
      `/api/v1/contacts/${(await server.store.db.get<{ entity_id: string }>("SELECT entity_id FROM api_numbers WHERE entity = 'contact' AND num = ?", [contact.id]))!.entity_id}/messages?limit=500`,
    );
    expect(walked).toHaveLength(all.body.items.length);
    expect(new Set(walked).size).toBe(walked.length);

    // The thread shows who wrote it: the token's actor, by name.
    const author = all.body.items.find((m: { text: string }) => m.text === 'Your order has shipped').author_id;
    expect((await owner.get(`/api/v1/users/${author}`)).body.name).toBe('API · Zapier');
    const channels = (await api.get('/v2/space/channel')).body.items;
    expect(channels).toEqual([{ id: message.body.channelId, name: 'Website chat (custom channel)', source: 'custom_channel', created_at: expect.any(Number) }]);
    expect((await api.get(`/v2/contact/id:${contact.id}/channels`)).body.items).toEqual([expect.objectContaining(channels[0])]);

    const users = (await api.get('/v2/space/user?limit=100')).body.items;
    const agent1 = users.find((u: { email: string }) => u.email === 'agent1@demo.test');
    expect(agent1).toMatchObject({
      id: expect.any(Number),
      firstName: expect.any(String),
      role: 'agent',
      team: { id: expect.any(Number), name: expect.any(String) },
      restrictions: [],
    });
    expect(users.some((u: { firstName: string }) => u.firstName === 'API')).toBe(false);
    expect((await api.get(`/v2/space/user/${agent1.id}`)).body).toEqual(agent1);
    expect((await api.get('/v2/space/user/99999')).status).toBe(404);

    expect((await api.post(`/v2/contact/id:${contact.id}/conversation/assignee`, { assignee: agent1.id })).status).toBe(200);
    expect((await api.get(`/v2/contact/id:${contact.id}`)).body.assignee).toEqual({
      id: agent1.id,
      firstName: agent1.firstName,
      lastName: agent1.lastName,
      email: 'agent1@demo.test',
    });
    expect((await api.post(`/v2/contact/id:${contact.id}/conversation/assignee`, { assignee: 'manager@demo.test' })).status).toBe(200);
    expect((await api.get(`/v2/contact/id:${contact.id}`)).body.assignee.email).toBe('manager@demo.test');
    expect((await api.post(`/v2/contact/id:${contact.id}/conversation/assignee`, { assignee: 'nobody@demo.test' })).status).toBe(404);
    expect((await api.post(`/v2/contact/id:${contact.id}/conversation/assignee`, { assignee: null })).status).toBe(200);
    expect((await api.get(`/v2/contact/id:${contact.id}`)).body.assignee).toBeNull();
    // A reply through the API leaves an unassigned contact unassigned (the first person to reply takes it, not a token).
    expect((await api.post(`/v2/contact/id:${contact.id}/message`, { message: { type: 'text', text: 'Still with us?' } })).status).toBe(200);
    expect((await api.get(`/v2/contact/id:${contact.id}`)).body.assignee).toBeNull();

    const notes = (await api.get('/v2/space/closing_notes')).body.items;
    expect(notes[0]).toEqual({ category: expect.any(String), description: '' });
    const closed = await api.post(`/v2/contact/id:${contact.id}/conversation/status`, { status: 'close', category: notes[0].category, summary: 'Shipped' });
    expect(closed.status).toBe(200);
    expect((await api.get(`/v2/contact/id:${contact.id}`)).body.status).toBe('close');
    expect((await api.post(`/v2/contact/id:${contact.id}/conversation/status`, { status: 'close', category: '', summary: '' })).status).toBe(409);
    expect((await api.post(`/v2/contact/id:${contact.id}/conversation/status`, { status: 'open', category: '', summary: '' })).status).toBe(200);
    expect((await api.get(`/v2/contact/id:${contact.id}`)).body.status).toBe('open');

    const manager = users.find((u: { email: string }) => u.email === 'manager@demo.test');
    const comment = await api.post(`/v2/contact/id:${contact.id}/comment`, { text: `{{@user.${manager.id}}} please call them back` });
    expect(comment.status).toBe(200);
    const managerClient = await signIn(server, 'manager@demo.test');
    const mention = (await managerClient.get('/api/v1/notifications')).body.items.find((n: { kind: string }) => n.kind === 'comment_mention');
    expect(mention.excerpt).toContain('Marcus Manager please call them back');
    expect((await owner.get(`/api/v1/users/${mention.actor_id}`)).body.name).toBe('API · Zapier');
    // Reports count the token's work under its actor.
    const report = (await owner.get(`/api/v1/reports/users?from=${Date.now() - 3_600_000}&to=${Date.now() + 60_000}`)).body.items;
    expect(report.find((r: { user_id: string }) => r.user_id === mention.actor_id)).toMatchObject({
      messages_sent: 2,
      comments_added: 1,
      conversations_closed: 1,
    });
  });

  it("people tag, untag and set a contact's lifecycle from the app (only on contacts they may see), and /v2 reads it back", async () => {
    const contact = (await api.post('/v2/contact/list?limit=1', {})).body.items[0];
    const id = (await server.store.db.get<{ entity_id: string }>("SELECT entity_id FROM api_numbers WHERE entity = 'contact' AND num = ?", [contact.id]))!
      .entity_id;
    const r = await owner.patch(`/api/v1/contacts/${id}/profile`, { client_id: clientId(), add_tags: ['Renewal', 'Q3'], lifecycle: 'Payment' });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ id, tags: ['Q3', 'Renewal'], lifecycle: 'Payment' });
    expect((await owner.patch(`/api/v1/contacts/${id}/profile`, { client_id: clientId(), remove_tags: ['Q3'], lifecycle: null })).body).toMatchObject({
      tags: ['Renewal'],
    });
    expect((await api.get(`/v2/contact/id:${contact.id}`)).body).toMatchObject({ tags: ['Renewal'], lifecycle: null });
    expect((await owner.patch(`/api/v1/contacts/${id}/profile`, { client_id: clientId(), lifecycle: 'Nope' })).status).toBe(404);
    expect((await owner.get('/api/v1/lifecycle-stages')).body.items.map((x: { name: string }) => x.name)).toEqual([
      'New Lead',
      'Hot Lead',
      'Payment',
      'Customer',
      'Cold Lead',
    ]);
    // An agent restricted to their own contacts meets a contact of someone else as missing.
    const other = await server.store.db.get<{ id: string }>(
      "SELECT id FROM contacts WHERE assignee_id IS NOT NULL AND assignee_id <> 'u_agent2' ORDER BY id LIMIT 1",
    );
    expect((await owner.patch('/api/v1/users/u_agent2', { client_id: clientId(), restrictions: { contact_visibility: 'user' } })).status).toBe(200);
    const agent = await signIn(server, 'agent2@demo.test');
    expect((await agent.patch(`/api/v1/contacts/${other!.id}/profile`, { client_id: clientId(), add_tags: ['Mine now'] })).status).toBe(404);
  });

  it('a custom inbox filters by tag, lifecycle stage and custom field value, within what its user may see', async () => {
    await api.post('/v2/space/custom_field', { name: 'Tier', slug: '', description: '', dataType: 'list', allowedValues: ['silver', 'gold'] });
    await api.post('/v2/space/custom_field', { name: 'Seats', slug: '', description: '', dataType: 'number', allowedValues: [] });
    const make = async (email: string, body: object) =>
      (await api.post(`/v2/contact/email:${email}`, { firstName: 'Inbox', ...body })).body.contactId as number;
    const gold = await make('inbox.gold@example.com', {
      custom_fields: [
        { name: 'tier', value: 'gold' },
        { name: 'seats', value: 25 },
      ],
    });
    const silver = await make('inbox.silver@example.com', { custom_fields: [{ name: 'tier', value: 'silver' }] });
    await api.post(`/v2/contact/id:${gold}/tag`, ['Enterprise']);
    await api.post(`/v2/contact/id:${silver}/lifecycle/update`, { name: 'Cold Lead' });
    const internal = async (num: number) =>
      (await server.store.db.get<{ entity_id: string }>("SELECT entity_id FROM api_numbers WHERE entity = 'contact' AND num = ?", [num]))!.entity_id;
    const [goldId, silverId] = [await internal(gold), await internal(silver)];
    const inbox = async (filter: object) => {
      const made = await owner.post('/api/v1/custom-inboxes', {
        client_id: clientId(),
        name: `Inbox ${JSON.stringify(filter).slice(0, 60)}`,
        filter,
        sharing: 'private',
      });
      expect(made.status, JSON.stringify(made.body)).toBe(201);
      const list = await owner.get(`/api/v1/conversations?inbox=custom:${made.body.id}&limit=200`);
      return (list.body.items as { id: string }[]).map((c) => c.id).filter((id) => id === goldId || id === silverId);
    };
    expect(await inbox({ tag: 'enterprise' })).toEqual([goldId]);
    expect(await inbox({ lifecycle: 'Cold Lead' })).toEqual([silverId]);
    expect(await inbox({ custom_field: { name: 'tier', value: 'gold' } })).toEqual([goldId]);
    expect(await inbox({ custom_field: { name: 'seats', value: '25' } })).toEqual([goldId]);
    expect(await inbox({ tag: 'Enterprise', custom_field: { name: 'tier', value: 'silver' } })).toEqual([]);
    // The visibility rule holds in a custom inbox too: an agent restricted to their own contacts sees neither.
    const agent = await signIn(server, 'agent5@demo.test');
    expect((await owner.patch('/api/v1/users/u_agent5', { client_id: clientId(), restrictions: { contact_visibility: 'user' } })).status).toBe(200);
    const theirs = await agent.post('/api/v1/custom-inboxes', { client_id: clientId(), name: 'Enterprise', filter: { tag: 'Enterprise' }, sharing: 'private' });
    expect((await agent.get(`/api/v1/conversations?inbox=custom:${theirs.body.id}`)).body.items).toEqual([]);
  });

  it('covers /v2 in the OpenAPI document, from the same schemas, with its own error shape', async () => {
    const doc = (await owner.get('/api/v1/openapi.json')).body;
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/v2/contact/{identifier}', '/v2/contact/list', '/v2/space/custom_field/{id}']));
    const list = doc.paths['/v2/contact/list'].post;
    expect(list.security).toEqual([{ accessToken: [] }]);
    expect(list.parameters.map((p: { name: string }) => p.name)).toEqual(['limit', 'cursorId']);
    expect(list.responses.default.content['application/json'].schema.properties.code.type).toBe('integer');
  });
  it('numbers every contact from the moment it exists, whichever way it came in, and keeps the numbers an older server gave', async () => {
    const numberOf = async (externalId: string) =>
      (
        await server.store.db.get<{ num: number }>(
          "SELECT n.num FROM contacts c JOIN api_numbers n ON n.entity = 'contact' AND n.entity_id = c.id WHERE c.external_id = ?",
          [externalId],
        )
      )?.num;
    // A new contact writes in through the custom channel: /v2 never showed it, and id:<its number> finds it.
    await inbound(server, 'walk-in-1', 'Are you open today?', undefined, 'Walk In');
    const walkIn = await numberOf('walk-in-1');
    expect(walkIn).toBeDefined();
    expect((await api.get(`/v2/contact/id:${walkIn}`)).body).toMatchObject({ id: Number(walkIn), firstName: 'Walk', lastName: 'In' });

    // A database from before: the server numbered only the contacts /v2 had shown.
    const shown = (await api.post('/v2/contact/list?limit=5', {})).body.items.map((c: { id: number }) => c.id) as number[];
    const db = server.store.db;
    await db.run(`DROP TRIGGER contacts_api_number${testEngine === 'postgres' ? ' ON contacts' : ''}`);
    await db.run(`DELETE FROM api_numbers WHERE entity = 'contact' AND num NOT IN (${shown.map(() => '?').join(', ')})`, shown);
    await inbound(server, 'walk-in-2', 'Hello?', undefined, 'Late Comer');
    expect(await numberOf('walk-in-2')).toBeUndefined();
    if (testEngine === 'postgres') await migratePostgres(db as PostgresDatabase, 12);
    else migrateSqlite(db as SqliteDatabase, 12);
    const numbered = await db.all<{ n: number }>(
      "SELECT COUNT(*) AS n FROM contacts c WHERE NOT EXISTS (SELECT 1 FROM api_numbers a WHERE a.entity = 'contact' AND a.entity_id = c.id)",
    );
    expect(Number(numbered[0].n)).toBe(0);
    for (const id of shown) expect((await api.get(`/v2/contact/id:${id}`)).body.id).toBe(id);
    const late = await numberOf('walk-in-2');
    expect((await api.get(`/v2/contact/id:${late}`)).body).toMatchObject({ firstName: 'Late', lastName: 'Comer' });
    // And the upgraded server numbers the next one as it comes.
    await inbound(server, 'walk-in-3', 'Hi', undefined, 'Third Visitor');
    expect((await api.get(`/v2/contact/id:${await numberOf('walk-in-3')}`)).body.firstName).toBe('Third');
  });

  it("reads a day (YYYY-MM-DD) in the list's timezone, and a date field's day where the instant falls there", async () => {
    const field = await api.post('/v2/space/custom_field', { name: 'Renewal', slug: '', description: '', dataType: 'date', allowedValues: [] });
    expect(field.status).toBe(200);
    const a = (await api.post('/v2/contact/email:renews.march1@example.com', { firstName: 'Zoned', custom_fields: [{ name: 'renewal', value: '2025-03-01' }] }))
      .body.contactId;
    const b = (await api.post('/v2/contact/email:renews.march2@example.com', { firstName: 'Zoned', custom_fields: [{ name: 'renewal', value: '2025-03-02' }] }))
      .body.contactId;
    // Made at 20:00 UTC on 1 March: already 2 March in Kuala Lumpur (UTC+8), still 1 March in New York.
    const internal = (await server.store.db.get<{ entity_id: string }>("SELECT entity_id FROM api_numbers WHERE entity = 'contact' AND num = ?", [a]))!
      .entity_id;
    await server.store.db.run('UPDATE contacts SET created_at = ? WHERE id = ?', [Date.UTC(2025, 2, 1, 20), internal]);
    const list = async (timezone: string | undefined, cond: object) => {
      const r = await api.post('/v2/contact/list?limit=100', { search: 'zoned', ...(timezone && { timezone }), filter: { $and: [cond] } });
      expect(r.status, JSON.stringify(r.body)).toBe(200);
      return r.body.items.map((c: { id: number }) => c.id).sort();
    };
    // 1 March 20:00 UTC as Unix seconds: the renewal day before it depends on where the day is counted.
    const evening = Date.UTC(2025, 2, 1, 20) / 1000;
    const renewsBefore = { category: 'contactField', field: 'renewal', operator: 'isTimestampBefore', value: evening };
    expect(await list('utc', renewsBefore)).toEqual([]);
    expect(await list('asia/kuala_lumpur', renewsBefore)).toEqual([a]);
    expect(await list('UTC', { category: 'contactField', field: 'renewal', operator: 'isTimestampAfter', value: '2025-03-01' })).toEqual([b]);
    expect(
      await list('UTC', { category: 'contactField', field: 'renewal', operator: 'isTimestampBetween', value: { from: '2025-03-01', to: '2025-03-02' } }),
    ).toEqual([a, b].sort());

    const madeOnMarch2 = { category: 'contactField', field: 'created_at', operator: 'isTimestampBetween', value: { from: '2025-03-02', to: '2025-03-02' } };
    expect(await list('Asia/Kuala_Lumpur', madeOnMarch2)).toEqual([a]);
    expect(await list('UTC', madeOnMarch2)).toEqual([]);
    expect(await list(undefined, { ...madeOnMarch2, value: { from: '2025-03-01', to: '2025-03-01' } })).toEqual([a]);
    expect(await list('America/New_York', { category: 'contactField', field: 'created_at', operator: 'isTimestampBefore', value: '2025-03-02' })).toEqual([a]);
    expect(await list('Asia/Kuala_Lumpur', { category: 'contactField', field: 'created_at', operator: 'isTimestampBefore', value: '2025-03-02' })).toEqual([]);

    const bad = await api.post('/v2/contact/list', { timezone: 'Mars/Olympus_Mons', filter: { $and: [madeOnMarch2] } });
    expect(bad).toMatchObject({ status: 400, body: { code: 400, message: expect.stringContaining('time zone') } });
  });
});

describe('Developer API: the rate limit', () => {
  let server: TestServer;
  afterAll(async () => server?.stop());

  it('counts every request of the workspace, all tokens and instances together, and answers 429 with Retry-After past it', async () => {
    const limit = { requests: 5, windowMs: 60_000 };
    server = await startServer({ developerApiLimit: limit });
    // A second instance on the same database (PostgreSQL) shares the budget; SQLite serves one instance.
    const second = testEngine === 'postgres' ? await startServer({ databaseUrl: server.databaseUrl, developerApiLimit: limit }) : server;
    const owner = await signIn(server, 'owner@demo.test');
    const a = new V2Client(server.url, (await addToken(owner, 'n8n')).secret);
    const b = new V2Client(second.url, (await addToken(owner, 'Make')).secret);
    const remaining: string[] = [];
    for (const c of [a, b, a, b, a]) {
      const r = await c.get('/v2/space/tag');
      expect(r.status).toBe(200);
      expect(r.headers.get('x-ratelimit-limit')).toBe('5');
      remaining.push(r.headers.get('x-ratelimit-remaining')!);
    }
    expect(remaining).toEqual(['4', '3', '2', '1', '0']);
    const over = await b.get('/v2/space/tag');
    expect(over.status).toBe(429);
    expect(over.body).toEqual({ code: 429, message: expect.stringContaining('too many requests') });
    expect(Number(over.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(over.headers.get('x-ratelimit-remaining')).toBe('0');
    if (second !== server) await second.stop();
  });
});
