// Webhooks cannot be aimed at the server's own network: without --allow-private-webhooks an endpoint
// on loopback, a private range, the cloud metadata address or a name resolving to loopback is refused
// when added, and a delivery whose address turns private later (a name that changed) is refused at
// sending, after DNS, with nothing reaching the receiver.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clientId, inbound, signIn, startServer, type ApiClient, type TestServer } from '../support/server';
import { WebhookReceiver } from '../support/webhook-receiver';
import { isRefusedAddress } from '../../src-server/webhooks/safe-request';

/** Where no DNS answers for a public name (a machine without a network), the endpoint is written as the add would. */
async function addedBehindTheChecks(server: TestServer, ownerId: string): Promise<string> {
  await server.store.write(async (tx) => {
    await tx.run(
      "INSERT INTO webhook_endpoints (id, url, events, signing_key, state, created_by, created_at) VALUES ('wh_later', 'https://hooks.example.com/in', '[\"message.received\"]', 'whsec_x', 'active', ?, ?)",
      [ownerId, tx.now],
    );
    await tx.run("INSERT INTO feed_cursors (name, position) VALUES ('webhook:wh_later', (SELECT MAX(seq) FROM changes))");
  });
  return 'wh_later';
}

describe('webhook requests and the server’s own network', () => {
  let server: TestServer;
  let owner: ApiClient;
  beforeAll(async () => {
    server = await startServer({ allowPrivateWebhooks: false });
    owner = await signIn(server, 'owner@demo.test');
  });
  afterAll(async () => {
    await server?.stop();
  });

  for (const url of [
    'http://127.0.0.1:9/hook',
    'http://10.0.0.1/hook',
    'http://169.254.169.254/latest/meta-data',
    'http://localhost:9/hook',
    'http://[::1]:9/hook',
  ]) {
    it(`refuses ${url} in words`, async () => {
      const r = await owner.post('/api/v1/webhooks', { client_id: clientId(), url, events: ['message.received'] });
      expect(r.status).toBe(400);
      expect(r.body.code).toBe('invalid_request');
      expect(r.body.message).toMatch(/^This URL cannot receive webhooks: .*private or reserved address\.$/);
    });
  }

  it('knows the ranges and their IPv6 forms', () => {
    for (const a of [
      '100.64.0.1',
      '172.16.5.4',
      '192.168.1.1',
      '0.0.0.0',
      '::ffff:127.0.0.1',
      '::ffff:a9fe:a9fe',
      '64:ff9b::a00:1',
      'fd00:ec2::254',
      'fe80::1',
    ])
      expect(isRefusedAddress(a), a).toBe(true);
    for (const a of ['93.184.215.14', '2606:4700:4700::1111', '8.8.8.8']) expect(isRefusedAddress(a), a).toBe(false);
  });

  it('refuses at sending an address that became private, and the receiver gets nothing', async () => {
    const receiver = await WebhookReceiver.start();
    try {
      // An endpoint added while its name pointed elsewhere, whose name now resolves to this machine (a DNS change).
      const added = await owner.post('/api/v1/webhooks', { client_id: clientId(), url: 'https://hooks.example.com/in', events: ['message.received'] });
      const endpointId = added.status === 201 ? (added.body.endpoint.id as string) : await addedBehindTheChecks(server, owner.userId);
      await server.store.write((tx) =>
        tx.run('UPDATE webhook_endpoints SET url = ? WHERE id = ?', [receiver.url.replace('127.0.0.1', 'localhost'), endpointId]),
      );
      expect((await inbound(server, 'ssrf-later', 'hello')).status).toBe(200);
      const end = Date.now() + 10_000;
      let log: { status: string; error: string | null }[] = [];
      while (Date.now() < end && log[0]?.status !== 'failed') log = (await owner.get(`/api/v1/webhooks/${endpointId}/deliveries`)).body.items;
      expect(log[0]).toMatchObject({ status: 'failed' });
      expect(log[0].error).toMatch(/^refused: localhost resolves to (127\.0\.0\.1|::1), a private or reserved address$/);
      expect(receiver.received).toEqual([]);
    } finally {
      await receiver.close();
    }
  });
});
