// Message and contact search find exactly what FTS5 finds for the query (newest first), however the
// words split between common starts and rare endings, accents and case included.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Cache } from '../../src-main/core/cache/cache';
import * as q from '../../src-main/core/cache/queries';
import { CONTACT_TEXT, ftsQuery, MESSAGE_TEXT, newestMatching } from '../../src-main/core/cache/text-search';

const VOCABULARY = [
  'question',
  'questions',
  'questionnaire',
  'quest',
  'queue',
  'quota',
  'price',
  'priceless',
  'prix',
  'Été',
  'ete',
  'été-2',
  'refund',
  'r',
  '7',
  '77',
  '770',
  '7712',
  'a1',
  'ǅemal',
];
let seed = 11;
const rnd = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)];

let dir: string;
let cache: Cache;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'ism-search-'));
  cache = Cache.open(join(dir, 'c.sqlite'));
  cache.tx(() => {
    for (let i = 0; i < 3000; i++) {
      // Most messages hold the common word; the rest of the words are drawn at random.
      const text = [rnd() < 0.9 ? 'question' : 'other', ...Array.from({ length: 1 + Math.floor(rnd() * 4) }, () => pick(VOCABULARY))].join(' ');
      cache.entities.put('message', {
        id: `m${i}`,
        contact_id: `c${i % 50}`,
        conversation_id: 'v',
        direction: 'incoming',
        text,
        status: 'delivered',
        fail_reason: null,
        author_id: null,
        created_at: i,
      });
      // Most contacts' names hold the common word too, and their phone and email some others.
      if (i % 3 === 0)
        cache.entities.put('contact', {
          id: `c${i}`,
          name: [rnd() < 0.9 ? 'Question' : 'Other', pick(VOCABULARY)].join(' '),
          phone: rnd() < 0.5 ? `+44 ${pick(VOCABULARY)}` : null,
          email: rnd() < 0.5 ? `${pick(VOCABULARY)}@example.com` : null,
          channel_id: 'ch',
          assignee_id: null,
          status: 'open',
          conversation_id: null,
          last_activity_at: i,
          last_message: null,
          last_message_direction: null,
          created_at: i,
        });
    }
  });
});
afterAll(() => {
  cache.close();
  rmSync(dir, { recursive: true, force: true });
});

const byFts5 = (table: string, text: string, limit: number) =>
  cache.all<{ rowid: number }>(`SELECT rowid FROM ${table} WHERE ${table} MATCH ? ORDER BY rowid DESC LIMIT ?`, ftsQuery(text), limit).map((r) => r.rowid);

describe('message and contact search', () => {
  it("answers FTS5's own newest matches for every kind of query", () => {
    const queries = [
      'question 77',
      'questionnaire',
      'QUEST',
      'ete',
      'Été 2',
      'q',
      'pri 7',
      'priceless question',
      'quota 7712 question',
      'a1',
      'dzemal',
      'ǅem',
      'nothing-like-it',
      'question example',
      '44 refund',
    ];
    for (let i = 0; i < 150; i++)
      queries.push(Array.from({ length: 1 + Math.floor(rnd() * 3) }, () => pick(VOCABULARY).slice(0, 1 + Math.floor(rnd() * 8))).join(' '));
    for (const t of [MESSAGE_TEXT, CONTACT_TEXT])
      for (const q of queries)
        for (const limit of [1, 7, 50]) expect(newestMatching(cache, t, q, limit), `${t.fts}: ${q} (${limit})`).toEqual(byFts5(t.fts, q, limit));
  });

  it('leaves no text in its scratch tables', () => {
    for (const t of [MESSAGE_TEXT, CONTACT_TEXT]) {
      newestMatching(cache, t, 'question 77', 10);
      expect(cache.all(`SELECT rowid FROM temp.${t.scratch}`)).toEqual([]);
    }
  });
});

describe('contact search over many contacts', () => {
  it('finds one by a word every contact holds and a rare one about as fast as by the rare word alone', () => {
    const many = Cache.open(join(dir, 'many.sqlite'));
    // 20,000 contacts named "Contact N", written straight into the tables (search reads nothing else).
    many.run(`WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 19999)
      INSERT INTO contacts (id, status, last_activity_at, data) SELECT 'c_' || i, 'open', i, json_object('id', 'c_' || i, 'name', 'Contact ' || i) FROM n`);
    many.run("INSERT INTO contacts_fts (rowid, name, phone, email) SELECT rowid, data->>'name', '', '' FROM contacts");
    const found = (text: string) =>
      q
        .search(many, text, 50)
        .value()
        .contacts.map((c) => c.id);
    expect(found('Contact 4242')).toEqual(['c_4242']);
    // CPU, not wall time (the machine may be busy with other work), in turns so that warming up weighs on both alike.
    const times: [number[], number[]] = [[], []];
    for (let round = 0; round < 25; round++)
      ['Contact 4242', '4242'].forEach((text, i) => {
        const t0 = process.cpuUsage();
        found(text);
        const t = process.cpuUsage(t0);
        if (round >= 5) times[i].push(t.user + t.system);
      });
    const [both, rare] = times.map((xs) => xs.sort((a, b) => a - b)[xs.length >> 1]);
    many.close();
    expect(both).toBeLessThan(4 * rare);
  });
});
