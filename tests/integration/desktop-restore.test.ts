// Restore where I was: drafts and the last place survive a restart of the app (they live in the
// cache file), a queued message keeps the time it was written, and a lost contact's draft goes.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient, clientId, signIn, startServer, type TestServer } from '../support/server';
import { eventually, signedIn, startDesktop } from '../support/desktop';
import { messageIdFor } from '../../src-shared/model';

async function restart(server: TestServer): Promise<TestServer> {
  const { dbFile, port, demo } = server;
  await server.close();
  return Object.assign(await startServer({ dbFile, port }), { demo });
}

describe('where the user was', () => {
  let server: TestServer;
  let owner: ApiClient;
  beforeAll(async () => {
    server = await startServer();
    owner = await signIn(server, 'owner@demo.test');
  });
  afterAll(() => server.stop());

  it('drafts per conversation, the last inbox and conversation survive a restart of the app', async () => {
    const d = await startDesktop();
    await signedIn(d, server.url, 'agent3@demo.test');
    const [a, b] = (await d.query('conversations', { inbox: 'mine', limit: 2 })).items;
    const me = d.service.session().user!;
    await d.command('saveDraft', { contact_id: a.id, text: 'Half a reply about the refund', mode: 'message', mentions: [] });
    await d.command('saveDraft', { contact_id: b.id, text: `@${me.name} check this`, mode: 'comment', mentions: [{ id: me.id, name: me.name, at: 0 }] });
    await d.command('savePlace', { module: 'messages', inbox: 'mine', status: 'closed', contact_id: b.id });
    const { dir, store } = d;
    await d.service.shutdown();

    const again = await startDesktop({ dir, store });
    try {
      const drafts = await again.query('drafts', {});
      expect(drafts).toEqual(
        expect.arrayContaining([
          { contact_id: a.id, text: 'Half a reply about the refund', mode: 'message', mentions: [] },
          { contact_id: b.id, text: `@${me.name} check this`, mode: 'comment', mentions: [{ id: me.id, name: me.name, at: 0 }] },
        ]),
      );
      expect(await again.query('place', {})).toEqual({ module: 'messages', inbox: 'mine', status: 'closed', contact_id: b.id });
      // Sent (or cleared), a draft is gone for good.
      await again.command('saveDraft', { contact_id: a.id, text: '', mode: 'message', mentions: [] });
      expect((await again.query('drafts', {})).map((x) => x.contact_id)).toEqual([b.id]);
    } finally {
      await again.stop();
    }
  });

  it('a contact taken away takes its draft and the saved place with it, from the query and from the file', async () => {
    const d = await startDesktop();
    try {
      await signedIn(d, server.url, 'agent4@demo.test');
      const contact = (await d.query('conversations', { inbox: 'mine', limit: 1 })).items[0];
      const secret = `Draft-${clientId()}`;
      await d.command('saveDraft', { contact_id: contact.id, text: secret, mode: 'message', mentions: [] });
      await d.command('savePlace', { module: 'messages', inbox: 'mine', status: 'open', contact_id: contact.id });
      // Reassigned to someone else: agent4 is an agent with access to... whatever the demo gives; restrict to be sure.
      const users = (await owner.get('/api/v1/users')).body.items as { id: string; email: string }[];
      const me = users.find((u) => u.email === 'agent4@demo.test')!;
      const other = users.find((u) => u.email === 'agent5@demo.test')!;
      expect((await owner.patch(`/api/v1/users/${me.id}`, { client_id: clientId(), restrictions: { contact_visibility: 'user' } })).status).toBe(200);
      expect((await owner.post(`/api/v1/contacts/${contact.id}/assignee`, { client_id: clientId(), assignee_id: other.id })).status).toBe(200);
      await eventually(async () => !d.service.cache!.entities.get('contact', contact.id), 5000, 'the contact removed');
      expect(await d.query('drafts', {})).toEqual([]);
      expect((await d.query('place', {}))?.contact_id).toBeNull();
      d.service.cache!.checkpoint();
      for (const f of readdirSync(d.dir).filter((f) => f.startsWith('cache.sqlite'))) {
        const bytes = readFileSync(join(d.dir, f));
        expect(bytes.includes(Buffer.from(secret)), `${f} holds the draft`).toBe(false);
      }
    } finally {
      await d.stop();
    }
  });

  it('a message written offline keeps the time it was written once the server has it', async () => {
    const d = await startDesktop();
    try {
      await signedIn(d, server.url, 'agent6@demo.test');
      const contact = (await d.query('conversations', { inbox: 'mine', limit: 1 })).items[0];
      server = await (async () => {
        const { dbFile, port, demo } = server;
        await server.close();
        await eventually(() => d.service.session().connection === 'offline', 10_000, 'offline');
        const before = Date.now();
        const { client_id } = await d.command('sendMessage', { contact_id: contact.id, text: 'Written on the train' });
        const id = await messageIdFor(d.service.session().user!.id, client_id);
        // The server comes back a good while later.
        await new Promise((r) => setTimeout(r, 1500));
        const returned = Date.now();
        const back = Object.assign(await startServer({ dbFile, port }), { demo });
        const entry = async () => (await d.query('thread', { contact_id: contact.id, limit: 500 })).find((e) => e.type === 'message' && e.message.id === id);
        await eventually(
          async () => {
            const e = await entry();
            return e?.type === 'message' && e.message.status === 'sent';
          },
          15_000,
          'sent',
        );
        const e = await entry();
        if (e?.type !== 'message') throw new Error('no message');
        // Taken by the server once it was back; written while it was down.
        expect(e.message.created_at).toBeGreaterThanOrEqual(returned);
        expect(e.message.written_at).toBeGreaterThanOrEqual(before);
        expect(e.message.written_at).toBeLessThan(returned);
        return back;
      })();
    } finally {
      await d.stop();
    }
  });
});
