// What the user was writing and where they were: kept in the cache (private to this user, wiped at
// sign-out, a lost contact's draft goes with it), so a reload or a restart picks up where they left.
import { Draft, Place } from '../../../src-shared/desktop/api';
import type { Sql } from './sql';

/** What of the cache this needs (cache.ts calls forgetLostContacts, so it is not imported here). */
interface Cache extends Sql {
  getMeta(key: string): string | null;
  setMeta(key: string, value: string | null): void;
  readonly entities: { get(entity: 'contact', id: string): unknown };
}

const PLACE_KEY = 'place';

export function drafts(cache: Cache): Draft[] {
  // Only drafts of contacts still in the cache (a contact removed meanwhile takes its draft along).
  return cache.all<{ data: string }>('SELECT d.data FROM drafts d JOIN contacts c ON c.id = d.contact_id ORDER BY d.updated_at DESC').flatMap((r) => {
    const d = Draft.safeParse(JSON.parse(r.data));
    return d.success ? [d.data] : [];
  });
}

/** Keeps the draft; an empty one (no text, no mentions) is deleted, so nothing stays behind. */
export function saveDraft(cache: Cache, draft: Draft, now: number): void {
  if (!draft.text.trim() && draft.mentions.length === 0) {
    cache.run('DELETE FROM drafts WHERE contact_id = ?', draft.contact_id);
    return;
  }
  // A contact this user cannot see (any more) keeps no draft.
  if (!cache.entities.get('contact', draft.contact_id)) return;
  cache.run(
    'INSERT INTO drafts (contact_id, updated_at, data) VALUES (?, ?, ?) ON CONFLICT (contact_id) DO UPDATE SET updated_at = excluded.updated_at, data = excluded.data',
    draft.contact_id,
    now,
    JSON.stringify(draft),
  );
}

export function place(cache: Cache): Place | null {
  const raw = cache.getMeta(PLACE_KEY);
  if (!raw) return null;
  const p = Place.safeParse(JSON.parse(raw));
  if (!p.success) return null;
  // The conversation may have gone since (reassigned away, restricted): the place without it.
  return p.data.contact_id && !cache.entities.get('contact', p.data.contact_id) ? { ...p.data, contact_id: null } : p.data;
}

export function savePlace(cache: Cache, p: Place): void {
  cache.setMeta(PLACE_KEY, JSON.stringify(p));
}

/**
 * Drops the drafts of contacts no longer in the cache, and the last place when it was one of them
 * (after a removal, or a rebuild that no longer brought them): no trace of a lost contact stays.
 */
export function forgetLostContacts(cache: Pick<Cache, 'run'>, contactId?: string): void {
  if (contactId) cache.run('DELETE FROM drafts WHERE contact_id = ?', contactId);
  else cache.run('DELETE FROM drafts WHERE contact_id NOT IN (SELECT id FROM contacts)');
  cache.run(
    `UPDATE meta SET value = json_set(value, '$.contact_id', NULL)
     WHERE key = ? AND value->>'contact_id' IS NOT NULL AND ${contactId ? "value->>'contact_id' = ?" : "value->>'contact_id' NOT IN (SELECT id FROM contacts)"}`,
    PLACE_KEY,
    ...(contactId ? [contactId] : []),
  );
}
