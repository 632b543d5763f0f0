// respond.io's own clients against our /v2, changing only the base URL: the requests its TypeScript
// SDK (@respond-io/typescript-sdk, also what its MCP server calls), its n8n node and an earlier MCP
// server release make, replayed as they send them (method, path, identifier, query, body, headers),
// and what each reads from the answers. Written from reading those clients; runs on both engines.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clientId, inbound, signIn, startServer, type ApiClient, type TestServer } from '../support/server';

type Json = any;

/**
 * The SDK's HTTP client: axios with baseURL <base>/v2, `Authorization: Bearer` and
 * `Content-Type: application/json` on every request (a GET or a body-less DELETE too), query params
 * serialised with undefined ones left out, a DELETE's body sent as its data. It throws on a non-2xx
 * status, reading `{code, message}` from the body.
 */
class Sdk {
  constructor(
    readonly base: string,
    readonly token: string,
  ) {}
  async request(method: string, path: string, params?: Record<string, unknown>, body?: unknown): Promise<Json> {
    const url = new URL(`${this.base}/v2${path}`);
    for (const [k, v] of Object.entries(params ?? {})) if (v !== undefined) url.searchParams.set(k, String(v));
    const res = await fetch(url, {
      method,
      headers: { authorization: `Bearer ${this.token}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const data = (await res.text()) || 'null';
    if (res.status < 200 || res.status > 299)
      throw Object.assign(new Error(`${method} ${path}: ${res.status} ${data}`), { status: res.status, data: JSON.parse(data) });
    return JSON.parse(data);
  }
  get = (path: string, params?: Record<string, unknown>) => this.request('GET', path, params);
  post = (path: string, body?: unknown, params?: Record<string, unknown>) => this.request('POST', path, params, body);
  put = (path: string, body?: unknown) => this.request('PUT', path, undefined, body);
  delete = (path: string, body?: unknown) => this.request('DELETE', path, undefined, body);
}

/**
 * The n8n node: `callDeveloperApi` (request helper, json: true, the path appended to <base>/v2/) and
 * `fetchPaginatedOptions`, which asks GET <path>?limit=N and follows the `cursorId` it reads from
 * `new URL(pagination.next)` until a page has no `next`.
 */
class N8n {
  constructor(
    readonly base: string,
    readonly token: string,
  ) {}
  async call(method: string, path: string, body?: unknown): Promise<Json> {
    const res = await fetch(`${this.base}/v2/${path.replace(/^\//, '')}`, {
      method,
      headers: { authorization: `Bearer ${this.token}`, ...(body !== undefined && { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const data = JSON.parse((await res.text()) || 'null');
    if (res.status < 200 || res.status > 299)
      throw Object.assign(new Error(`${method} ${path}: ${res.status} ${JSON.stringify(data)}`), { status: res.status });
    return data;
  }
  async paginate(path: string, limit: number): Promise<Json[]> {
    const all: Json[] = [];
    let cursor: string | null = null;
    for (let pages = 0; pages < 100; pages++) {
      const url = new URL(`${this.base}/v2${path}`);
      url.searchParams.set('limit', String(limit));
      if (cursor) url.searchParams.set('cursorId', cursor);
      const page = await this.call('GET', url.pathname.slice('/v2'.length) + url.search);
      all.push(...page.items);
      cursor = page?.pagination?.next ? new URL(page.pagination.next).searchParams.get('cursorId') : null;
      if (!cursor) return all;
    }
    throw new Error(`${path}: the pages never ended`);
  }
  /** constructIdentifier: a phone keeps only digits and +. */
  static identifier(type: 'id' | 'email' | 'phone', value: string | number): string {
    const v = String(value).trim();
    return `${type}:${type === 'phone' ? v.replace(/[^0-9+]/g, '') : v}`;
  }
}

async function addToken(owner: ApiClient, name: string): Promise<string> {
  const r = await owner.post('/api/v1/access-tokens', { client_id: clientId(), name });
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  return r.body.secret;
}

describe("respond.io's clients against /v2", () => {
  let server: TestServer;
  let owner: ApiClient;
  let sdk: Sdk;
  let n8n: N8n;
  /** The internal id behind a contact's /v2 number. */
  const contactIdOf = async (num: number) =>
    (await server.store.db.get<{ entity_id: string }>("SELECT entity_id FROM api_numbers WHERE entity = 'contact' AND num = ?", [num]))!.entity_id;

  beforeAll(async () => {
    server = await startServer({ demo: { seed: 11, contacts: 30 }, developerApiLimit: { requests: 10_000, windowMs: 10_000 } });
    owner = await signIn(server, 'owner@demo.test');
    sdk = new Sdk(server.url, await addToken(owner, 'SDK'));
    n8n = new N8n(server.url, await addToken(owner, 'n8n'));
  });
  afterAll(async () => server?.stop());

  it('SDK contacts: create, get by each identifier, update, create or update, list with its filters and paging, tags, channels, lifecycle, delete', async () => {
    // A custom field named as the SDK's examples name it: by its name, "Company".
    const company = await sdk.post('/space/custom_field', { name: 'Company', slug: 'company', description: 'Where they work', dataType: 'text' });
    expect(company).toMatchObject({ id: expect.any(Number), name: 'Company', description: 'Where they work', dataType: 'text' });

    const created = await sdk.post('/contact/email:john.doe+crm@example.com', {
      firstName: 'John',
      lastName: 'Doe',
      email: 'john.doe+crm@example.com',
      phone: '+60123456789',
      custom_fields: [{ name: 'Company', value: 'Acme Inc' }],
    });
    // The SDK types this answer {code: string, message}; ours carries the contact's number too.
    expect(created).toEqual({ contactId: expect.any(Number), code: '200', message: expect.any(String) });
    const id = created.contactId as number;

    for (const identifier of [`id:${id}`, 'email:john.doe+crm@example.com', 'phone:+60123456789']) {
      const c = await sdk.get(`/contact/${identifier}`);
      expect(c).toMatchObject({ id, firstName: 'John', lastName: 'Doe', status: 'close', tags: [], assignee: null, lifecycle: null });
      expect(c.custom_fields).toEqual([{ name: 'company', value: 'Acme Inc' }]);
      expect(Number.isInteger(c.created_at) && c.created_at < 1e10).toBe(true);
    }
    expect(await sdk.put(`/contact/id:${id}`, { custom_fields: [{ name: 'Company', value: 'Initech' }] })).toEqual({ contactId: id });
    // ContactFields allow custom_fields: null.
    expect(await sdk.put(`/contact/id:${id}`, { firstName: 'Jane', custom_fields: null })).toEqual({ contactId: id });
    expect(await sdk.get(`/contact/id:${id}`)).toMatchObject({ firstName: 'Jane', custom_fields: [{ name: 'company', value: 'Initech' }] });
    expect(await sdk.post('/contact/create_or_update/email:john.doe+crm@example.com', { firstName: 'Jane', email: 'john.doe+crm@example.com' })).toEqual({
      contactId: id,
    });

    expect(await sdk.post(`/contact/id:${id}/tag`, ['vip', 'premium'])).toEqual({ contactId: id });
    // Tags of up to 255 characters, as the SDK documents.
    const long = 'x'.repeat(255);
    expect(await sdk.post(`/contact/id:${id}/tag`, [long])).toEqual({ contactId: id });
    expect(await sdk.delete(`/contact/id:${id}/tag`, [long])).toEqual({ contactId: id });

    // list(filter, pagination): the filter in the body, limit and cursorId in the query.
    const all = await sdk.post('/contact/list', { search: '', timezone: 'UTC', filter: { $and: [] } }, { limit: 50, cursorId: undefined });
    expect(all.items.map((c: Json) => c.id)).toContain(id);
    const first = await sdk.post('/contact/list', { search: '', timezone: 'UTC', filter: { $and: [] } }, { limit: 5 });
    const cursorId = Number(new URL(first.pagination.next).searchParams.get('cursorId'));
    const second = await sdk.post('/contact/list', { search: '', timezone: 'UTC', filter: { $and: [] } }, { limit: 5, cursorId });
    expect(second.items[0].id).not.toBe(first.items[0].id);
    // A tag condition names no field: the SDK sends field: null.
    const vip = await sdk.post('/contact/list', {
      search: '',
      timezone: 'UTC',
      filter: { $or: [{ category: 'contactTag', field: null, operator: 'hasAnyOf', value: ['vip', 'premium'] }] },
    });
    expect(vip.items.map((c: Json) => c.id)).toEqual([id]);
    // The SDK's examples filter by the assignee's user id and by status.
    const users = (await sdk.get('/space/user', { limit: 100 })).items as Json[];
    const agent1 = users.find((u) => u.email === 'agent1@demo.test');
    expect(await sdk.post(`/contact/id:${id}/conversation/assignee`, { assignee: agent1.id })).toEqual({ contactId: id });
    const byAssignee = await sdk.post('/contact/list', {
      search: '',
      timezone: 'America/New_York',
      filter: { $and: [{ category: 'contactField', field: 'assigneeUserId', operator: 'isEqualTo', value: String(agent1.id) }] },
    });
    expect(byAssignee.items.length).toBeGreaterThan(0);
    expect(byAssignee.items.every((c: Json) => c.assignee?.id === agent1.id)).toBe(true);
    const open = await sdk.post(
      '/contact/list',
      { search: '', timezone: 'UTC', filter: { $and: [{ category: 'contactField', field: 'status', operator: 'isEqualTo', value: 'open' }] } },
      { limit: 100 },
    );
    expect(open.items.length).toBeGreaterThan(0);
    expect(open.items.every((c: Json) => c.status === 'open')).toBe(true);
    expect(open.items.map((c: Json) => c.id)).not.toContain(id);
    // isBetween and isTimestampBetween take {from, to}.
    const hourAgo = Math.floor(Date.now() / 1000) - 3600;
    const recent = await sdk.post('/contact/list', {
      search: 'jane',
      timezone: 'UTC',
      filter: {
        $and: [{ category: 'contactField', field: 'created_at', operator: 'isTimestampBetween', value: { from: String(hourAgo), to: String(hourAgo + 7200) } }],
      },
    });
    expect(recent.items.map((c: Json) => c.id)).toEqual([id]);

    const lifecycle = await sdk.post(`/contact/id:${id}/lifecycle/update`, { name: 'Hot Lead' });
    expect(lifecycle).toMatchObject({ code: 200, message: expect.any(String) });
    expect((await sdk.get(`/contact/id:${id}`)).lifecycle).toBe('Hot Lead');
    expect(await sdk.post(`/contact/id:${id}/lifecycle/update`, { name: null })).toMatchObject({ code: 200 });
    expect((await sdk.get(`/contact/id:${id}`)).lifecycle).toBeNull();

    // A contact who wrote in through the custom channel: its channel as the SDK types ContactChannel.
    await inbound(server, 'sdk-channel-sender', 'Hello there', undefined, 'Channel Sender');
    const writer = (await sdk.post('/contact/list', { search: 'Channel Sender', timezone: 'UTC', filter: { $and: [] } })).items[0];
    const channels = await sdk.get(`/contact/id:${writer.id}/channels`, { limit: 20, cursorId: undefined });
    expect(channels.items).toEqual([
      {
        id: expect.any(Number),
        name: expect.any(String),
        source: 'custom_channel',
        created_at: expect.any(Number),
        lastMessageTime: expect.any(Number),
        lastIncomingMessageTime: expect.any(Number),
      },
    ]);

    // delete(identifier): axios still sends Content-Type: application/json, with no body.
    expect(await sdk.delete(`/contact/id:${id}`)).toEqual({ contactId: id });
    await expect(sdk.get(`/contact/id:${id}`)).rejects.toMatchObject({ status: 404, data: { code: 404, message: expect.any(String) } });
  });

  it('SDK messaging, conversations and comments: send, get, list by next URLs, who sent it; assign, open, close; a comment with a mention', async () => {
    const contact = (await sdk.post('/contact/list', { search: '', timezone: 'UTC', filter: { $and: [] } }, { limit: 1 })).items[0];
    const channel = (await sdk.get('/space/channel')).items[0];
    expect(channel).toEqual({ id: expect.any(Number), name: expect.any(String), source: 'custom_channel', created_at: expect.any(Number) });

    const sent = await sdk.post(`/contact/id:${contact.id}/message`, { channelId: channel.id, message: { type: 'text', text: 'Your order has shipped' } });
    expect(sent.messageId).toEqual(expect.any(Number));
    const got = await sdk.get(`/contact/id:${contact.id}/message/${sent.messageId}`);
    expect(got).toMatchObject({
      messageId: sent.messageId,
      contactId: contact.id,
      channelId: channel.id,
      traffic: 'outgoing',
      message: { type: 'text', text: 'Your order has shipped' },
      status: [{ value: 'sent', timestamp: expect.any(Number) }],
      sender: { source: 'api' },
    });
    // A person's reply from the app: sender is that user, by their /v2 id.
    const manager = await signIn(server, 'manager@demo.test');
    const internal = await contactIdOf(contact.id);
    expect((await manager.post(`/api/v1/contacts/${internal}/messages`, { client_id: clientId(), text: 'Anything else?' })).status).toBe(201);
    const users = (await sdk.get('/space/user', { limit: 100 })).items as Json[];
    const managerNum = users.find((u) => u.email === 'manager@demo.test').id;
    const page = await sdk.get(`/contact/id:${contact.id}/message/list`, { limit: 1 });
    expect(page.items[0]).toMatchObject({ traffic: 'outgoing', message: { text: 'Anything else?' }, sender: { source: 'user', userId: managerNum } });
    const next = Number(new URL(page.pagination.next).searchParams.get('cursorId'));
    expect((await sdk.get(`/contact/id:${contact.id}/message/list`, { limit: 1, cursorId: next })).items[0].messageId).toBe(sent.messageId);

    expect(await sdk.post(`/contact/id:${contact.id}/conversation/assignee`, { assignee: managerNum })).toEqual({ contactId: contact.id });
    expect(await sdk.post(`/contact/id:${contact.id}/conversation/assignee`, { assignee: 'agent2@demo.test' })).toEqual({ contactId: contact.id });
    expect(await sdk.post(`/contact/id:${contact.id}/conversation/assignee`, { assignee: null })).toEqual({ contactId: contact.id });
    // Closed without notes (category and summary left out), then opened.
    expect(await sdk.post(`/contact/id:${contact.id}/conversation/status`, { status: 'close' })).toEqual({ contactId: contact.id });
    expect(await sdk.post(`/contact/id:${contact.id}/conversation/status`, { status: 'open' })).toEqual({ contactId: contact.id });
    const notes = (await sdk.get('/space/closing_notes')).items as Json[];
    expect(notes[0]).toEqual({ category: expect.any(String), description: expect.any(String) });
    expect(await sdk.post(`/contact/id:${contact.id}/conversation/status`, { status: 'close', category: notes[0].category, summary: 'Resolved' })).toEqual({
      contactId: contact.id,
    });

    const sentFrom = Math.floor(Date.now() / 1000);
    const comment = await sdk.post(`/contact/id:${contact.id}/comment`, { text: `Please follow up {{@user.${managerNum}}}` });
    const sentBy = Math.ceil(Date.now() / 1000);
    expect(comment).toEqual({ contactId: contact.id, text: `Please follow up {{@user.${managerNum}}}`, created_at: expect.any(Number) });
    // Unix seconds (as the SDK reads it), not milliseconds: between the request's start and its answer.
    expect(comment.created_at).toBeGreaterThanOrEqual(sentFrom);
    expect(comment.created_at).toBeLessThanOrEqual(sentBy);
  });

  it('SDK and MCP space: users with their restrictions by respond.io names, custom fields, tags', async () => {
    // The MCP server's health check.
    const one = await sdk.get('/space/user', { limit: 1 });
    expect(one.items).toHaveLength(1);
    expect(one.pagination.next).toMatch(/cursorId=/);
    expect(
      (await owner.patch('/api/v1/users/u_agent3', { client_id: clientId(), restrictions: { contact_visibility: 'user', data_export: true } })).status,
    ).toBe(200);
    const users = (await sdk.get('/space/user', { limit: 100 })).items as Json[];
    const agent3 = users.find((u) => u.email === 'agent3@demo.test');
    expect(agent3).toMatchObject({ role: 'agent', team: { id: expect.any(Number), name: expect.any(String) } });
    expect([...agent3.restrictions].sort()).toEqual(['restrict_data_export', 'show_only_mine']);
    expect(await sdk.get(`/space/user/${agent3.id}`)).toEqual(agent3);
    expect(users.find((u) => u.email === 'owner@demo.test')).toMatchObject({ role: 'owner', restrictions: [] });

    // createCustomField as the SDK, the MCP server (letters in either case in the slug) and nulls.
    const customerId = await sdk.post('/space/custom_field', { name: 'Customer ID', slug: 'customer_id', description: 'Unique identifier', dataType: 'text' });
    expect(customerId).toMatchObject({ id: expect.any(Number), name: 'Customer ID', description: 'Unique identifier', dataType: 'text' });
    const priority = await sdk.post('/space/custom_field', { name: 'Priority', dataType: 'list', allowedValues: ['Low', 'Medium', 'High'] });
    expect(priority.allowedValues).toEqual({ listValues: ['Low', 'Medium', 'High'] });
    const ref = await sdk.post('/space/custom_field', {
      name: 'Reference',
      slug: 'Customer_Ref',
      description: undefined,
      dataType: 'text',
      allowedValues: undefined,
    });
    expect(ref.slug).toBe('Customer_Ref');
    const score = await sdk.post('/space/custom_field', { name: 'Score', slug: null, dataType: 'number', allowedValues: null });
    expect(score).toMatchObject({ slug: 'score', dataType: 'number' });
    expect(await sdk.get(`/space/custom_field/${priority.id}`)).toEqual(priority);

    // Tags: create with a hex colour, update only some fields (the MCP server sends no name), delete.
    expect(await sdk.post('/space/tag', { name: 'Gold', description: 'Gold customers', colorCode: '#FF0000', emoji: '⭐' })).toEqual({
      id: expect.any(Number),
      name: 'Gold',
      description: 'Gold customers',
      colorCode: '#FF0000',
      emoji: '⭐',
    });
    expect(await sdk.put('/space/tag', { currentName: 'gold', colorCode: '#FFD700' })).toMatchObject({
      name: 'Gold',
      colorCode: '#FFD700',
      description: 'Gold customers',
    });
    expect(await sdk.put('/space/tag', { currentName: 'Gold', name: 'Platinum', colorCode: '#FFD700' })).toMatchObject({ name: 'Platinum' });
    expect(await sdk.delete('/space/tag', { name: 'Platinum' })).toMatchObject({ code: 200, message: expect.any(String) });
    expect((await sdk.get('/space/tag', { limit: 100 })).items.map((t: Json) => t.name)).not.toContain('Platinum');
  });

  it('the n8n node: its identifiers, contact actions, custom field mapper, paging, messages, conversations, lifecycle, comments and tags', async () => {
    // Create a custom field as n8n's form sends it, then read the fields as its resource mapper does.
    const birthday = await n8n.call('POST', '/space/custom_field', { name: 'Birthday', description: '', dataType: 'date', allowedValues: [], slug: '' });
    expect(birthday).toMatchObject({ slug: 'birthday', dataType: 'date' });
    await n8n.call('POST', '/space/custom_field', { name: 'Plan', description: '', dataType: 'list', allowedValues: ['free', 'pro'], slug: '' });
    const mapper = await n8n.paginate('/space/custom_field', 100);
    const plan = mapper.find((f) => f.slug === 'plan');
    expect(plan.allowedValues.listValues).toEqual(['free', 'pro']);

    // A phone typed without its + (constructIdentifier keeps the digits).
    const identifier = N8n.identifier('phone', '60 12-345 6700');
    expect(identifier).toBe('phone:60123456700');
    const created = await n8n.call('POST', `/contact/${identifier}`, {
      firstName: 'Nadia',
      lastName: 'Rahman',
      language: 'ms',
      countryCode: 'MY',
      custom_fields: [
        { name: 'birthday', value: new Date('1990-04-01T00:00:00.000Z').toISOString().split('T')[0] },
        { name: 'plan', value: 'pro' },
      ],
    });
    const id = created.contactId;
    const found = await n8n.call('GET', `/contact/${N8n.identifier('id', id)}`);
    expect(found).toMatchObject({ id, phone: '+60123456700', firstName: 'Nadia', countryCode: 'MY' });
    expect(found.custom_fields).toEqual([
      { name: 'birthday', value: '1990-04-01' },
      { name: 'plan', value: 'pro' },
    ]);
    // Update and create-or-update send only the fields filled in.
    expect(await n8n.call('PUT', `/contact/${identifier}`, { lastName: 'Rahman-Lee' })).toEqual({ contactId: id });
    expect(await n8n.call('POST', `/contact/create_or_update/${identifier}`, { firstName: 'Nadia' })).toEqual({ contactId: id });

    // GET_MANY_CONTACTS: limit in the path, lower-case utc, an empty $or.
    const many = await n8n.call('POST', '/contact/list?limit=10', { search: 'Nadia', timezone: 'utc', filter: { $or: [] } });
    expect(many.items.map((c: Json) => c.id)).toEqual([id]);

    // ADD_TAGS (a list of strings), then REMOVE_TAGS with names getTagsForContact read from the contact's tags.
    expect(await n8n.call('POST', `/contact/${identifier}/tag`, ['Webinar', 'Newsletter'])).toEqual({ contactId: id });
    const tags = (await n8n.call('GET', `/contact/${identifier}`)).tags as string[];
    expect(tags).toEqual(['Newsletter', 'Webinar']);
    expect(await n8n.call('DELETE', `/contact/${identifier}/tag`, [tags[0]])).toEqual({ contactId: id });

    // Dropdowns: users, channels and closing notes, each walked by its next URLs.
    const users = await n8n.paginate('/space/user', 5);
    expect(new Set(users.map((u) => u.id)).size).toBe(users.length);
    expect(users.map((u) => u.email)).toEqual(expect.arrayContaining(['owner@demo.test', 'agent12@demo.test']));
    const channels = await n8n.paginate('/space/channel', 20);
    expect(channels[0]).toMatchObject({ id: expect.any(Number), name: expect.any(String), source: 'custom_channel' });
    const notes = await n8n.paginate('/space/closing_notes', 20);
    expect(notes[0].category).toEqual(expect.any(String));
    // FIND_CONTACT_CHANNELS: paged by 100 (none yet: the contact was made through the API).
    expect(await n8n.paginate(`/contact/${identifier}/channels`, 100)).toEqual([]);

    // SEND_MESSAGE to the last interacted channel (no channelId), with a message tag n8n may add.
    await inbound(server, 'n8n-sender', 'Do you ship to Penang?', undefined, 'Penang Buyer');
    const buyer = (await n8n.call('POST', '/contact/list?limit=10', { search: 'Penang Buyer', timezone: 'utc', filter: { $or: [] } })).items[0];
    const sent = await n8n.call('POST', `/contact/${N8n.identifier('id', buyer.id)}/message`, {
      message: { type: 'text', text: 'We do!', messageTag: 'POST_PURCHASE_UPDATE' },
    });
    expect(sent).toEqual({ contactId: buyer.id, messageId: expect.any(Number) });
    expect((await n8n.call('GET', `/contact/id:${buyer.id}/message/${sent.messageId}`)).message.text).toBe('We do!');
    // ...and to a specific channel, its id from the channel dropdown.
    expect(
      (await n8n.call('POST', `/contact/id:${buyer.id}/message`, { channelId: channels[0].id, message: { type: 'text', text: 'Sent' } })).messageId,
    ).toEqual(expect.any(Number));

    // ASSIGN by Number(userId), OPEN_OR_CLOSE with the form's empty strings.
    const agent = users.find((u) => u.email === 'agent1@demo.test');
    expect(await n8n.call('POST', `/contact/id:${buyer.id}/conversation/assignee`, { assignee: Number(String(agent.id)) })).toEqual({ contactId: buyer.id });
    expect((await n8n.call('GET', `/contact/id:${buyer.id}`)).assignee.email).toBe('agent1@demo.test');
    expect(await n8n.call('POST', `/contact/id:${buyer.id}/conversation/status`, { status: 'close', category: '', summary: '' })).toEqual({
      contactId: buyer.id,
    });
    expect(await n8n.call('POST', `/contact/id:${buyer.id}/conversation/status`, { status: 'open', category: '', summary: '' })).toEqual({
      contactId: buyer.id,
    });

    // Lifecycle: update by name, remove with null.
    expect(await n8n.call('POST', `/contact/${identifier}/lifecycle/update`, { name: 'Customer' })).toMatchObject({ contactId: id, code: 200 });
    expect(await n8n.call('POST', `/contact/${identifier}/lifecycle/update`, { name: null })).toMatchObject({ contactId: id });
    expect((await n8n.call('GET', `/contact/${identifier}`)).lifecycle).toBeNull();

    // ADD_COMMENT answers CreateCommentResponse {contactId, text, created_at}.
    expect(await n8n.call('POST', `/contact/id:${buyer.id}/comment`, { text: 'Asked about shipping' })).toEqual({
      contactId: buyer.id,
      text: 'Asked about shipping',
      created_at: expect.any(Number),
    });

    // Space tags from the form: empty strings for what was left blank; update keeps the name when it is "".
    expect(await n8n.call('POST', '/space/tag', { name: 'Lead', description: '', colorCode: '', emoji: '' })).toMatchObject({ name: 'Lead' });
    expect(await n8n.call('PUT', '/space/tag', { currentName: 'Lead', name: '', description: 'Inbound leads', colorCode: '', emoji: '' })).toMatchObject({
      name: 'Lead',
      description: 'Inbound leads',
    });
    expect(await n8n.call('DELETE', '/space/tag', { name: 'Lead' })).toMatchObject({ code: 200 });
  });

  it("an earlier MCP server release sends a contact's tags wrapped as {tags: [...]}", async () => {
    const contact = (await sdk.post('/contact/list', { search: '', timezone: 'UTC', filter: { $and: [] } }, { limit: 1 })).items[0];
    expect(await sdk.post(`/contact/id:${contact.id}/tag`, { tags: ['Follow-up'] })).toEqual({ contactId: contact.id });
    expect((await sdk.get(`/contact/id:${contact.id}`)).tags).toContain('Follow-up');
    expect(await sdk.delete(`/contact/id:${contact.id}/tag`, { tags: ['Follow-up'] })).toEqual({ contactId: contact.id });
    expect((await sdk.get(`/contact/id:${contact.id}`)).tags).not.toContain('Follow-up');
  });
});
