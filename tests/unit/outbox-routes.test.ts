// The outbox queues routes of the HTTP contract: a write that does not fit its route's schemas is
// refused when queued (nothing stored, nothing shown), and a path queued by an older version is read
// back as its route and parameters.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Cache } from '../../src-main/core/cache/cache';
import { Outbox } from '../../src-main/core/outbox/outbox';
import { routeOfOldWrite } from '../../src-main/core/outbox/queued-routes';
import { ServerApi } from '../../src-main/core/sync/server-api';

let dir: string;
let cache: Cache;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'ism-outbox-'));
  cache = Cache.open(join(dir, 'c.sqlite'));
});
afterEach(() => {
  cache.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('the outbox on the route table', () => {
  it('refuses a write that does not fit its route when it is queued, and keeps nothing of it', () => {
    // Never online: nothing is sent anywhere.
    const outbox = new Outbox(cache, new ServerApi('http://127.0.0.1:9'));
    const message = {
      id: 'm1',
      contact_id: 'c1',
      conversation_id: 'v1',
      direction: 'outgoing',
      text: '',
      status: 'pending',
      fail_reason: null,
      author_id: 'u1',
      created_at: 1,
    };
    const queue = (body: Record<string, unknown>) =>
      outbox.enqueue({
        clientId: outbox.newClientId(),
        route: 'sendMessage',
        params: { id: 'c1' },
        body: body as { text: string },
        contactId: 'c1',
        optimistic: [{ entity: 'message', id: 'm1', data: message }],
      });
    expect(() => queue({ text: '   ' })).toThrow(/sendMessage write does not fit the route's body: text must not be empty/);
    expect(() => queue({ text: 'hi', sent_by: 'someone' })).toThrow(/does not fit the route's body/);
    expect([outbox.items(), cache.entities.get('message', 'm1')]).toEqual([[], null]);
    queue({ text: 'hello' });
    expect(outbox.items().map((i) => [i.kind, i.text, i.state, i.deliverable])).toEqual([['message', 'hello', 'pending', true]]);
  });

  it("reads an older version's hand-built path as the route of its kind and its parameters", () => {
    expect(routeOfOldWrite('message', '/api/v1/contacts/c%2F1/messages')).toEqual({ route: 'sendMessage', params: { id: 'c/1' } });
    expect(routeOfOldWrite('notification_archive', '/api/v1/notifications/n1/archive')).toEqual({ route: 'archiveNotification', params: { id: 'n1' } });
    expect(routeOfOldWrite('notification_archive_all', '/api/v1/notifications/archive-all')).toEqual({ route: 'archiveAllNotifications', params: {} });
    // A lost contact's write had its path emptied; a path of another route has no address here.
    expect(routeOfOldWrite('assign', '')).toEqual({ route: 'assign', params: null });
    expect(routeOfOldWrite('assign', '/api/v1/contacts/c1/close')).toEqual({ route: 'assign', params: null });
  });
});
