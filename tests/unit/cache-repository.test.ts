// The cache is one repository: entities are read and written by get/put/delete, which keep the
// full-text tables right; no other folder of the desktop core writes SQL; a slow query is logged
// by its name, once, and never with what it was asked (a search may hold what a contact wrote).
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Cache } from '../../src-main/core/cache/cache';
import * as q from '../../src-main/core/cache/queries';

let dir: string;
let cache: Cache;
let logged: string[];
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'ism-repo-'));
  logged = [];
  cache = Cache.open(join(dir, 'c.sqlite'), { log: (m) => logged.push(m), slowQueryMs: 0 });
});
afterEach(() => {
  cache.close();
  rmSync(dir, { recursive: true, force: true });
});

const contact = {
  id: 'c1',
  name: 'Zoë Parcelle',
  phone: '+4470',
  email: null,
  channel_id: 'ch',
  assignee_id: null,
  status: 'open',
  conversation_id: null,
  last_activity_at: 1,
  last_message: null,
  last_message_direction: null,
  created_at: 1,
};
const message = (id: string, text: string) => ({
  id,
  contact_id: 'c1',
  conversation_id: 'v1',
  direction: 'incoming',
  text,
  status: 'delivered',
  fail_reason: null,
  author_id: null,
  created_at: 1,
});
const found = (text: string) => q.search(cache, text, 10).value();

describe('the cache repository', () => {
  it('get answers what put wrote, and search finds what put wrote and not what delete took', () => {
    cache.entities.put('contact', contact);
    cache.entities.put('message', message('m1', 'where is my parcel'));
    cache.entities.put('message', message('m2', 'the parcel arrived'));
    expect(cache.entities.get('contact', 'c1')?.name).toBe('Zoë Parcelle');
    expect(
      found('parcel')
        .messages.map((m) => m.message.id)
        .sort(),
    ).toEqual(['m1', 'm2']);

    cache.entities.delete('message', 'm2');
    expect(cache.entities.get('message', 'm2')).toBeNull();
    expect(found('parcel').messages.map((m) => m.message.id)).toEqual(['m1']);
    // Nothing of its text is left to be found: not in the index, not under the next message's row.
    cache.entities.put('message', message('m3', 'thanks'));
    expect([found('arrived').messages, cache.all("SELECT rowid FROM messages_fts WHERE messages_fts MATCH 'arrived'")]).toEqual([[], []]);

    // A contact renamed is found by its new name only.
    cache.entities.put('contact', { ...contact, name: 'Ann Other' });
    expect([found('zoe').contacts.length, found('ann').contacts.length]).toEqual([0, 1]);
    // Deleting a contact takes everything of it, its messages' search entries too.
    cache.entities.delete('contact', 'c1');
    expect([cache.entities.get('contact', 'c1'), found('parcel').messages, found('ann').contacts]).toEqual([null, [], []]);
  });

  it('logs a slow query by its name, once, without what it was asked', () => {
    cache.entities.put('contact', contact);
    const secret = 'my card number is 4970';
    for (let i = 0; i < 3; i++) cache.timed('search', () => found(secret));
    expect(logged).toHaveLength(1);
    expect(logged[0]).toMatch(/^slow cache query: search took \d+ ms$/);
    expect(logged.join('\n')).not.toContain('4970');
  });

  it('is the only place of the desktop core that writes SQL', () => {
    const core = join(import.meta.dirname, '../../src-main');
    const files = (function walk(d: string): string[] {
      return readdirSync(d).flatMap((f) => (statSync(join(d, f)).isDirectory() ? walk(join(d, f)) : f.endsWith('.ts') ? [join(d, f)] : []));
    })(core);
    const sql = /\b(SELECT\s+[\w*]|INSERT INTO|UPDATE \w+ SET|DELETE FROM|CREATE TABLE)/;
    const outside = files.filter((f) => !relative(core, f).startsWith(join('core', 'cache')) && sql.test(readFileSync(f, 'utf8')));
    expect(outside.map((f) => relative(core, f))).toEqual([]);
  });
});
