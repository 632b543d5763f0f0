// What an integration writes through /v2 reaches the people in the app: a signed-in desktop core
// (real cache file) receives it over sync, shown as "API · <token name>", and a mention through /v2
// raises the agent's OS notification through a real notification daemon (dunst).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clientId, signIn, startServer, type TestServer } from '../support/server';
import { eventually, signedIn, startDesktop, type TestDesktop } from '../support/desktop';
import { startNotificationSession, type NotificationSession } from '../support/notification-daemon';
import { createOsNotifier } from '../../src-main/core/notifications/os-notifier';
import { NotifySendNotifier } from '../../src-main/core/notifications/notify-send-notifier';

describe('Developer API writes reach the desktop', () => {
  let session: NotificationSession;
  let server: TestServer;
  let desktop: TestDesktop;
  let notifier: NotifySendNotifier;
  let v2: (method: string, path: string, body?: unknown) => Promise<{ status: number; body: any }>;

  beforeAll(async () => {
    session = await startNotificationSession();
    server = await startServer();
    const owner = await signIn(server, 'owner@demo.test');
    const token = (await owner.post('/api/v1/access-tokens', { client_id: clientId(), name: 'HubSpot' })).body.secret as string;
    v2 = async (method, path, body) => {
      const res = await fetch(server.url + path, {
        method,
        headers: { authorization: `Bearer ${token}`, ...(body !== undefined && { 'content-type': 'application/json' }) },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      return { status: res.status, body: await res.json() };
    };
    notifier = createOsNotifier({ env: session.env, onClick: () => {}, onError: () => {} }) as NotifySendNotifier;
    desktop = await startDesktop({ notifier });
    await signedIn(desktop, server.url, 'agent1@demo.test');
  });

  afterAll(async () => {
    notifier?.stop();
    await desktop?.stop();
    await server?.stop();
    await session?.stop();
  });

  /** The agent's first contact, by its phone as /v2 names it. */
  const mine = async () => {
    const contact = (await desktop.query('conversations', { inbox: 'mine', limit: 1 })).items[0];
    return { contact, path: `/v2/contact/phone:${contact.phone}` };
  };

  it('a message, a status change and a new contact written through /v2 arrive in the signed-in desktop, by "API · HubSpot"', async () => {
    const { contact, path } = await mine();
    expect((await v2('POST', `${path}/message`, { message: { type: 'text', text: 'Invoice #4411 is paid' } })).status).toBe(200);
    await eventually(
      async () => (await desktop.query('thread', { contact_id: contact.id })).some((e) => e.type === 'message' && e.message.text === 'Invoice #4411 is paid'),
      5000,
      'the message in the desktop thread',
    );
    const entry = (await desktop.query('thread', { contact_id: contact.id })).find((e) => e.type === 'message' && e.message.text === 'Invoice #4411 is paid');
    const authorId = entry!.type === 'message' ? entry!.message.author_id : null;
    const users = await desktop.query('users', {});
    expect(users.find((u) => u.id === authorId)?.name).toBe('API · HubSpot');

    // Tags, lifecycle and custom field values set through /v2 are in the desktop's copy of the contact.
    expect(
      (await v2('POST', '/v2/space/custom_field', { name: 'Plan', slug: '', description: '', dataType: 'list', allowedValues: ['free', 'pro'] })).status,
    ).toBe(200);
    const profile = async () => {
      const c = (await desktop.query('contact', { id: contact.id }))?.contact;
      return { tags: c?.tags, lifecycle: c?.lifecycle, custom_fields: c?.custom_fields };
    };
    expect((await v2('POST', `${path}/tag`, ['VIP', 'Paid'])).status).toBe(200);
    await eventually(async () => (await profile()).tags?.length === 2, 5000, 'the tags in the desktop');
    expect((await v2('POST', `${path}/lifecycle/update`, { name: 'Customer' })).status).toBe(200);
    await eventually(async () => (await profile()).lifecycle === 'Customer', 5000, 'the lifecycle in the desktop');
    expect((await v2('PUT', path, { custom_fields: [{ name: 'plan', value: 'pro' }] })).status).toBe(200);
    await eventually(async () => (await profile()).custom_fields?.length === 1, 5000, 'the custom field in the desktop');
    expect(await profile()).toEqual({ tags: ['Paid', 'VIP'], lifecycle: 'Customer', custom_fields: [{ name: 'plan', value: 'pro' }] });
    expect((await v2('PUT', '/v2/space/tag', { currentName: 'VIP', name: 'Gold' })).status).toBe(200);
    await eventually(async () => (await profile()).tags?.includes('Gold') === true, 5000, 'the renamed tag in the desktop');

    expect((await v2('POST', `${path}/conversation/status`, { status: 'close', category: '', summary: '' })).status).toBe(200);
    await eventually(async () => (await desktop.query('contact', { id: contact.id }))?.contact.status === 'closed', 5000, 'the close in the desktop');

    expect((await v2('POST', '/v2/contact/create_or_update/email:lead.from.crm@example.com', { firstName: 'Lead', lastName: 'From CRM' })).status).toBe(200);
    await eventually(async () => (await desktop.query('search', { q: 'Lead From CRM' })).contacts.length === 1, 5000, 'the new contact in the desktop');
    // Deleted through /v2: gone from the desktop too.
    expect((await v2('DELETE', '/v2/contact/email:lead.from.crm@example.com')).status).toBe(200);
    await eventually(
      async () => (await desktop.query('search', { q: 'Lead From CRM' })).contacts.length === 0,
      5000,
      'the deleted contact gone from the desktop',
    );
  });

  it("a custom inbox made in the app lists, from the desktop's cache, the contacts with a tag, a lifecycle stage or a field value an integration set", async () => {
    const { contact, path } = await mine();
    const other = (await desktop.query('conversations', { inbox: 'mine', limit: 2 })).items[1];
    expect((await v2('POST', '/v2/space/custom_field', { name: 'Region', slug: '', description: '', dataType: 'text', allowedValues: [] })).status).toBe(200);
    expect((await v2('POST', `${path}/tag`, ['Renewal'])).status).toBe(200);
    expect((await v2('PUT', path, { custom_fields: [{ name: 'region', value: 'EMEA' }] })).status).toBe(200);
    expect((await v2('POST', `/v2/contact/phone:${other.phone}/lifecycle/update`, { name: 'Payment' })).status).toBe(200);
    const listed = async (filter: object) => {
      const inbox = await desktop.command('createCustomInbox', {
        name: `By ${Object.keys(filter).join(' ')}`,
        filter,
        sharing: 'private',
        shared_user_ids: [],
        shared_team_ids: [],
      });
      return async () => (await desktop.query('conversations', { inbox: `custom:${inbox.id}`, limit: 100 })).items.map((c) => c.id);
    };
    const byTag = await listed({ tag: 'renewal' });
    await eventually(async () => (await byTag()).join() === contact.id, 5000, 'the tagged contact alone in the tag inbox');
    const byField = await listed({ custom_field: { name: 'region', value: 'EMEA' } });
    await eventually(async () => (await byField()).join() === contact.id, 5000, 'the contact alone in the field inbox');
    const byStage = await listed({ lifecycle: 'Payment' });
    await eventually(async () => (await byStage()).join() === other.id, 5000, 'the other contact alone in the lifecycle inbox');
    // Untagged through /v2: gone from the tag inbox.
    expect((await v2('DELETE', `${path}/tag`, ['Renewal'])).status).toBe(200);
    await eventually(async () => (await byTag()).length === 0, 5000, 'the tag inbox empty');
  });

  it("a mention through /v2 raises the agent's OS notification through the daemon, from the token's actor", async () => {
    const { path } = await mine();
    const me = desktop.service.session().user!;
    const users = (await v2('GET', '/v2/space/user?limit=100')).body.items as { id: number; email: string }[];
    const agentNumber = users.find((u) => u.email === me.email)!.id;
    const before = session.notifyCalls().length;
    const r = await v2('POST', `${path}/comment`, { text: `{{@user.${agentNumber}}} the invoice is paid, please confirm` });
    expect(r.status).toBe(200);
    await eventually(() => session.notifyCalls().length > before, 5000, 'the Notify call for the mention');
    const call = session.notifyCalls()[before];
    expect(call.summary).toContain('API · HubSpot');
    expect(call.body).toContain('the invoice is paid, please confirm');
  });
});
