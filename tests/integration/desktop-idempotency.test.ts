// Idempotency that tells the truth, as the user sees it: a write whose id the server already holds
// for other content is answered 409 idempotency_mismatch, and the desktop shows it failed with that
// reason in words (not the server's talk of client ids), never as sent.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { messageIdFor } from '../../src-shared/model';
import { signIn, startServer, type TestServer } from '../support/server';
import { eventually, signedIn, startDesktop } from '../support/desktop';

describe('a reused write id with other content', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer({ demo: { seed: 7, contacts: 40 }, sweepMs: 3_600_000 });
  });
  afterAll(() => server.stop());

  it('is shown failed with the reason in words, and the first write is what the server kept', async () => {
    const d = await startDesktop();
    await signedIn(d, server.url, 'agent1@demo.test');
    const contact = (await d.query('conversations', { inbox: 'mine', limit: 1 })).items[0];
    // Another copy of the app (same user) already used this id for another text.
    const reused = '3f0c8a52-6a4e-4b8e-9d0e-1c2b3a4d5e6f';
    const other = await signIn(server, 'agent1@demo.test');
    expect((await other.post(`/api/v1/contacts/${contact.id}/messages`, { client_id: reused, text: 'the first text' })).status).toBe(201);
    (d.service as unknown as { outbox: { newClientId: () => string } }).outbox.newClientId = () => reused;

    const { client_id } = await d.command('sendMessage', { contact_id: contact.id, text: 'a different text' });
    expect(client_id).toBe(reused);
    await eventually(async () => (await d.query('outbox')).some((o) => o.client_id === reused && o.state === 'failed'), 5000, 'failed');
    const item = (await d.query('outbox')).find((o) => o.client_id === reused)!;
    expect(item.error).toMatch(/^Not applied: the server had already received a different change/);
    expect(item.error).not.toMatch(/client_id/);
    // The server kept the first text; the desktop does not claim the second was sent.
    const id = await messageIdFor(d.service.session().user!.id, reused);
    const kept = (await other.get(`/api/v1/contacts/${contact.id}/messages?limit=50`)).body.items.find((m: { id: string }) => m.id === id);
    expect(kept.text).toBe('the first text');
    await d.stop();
  });
});
