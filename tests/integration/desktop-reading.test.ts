// Reading is reading, and a refused write says why in words: the desktop core against a real server.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient, clientId, inbound, signIn, startServer, type TestServer } from '../support/server';
import { eventually, RecordingNotifier, signedIn, startDesktop } from '../support/desktop';

describe('the conversation on screen', () => {
  let server: TestServer;
  let owner: ApiClient;
  beforeAll(async () => {
    server = await startServer();
    owner = await signIn(server, 'owner@demo.test');
  });
  afterAll(() => server.stop());

  it('a message arriving in the conversation the agent is reading leaves no unread dot, no bell count and no OS alert', async () => {
    const notifier = new RecordingNotifier();
    const d = await startDesktop({ notifier });
    try {
      await signedIn(d, server.url, 'agent1@demo.test');
      const me = d.service.session().user!.id;
      const sender = `reader-${clientId()}`;
      const first = await inbound(server, sender, 'Hello, is my order on its way?', undefined, 'Rita Reader');
      const contactId = first.body.contact_id as string;
      expect((await owner.post(`/api/v1/contacts/${contactId}/assignee`, { client_id: clientId(), assignee_id: me })).status).toBe(200);
      const row = async () => (await d.query('conversations', { inbox: 'mine', limit: 500 })).items.find((c) => c.id === contactId);
      const unread = async () =>
        (await d.query('notifications', { tab: 'new', limit: 200 })).items.filter((n) => n.contact_id === contactId && n.read_at === null).length;

      // The window is on another app: the assignment is unread, as it should be.
      await d.command('setFocus', { contact_id: null, window_focused: false });
      await eventually(async () => (await unread()) > 0, 5000, 'the assignment notified');
      expect((await row())?.unread).toBe(true);

      // The agent opens the conversation: what it notified is read.
      await d.command('setFocus', { contact_id: contactId, window_focused: true });
      expect(await unread()).toBe(0);
      expect((await row())?.unread).toBe(false);
      const alertsBefore = notifier.shown.length;

      // The contact writes while the agent reads: in the thread, and read at once.
      const text = `Still there? ${clientId()}`;
      const second = await inbound(server, sender, text);
      await eventually(
        async () =>
          (await d.query('thread', { contact_id: contactId, limit: 500 })).some((e) => e.type === 'message' && e.message.id === second.body.message_id),
        5000,
        'the message in the thread',
      );
      await eventually(
        async () =>
          (await d.query('notifications', { tab: 'all', limit: 200 })).items.some((n) => n.contact_id === contactId && n.message_id === second.body.message_id),
        5000,
        'its notification',
      );
      expect(await unread()).toBe(0);
      expect(d.service.unreadCount()).toBe(0);
      expect((await row())?.unread).toBe(false);
      expect(notifier.shown.slice(alertsBefore)).toEqual([]);
      // And on the server too, so the agent's other devices agree.
      const agent = await signIn(server, 'agent1@demo.test');
      await eventually(
        async () =>
          ((await agent.get('/api/v1/notifications?limit=200')).body.items as { contact_id: string; read_at: number | null }[]).filter(
            (n) => n.contact_id === contactId && n.read_at === null,
          ).length === 0,
        5000,
        'read on the server',
      );
    } finally {
      await d.stop();
    }
  });

  it('the same message is unread when the window is not focused', async () => {
    const d = await startDesktop();
    try {
      await signedIn(d, server.url, 'agent2@demo.test');
      const me = d.service.session().user!.id;
      const sender = `away-${clientId()}`;
      const first = await inbound(server, sender, 'Hello?', undefined, 'Aldo Away');
      const contactId = first.body.contact_id as string;
      expect((await owner.post(`/api/v1/contacts/${contactId}/assignee`, { client_id: clientId(), assignee_id: me })).status).toBe(200);
      await d.command('setFocus', { contact_id: contactId, window_focused: false });
      const second = await inbound(server, sender, 'Anyone?');
      await eventually(
        async () =>
          (await d.query('notifications', { tab: 'new', limit: 200 })).items.some((n) => n.message_id === second.body.message_id && n.read_at === null),
        5000,
        'unread',
      );
    } finally {
      await d.stop();
    }
  });
});

