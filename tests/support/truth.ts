// What a user may see, two ways: through the REST API (a path independent of the feed) and in a
// desktop's cache. A cache has converged when the two are equal.
import type { ApiClient } from './server';
import type { TestDesktop } from './desktop';
import type { Contact } from '../../src-shared/model';

/** Every contact the REST API lets this user see, page after page. */
export async function allContacts(c: ApiClient): Promise<Contact[]> {
  const contacts: Contact[] = [];
  let cursor: string | null = null;
  do {
    const r: { body: { items: Contact[]; next_cursor: string | null } } = await c.get(`/api/v1/contacts?limit=200${cursor ? `&cursor=${cursor}` : ''}`);
    contacts.push(...r.body.items);
    cursor = r.body.next_cursor;
  } while (cursor);
  return contacts;
}

/** Everything the REST API (an independent path from the feed) says this user may see. */
export async function serverTruth(c: ApiClient) {
  const contacts = await allContacts(c);
  const messages: Record<string, string[]> = {};
  const comments: Record<string, string[]> = {};
  for (const contact of contacts) {
    messages[contact.id] = ((await c.get(`/api/v1/contacts/${contact.id}/messages?limit=500`)).body.items as { id: string; status: string }[])
      .map((m) => `${m.id}:${m.status}`)
      .sort();
    comments[contact.id] = ((await c.get(`/api/v1/contacts/${contact.id}/comments?limit=500`)).body.items as { id: string }[]).map((m) => m.id).sort();
  }
  const notifications = ((await c.get('/api/v1/notifications?tab=all&limit=200')).body.items as { id: string; read_at: number | null; count: number }[])
    .map((n) => `${n.id}:${n.read_at !== null}:${n.count}`)
    .sort();
  return { contacts: contacts.map((x) => JSON.stringify(x)).sort(), messages, comments, notifications };
}

export function cacheState(d: TestDesktop) {
  const cache = d.service.cache!;
  const contacts = cache
    .all<{ data: string }>('SELECT data FROM contacts')
    .map((r) => JSON.stringify(JSON.parse(r.data)))
    .sort();
  const messages: Record<string, string[]> = {};
  const comments: Record<string, string[]> = {};
  for (const c of cache.all<{ id: string }>('SELECT id FROM contacts')) {
    messages[c.id] = cache
      .all<{ data: string }>('SELECT data FROM messages WHERE contact_id = ?', c.id)
      .map((r) => JSON.parse(r.data))
      .map((m: { id: string; status: string }) => `${m.id}:${m.status}`)
      .sort();
    comments[c.id] = cache
      .all<{ id: string }>('SELECT id FROM comments WHERE contact_id = ?', c.id)
      .map((r) => r.id)
      .sort();
  }
  const notifications = cache
    .all<{ data: string }>('SELECT data FROM notifications')
    .map((r) => JSON.parse(r.data))
    .map((n: { id: string; read_at: number | null; count: number }) => `${n.id}:${n.read_at !== null}:${n.count}`)
    .sort();
  return { contacts, messages, comments, notifications };
}