describe('a refused write', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer();
  });
  afterAll(() => server.stop());

  it('says why in words: no internal ids, no field names', async () => {
    const d = await startDesktop();
    try {
      await signedIn(d, server.url, 'manager2@demo.test');
      const contact = (await d.query('conversations', { inbox: 'all', status: 'open', limit: 1 })).items[0];
      const assign = await d.command('assign', { contact_id: contact.id, assignee_id: 'u_agent99' });
      const close = await d.command('close', { contact_id: contact.id, closing_category_id: 'cat_gone', summary: 'Done' });
      const comment = await d.command('addComment', { contact_id: contact.id, text: '{{@user.u_gone}} have a look' });
      const reasons = async () => new Map((await d.query('outbox')).filter((o) => o.state === 'failed').map((o) => [o.client_id, o.error ?? '']));
      await eventually(async () => (await reasons()).size === 3, 5000, 'three refusals');
      const got = await reasons();
      expect(got.get(assign.client_id)).toMatch(/can no longer be assigned conversations/);
      expect(got.get(close.client_id)).toMatch(/closing category no longer exists/);
      expect(got.get(comment.client_id)).toMatch(/mentions someone who is not a user/);
      for (const reason of got.values()) {
        expect(reason).not.toMatch(/u_agent99|cat_gone|u_gone|assignee_id|closing_category_id|text:/);
        expect(reason).toMatch(/^[A-Z].*\.$/);
      }
      const detail = await d.query('contact', { id: contact.id });
      for (const w of detail!.failed_writes) expect(w.error).not.toMatch(/_id|u_agent99|cat_gone/);
    } finally {
      await d.stop();
    }
  });
});

describe('a searched list', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer();
  });
  afterAll(() => server.stop());

  it('shows the message that matched the search, not the latest one', async () => {
    const d = await startDesktop();
    try {
      await signedIn(d, server.url, 'manager@demo.test');
      const sender = `searcher-${clientId()}`;
      const word = `Quokkaparcel${Date.now() % 100000}`;
      const first = await inbound(server, sender, `Where is my ${word}? It was due Monday.`, undefined, 'Sam Searcher');
      await inbound(server, sender, 'Thanks, bye');
      const contactId = first.body.contact_id as string;
      await eventually(async () => (await d.query('contact', { id: contactId }))?.contact.last_message === 'Thanks, bye', 5000, 'both messages');
      const list = await d.query('conversations', { inbox: 'all', q: word.slice(0, 8), limit: 50 });
      const row = list.items.find((r) => r.id === contactId)!;
      expect(row.last_message).toBe('Thanks, bye');
      expect(row.match).toMatchObject({ text: `Where is my ${word}? It was due Monday.`, direction: 'incoming' });
      // Found by name, no message matched: the row says so (null), and shows its latest message.
      const byName = (await d.query('conversations', { inbox: 'all', q: 'Sam Searcher', limit: 50 })).items.find((r) => r.id === contactId)!;
      expect(byName.match).toBeNull();
      // Not searching: no match field at all.
      expect((await d.query('conversations', { inbox: 'all', limit: 500 })).items.find((r) => r.id === contactId)?.match).toBeUndefined();
    } finally {
      await d.stop();
    }
  });
});

describe('sign-in mistakes', () => {
  it('are said in words, not as field names and schema errors', async () => {
    const d = await startDesktop();
    try {
      for (const [input, words] of [
        [{ server_url: 'https://messenger.example.com', email: 'not-an-email', password: 'x' }, /Enter your email address/],
        [{ server_url: 'https://messenger.example.com', email: 'a@example.com', password: '' }, /Enter your password/],
        [{ server_url: 'x'.repeat(600), email: 'a@example.com', password: 'x' }, /Enter the server address/],
      ] as const) {
        const r = await d.service.handle({ kind: 'command', name: 'signIn', input });
        expect(r.ok).toBe(false);
        if (r.ok) continue;
        expect(r.code).toBe('invalid_request');
        expect(r.message).toMatch(words);
        expect(r.message).not.toMatch(/signIn|server_url|Invalid|String must|Too/);
      }
    } finally {
      await d.stop();
    }
  });
});
