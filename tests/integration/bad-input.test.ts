// Bad input, thrown at every route of the route table (so a new route is covered without touching
// this file): the server never answers 500, every rejection is a JSON {code, message} with the status
// that code stands for, nothing is written by a rejected request, and the server keeps serving.
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { z } from 'zod';
import { routes, type RouteDef } from '../../src-shared/api/routes';
import { ApiErrorBody, STATUS_OF } from '../../src-shared/api/errors';
import { MESSAGE_MAX_CHARS, COMMENT_MAX_CHARS } from '../../src-shared/model';
import { STREAM_PATH, StreamClose } from '../../src-shared/sync/changes';
import { signBody } from '../../src-server/workspace/ingest';
import { clientId, inbound, signIn, startServer, type ApiClient, type TestServer } from '../support/server';

// ---------------------------------------------------------------------------------------------
// Talking to the server without the niceties of ApiClient: any method, raw bodies, raw headers.

interface RawAnswer {
  status: number;
  contentType: string;
  text: string;
  json: unknown;
  isJson: boolean;
}

async function raw(
  baseUrl: string,
  method: string,
  path: string,
  opts: { body?: string | Uint8Array; headers?: Record<string, string> } = {},
): Promise<RawAnswer> {
  const res = await fetch(baseUrl + path, { method, headers: opts.headers ?? {}, body: opts.body });
  const text = await res.text();
  let json: unknown = undefined;
  let isJson = false;
  try {
    json = JSON.parse(text);
    isJson = true;
  } catch {
    /* not JSON */
  }
  return { status: res.status, contentType: res.headers.get('content-type') ?? '', text, json, isJson };
}

type Expect = number | number[] | 'any';

/** What is wrong with an answer, or null when it is what a client may rely on. */
function problem(a: RawAnswer, expected: Expect): string | null {
  if (a.status >= 500) return `answered ${a.status}: ${a.text.slice(0, 200)}`;
  if (expected !== 'any') {
    const allowed = Array.isArray(expected) ? expected : [expected];
    if (!allowed.includes(a.status)) return `answered ${a.status}, expected ${allowed.join(' or ')}: ${a.text.slice(0, 200)}`;
  }
  if (!a.isJson) return `answered ${a.status} with a body that is not JSON: ${a.text.slice(0, 200)}`;
  if (a.status >= 400) {
    if (!a.contentType.includes('application/json')) return `error answer has content-type ${a.contentType}`;
    const body = ApiErrorBody.strict().safeParse(a.json);
    if (!body.success) return `error answer is not {code, message}: ${a.text.slice(0, 200)}`;
    if (STATUS_OF[body.data.code] !== a.status) return `code ${body.data.code} came with status ${a.status}`;
    if (!body.data.message.trim()) return 'error answer has an empty message';
  }
  return null;
}

// ---------------------------------------------------------------------------------------------
// Valid inputs generated from the route's own schemas, and the paths of their fields.

type Zod = z.ZodType;
const defOf = (s: Zod) => (s as unknown as { _zod: { def: Record<string, any> } })._zod.def;

const STRING_CANDIDATES = ['abcdefgh-1234', 'user@example.test', 'Valid text 123', 'all', 'a'];

/** A small value the schema accepts, with only the required fields (undefined where none is found). */
function sample(s: Zod, uniq: string, key?: string): unknown {
  const def = defOf(s);
  switch (def.type) {
    case 'optional':
    case 'default':
    case 'prefault':
      return undefined;
    case 'nullable':
    case 'readonly':
    case 'nonoptional':
      return sample(def.innerType, uniq, key);
    case 'pipe':
      return sample(def.in, uniq, key);
    case 'object': {
      const o: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(def.shape as Record<string, Zod>)) {
        const x = sample(v, uniq, k);
        if (x !== undefined) o[k] = x;
      }
      return o;
    }
    case 'string': {
      const candidates = key === 'client_id' ? [`bad-input-${uniq}`, ...STRING_CANDIDATES] : STRING_CANDIDATES;
      return candidates.find((c) => s.safeParse(c).success);
    }
    case 'number':
      return [1, 0, 1000].find((n) => s.safeParse(n).success);
    case 'boolean':
      return true;
    case 'enum':
      return Object.values(def.entries as Record<string, unknown>)[0];
    case 'literal':
      return (def.values as unknown[])[0];
    case 'array':
      return [];
    case 'record':
      return {};
    case 'union':
      for (const o of def.options as Zod[]) {
        const x = sample(o, uniq, key);
        if (o.safeParse(x).success) return x;
      }
      return undefined;
    default:
      return undefined;
  }
}

/** Samples the generator cannot find (cross-field rules), by route name. */
const SAMPLE_OVERRIDES: Record<string, { query?: Record<string, string>; body?: Record<string, unknown> }> = {
  reportUsers: { query: { from: '0', to: '1000' } },
  updateAlertRules: {
    body: {
      client_id: 'sample-client-id',
      open_too_long_minutes: 60,
      first_response_minutes: null,
      unassigned_minutes: null,
      business_hours: { days: [1], from: '09:00', to: '17:00', time_zone: 'UTC' },
    },
  },
  reportLeaderboard: { query: { metric: 'messages_sent', from: '0', to: '1000' } },
  addWebhook: { body: { client_id: 'bad-input-addWebhook', url: 'http://127.0.0.1:9/hook', events: ['contact.created'] } },
};

function objectShape(s: Zod): Record<string, Zod> | null {
  const def = defOf(s);
  if (def.type === 'object') return def.shape as Record<string, Zod>;
  if (['optional', 'nullable', 'default', 'prefault', 'readonly', 'nonoptional'].includes(def.type)) return objectShape(def.innerType);
  if (def.type === 'pipe') return objectShape(def.in);
  return null;
}

/** Every field path of an object schema (nested objects too), e.g. ['sender', 'id']. */
function fieldPaths(s: Zod, prefix: string[] = []): string[][] {
  const shape = objectShape(s);
  if (!shape || prefix.length >= 3) return [];
  return Object.entries(shape).flatMap(([k, v]) => [[...prefix, k], ...fieldPaths(v, [...prefix, k])]);
}

function withField(obj: unknown, path: string[], value: unknown, remove = false): Record<string, unknown> {
  const out = structuredClone(obj ?? {}) as Record<string, unknown>;
  let at = out;
  for (const k of path.slice(0, -1)) {
    if (typeof at[k] !== 'object' || at[k] === null || Array.isArray(at[k])) at[k] = {};
    at = at[k] as Record<string, unknown>;
  }
  const last = path[path.length - 1];
  if (remove) delete at[last];
  else at[last] = value;
  return out;
}

/** The query object Fastify hands the validator: repeated keys become arrays. */
function parsedQuery(qs: string): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [k, v] of new URLSearchParams(qs)) {
    const prev = out[k];
    out[k] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v];
  }
  return out;
}
const toQs = (q: Record<string, string>) =>
  Object.entries(q)
    .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`)
    .join('&');

// ---------------------------------------------------------------------------------------------
// Malformed values.

const BAD_JSON_VALUES: unknown[] = [
  null,
  0,
  -1,
  1.5,
  -0.5,
  1e308,
  2 ** 53 + 1,
  true,
  false,
  '',
  '   ',
  'x'.repeat(10_000),
  'x'.repeat(100_000),
  [],
  ['a'],
  {},
  { $gt: '' },
  '../../etc/passwd',
  '\u0000',
  'a\u0000b',
  'ключ 🙂 \u202e',
  '<script>alert(1)</script>',
  'NaN',
  '-1',
  'null',
  '%00',
  '{{@user.x}}',
  'short',
  'has space in it',
];

const BAD_QUERY_VALUES = [
  '',
  ' ',
  '-1',
  '0',
  'NaN',
  '1.5',
  '-0.5',
  '1e309',
  'Infinity',
  '-Infinity',
  '0x10',
  '99999999999999999999',
  'abc',
  'true',
  'null',
  '[]',
  '{"$gt":""}',
  'x'.repeat(10_000),
  '\u0000',
  '../../etc/passwd',
  'ключ 🙂',
  '<script>',
  '%00',
];

/** Cursors no server page ever gave: always 400. */
const BAD_CURSORS = ['abc', '!!!', '1:../x', '12345678901234567:x', 'a'.repeat(201), `1:${'x'.repeat(65)}`, '-1:x', '1:x:y', '../../etc/passwd', '%00'];

/** Path ids (as they appear in the URL) and the status each must get. */
const BAD_IDS: { raw: string; expect: Expect }[] = [
  { raw: '..%2F..%2Fetc%2Fpasswd', expect: [400, 404] },
  { raw: '%00', expect: 400 },
  { raw: 'a%00b', expect: 400 },
  { raw: encodeURIComponent('ключ'), expect: 400 },
  { raw: encodeURIComponent('🙂'), expect: 400 },
  { raw: encodeURIComponent('\u202e'), expect: 400 },
  { raw: 'x'.repeat(65), expect: 400 },
  { raw: 'x'.repeat(10_000), expect: [400, 404] },
  { raw: '%20', expect: 400 },
  { raw: encodeURIComponent("1' OR '1'='1"), expect: 400 },
  { raw: encodeURIComponent('1; DROP TABLE contacts'), expect: 400 },
  { raw: '%25', expect: 400 },
  { raw: 'a.b', expect: 400 },
  { raw: '%', expect: [400, 404] },
  { raw: '%E0%A4%A', expect: [400, 404] },
  { raw: '..', expect: [400, 404] },
  { raw: '%2e%2e', expect: [400, 404] },
  { raw: 'no_such_thing_404', expect: 404 },
];

const BAD_AUTH = (signedOut: string, valid: string): { label: string; value: string | null }[] => [
  { label: 'no Authorization', value: null },
  { label: 'empty', value: '' },
  { label: 'Bearer only', value: 'Bearer' },
  { label: 'Bearer space', value: 'Bearer ' },
  { label: 'short token', value: 'Bearer abc' },
  { label: 'unknown token', value: `Bearer ${'A'.repeat(43)}` },
  { label: 'huge token', value: `Bearer ${'a'.repeat(10_000)}` },
  { label: 'odd characters', value: 'Bearer ../../etc/passwd%00' },
  { label: 'Basic scheme', value: `Basic ${Buffer.from('owner@demo.test:demo-password').toString('base64')}` },
  { label: 'token scheme', value: `Token ${valid}` },
  { label: 'token plus garbage', value: `Bearer ${valid} extra` },
  { label: 'token twice', value: `Bearer ${valid}, Bearer ${valid}` },
  { label: 'signed-out token', value: `Bearer ${signedOut}` },
];

// ---------------------------------------------------------------------------------------------

interface Case {
  label: string;
  method: string;
  path: string;
  body?: string | Uint8Array;
  headers: Record<string, string>;
  expect: Expect;
}

async function runCases(baseUrl: string, cases: Case[], concurrency = 12): Promise<string[]> {
  const failures: string[] = [];
  let next = 0;
  const worker = async () => {
    while (next < cases.length) {
      const c = cases[next++];
      let a: RawAnswer;
      try {
        a = await raw(baseUrl, c.method, c.path, { body: c.body, headers: c.headers });
      } catch (err) {
        failures.push(`${c.label}: request failed: ${(err as Error).message}`);
        continue;
      }
      const p = problem(a, c.expect);
      if (p) failures.push(`${c.label} (${c.method} ${c.path.slice(0, 120)}): ${p}`);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return failures;
}

const routeList = Object.entries(routes) as [string, RouteDef][];
/** Stands for the scratch session's current token in sign-out cases. */
const SCRATCH = 'SCRATCH_TOKEN_PLACEHOLDER';
/** Routes that end the session they are called with (sign-out, and sign-out everywhere). */
const ENDS_SESSION = new Set(['signOut', 'signOutEverywhere']);

describe('every route of the route table, given malformed input', () => {
  let server: TestServer;
  let owner: ApiClient;
  let manager: ApiClient;
  let agent: ApiClient;
  /** Signs in and out again for each case that succeeds (sign-out is a route under test too). */
  let scratch: ApiClient;
  let signedOutToken: string;
  let realIds: Record<string, string>;

  beforeAll(async () => {
    server = await startServer({ sweepMs: 3_600_000, signInLimit: { perIp: 10_000, perEmail: 1_000, windowMs: 60_000 } });
    owner = await signIn(server, 'owner@demo.test');
    manager = await signIn(server, 'manager@demo.test');
    agent = await signIn(server, 'agent1@demo.test');
    scratch = await signIn(server, 'manager2@demo.test');
    const gone = await signIn(server, 'agent2@demo.test');
    signedOutToken = gone.token!;
    expect((await gone.post('/api/v1/auth/sign-out')).status).toBe(200);
    const contact = (await owner.get('/api/v1/contacts?limit=1')).body.items[0];
    realIds = {
      '/api/v1/users/': manager.userId,
      '/api/v1/contacts/': contact.id,
      '/api/v1/channels/': server.demo!.channel.id,
    };
  });
  afterAll(() => server.stop());

  /** A real id for GET routes (so queries reach the code that reads them); a missing one for writes. */
  const idFor = (def: RouteDef): string => {
    const prefix = def.path.slice(0, def.path.indexOf(':'));
    if (def.auth === 'signature' || def.method === 'GET') return realIds[prefix] ?? 'no_such_thing_404';
    return 'no_such_thing_404';
  };
  const pathWith = (def: RouteDef, id: string) => def.path.replace(/:[A-Za-z_]+/g, id);

  function casesFor(name: string, def: RouteDef): Case[] {
    const cases: Case[] = [];
    const token = ENDS_SESSION.has(name) ? SCRATCH : owner.token!;
    const auth: Record<string, string> = def.auth === 'session' ? { authorization: `Bearer ${token}` } : {};
    const baseQuery: Record<string, string> =
      SAMPLE_OVERRIDES[name]?.query ??
      Object.fromEntries(Object.entries((def.query ? sample(def.query, name) : {}) as Record<string, unknown>).map(([k, v]) => [k, String(v)]));
    const baseBody = SAMPLE_OVERRIDES[name]?.body ?? (def.body ? sample(def.body, name) : undefined);
    if (def.query) expect(def.query.safeParse(baseQuery).success, `${name}: no valid sample query; add one to SAMPLE_OVERRIDES`).toBe(true);
    if (def.body) expect(def.body.safeParse(baseBody).success, `${name}: no valid sample body; add one to SAMPLE_OVERRIDES`).toBe(true);

    const id = idFor(def);
    const url = (q: string, pathId = id) => pathWith(def, pathId) + (q ? `?${q}` : '');
    const qs = toQs(baseQuery);
    /** Headers for a JSON body: signed for the channel route, with the session otherwise. */
    const jsonHeaders = (rawBody: string, contentType = 'application/json'): Record<string, string> => ({
      ...auth,
      'content-type': contentType,
      ...(def.auth === 'signature' && { 'x-signature': signBody(server.demo!.channel.secret, rawBody) }),
    });
    const plain = (label: string, expectStatus: Expect, q = qs, pathId = id): Case => {
      const rawBody = baseBody === undefined ? undefined : JSON.stringify(baseBody);
      return {
        label,
        method: def.method,
        path: url(q, pathId),
        body: rawBody,
        headers: rawBody === undefined ? { ...auth } : jsonHeaders(rawBody),
        expect: expectStatus,
      };
    };
    const bodyCase = (label: string, rawBody: string, expectStatus: Expect, contentType?: string): Case => ({
      label,
      method: def.method,
      path: url(qs),
      body: rawBody,
      headers: jsonHeaders(rawBody, contentType),
      expect: expectStatus,
    });
    /** 400 when the schema rejects it; otherwise whatever the route answers, but never a 500. */
    const bodyOracle = (label: string, value: unknown) => {
      const rawBody = JSON.stringify(value);
      return bodyCase(label, rawBody, def.body!.safeParse(JSON.parse(rawBody)).success ? 'any' : 400);
    };
    const queryOracle = (label: string, q: string, fixed?: Expect) =>
      plain(label, fixed ?? (def.query ? (def.query.safeParse(parsedQuery(q)).success ? 'any' : 400) : 'any'), q);

    // Authorization: missing, garbage, ended.
    if (def.auth === 'session') {
      for (const a of BAD_AUTH(signedOutToken, owner.token!)) {
        const c = plain(`auth: ${a.label}`, 401);
        delete c.headers.authorization;
        if (a.value !== null) c.headers.authorization = a.value;
        cases.push(c);
      }
      // Roles: everyone else is refused.
      if (def.roles) {
        for (const [role, who] of [
          ['owner', owner],
          ['manager', manager],
          ['agent', agent],
        ] as const) {
          if (def.roles.includes(role)) continue;
          const c = plain(`role: ${role}`, 403);
          c.headers.authorization = `Bearer ${who.token}`;
          cases.push(c);
        }
      }
    }

    // Path ids with odd characters.
    if (def.params) for (const b of BAD_IDS) cases.push(plain(`id ${b.raw.slice(0, 30)}`, b.expect, qs, b.raw));

    // Query strings.
    if (def.query) {
      for (const path of fieldPaths(def.query)) {
        const key = path[0];
        for (const v of BAD_QUERY_VALUES) cases.push(queryOracle(`query ${key}=${JSON.stringify(v).slice(0, 30)}`, toQs({ ...baseQuery, [key]: v })));
        const without = { ...baseQuery };
        delete without[key];
        cases.push(queryOracle(`query without ${key}`, toQs(without)));
        cases.push(queryOracle(`query ${key} twice`, `${qs}&${encodeURIComponent(key)}=1&${encodeURIComponent(key)}=2`));
        if (key === 'cursor' && def.method === 'GET') {
          for (const cur of BAD_CURSORS) cases.push(queryOracle(`bad cursor ${cur.slice(0, 30)}`, toQs({ ...baseQuery, cursor: cur }), 400));
        }
      }
      cases.push(queryOracle('query with an unknown field', `${qs}&unexpected_field=1`));
    }
    // Malformed query strings on any route.
    if (!ENDS_SESSION.has(name)) {
      for (const q of ['%', '%%%', '=&=&', 'a[b]=1', `${qs}&%00=%00`]) cases.push(queryOracle(`raw query ${q.slice(0, 20)}`, q, 'any'));
    }

    // Bodies.
    if (def.body) {
      const base = baseBody as Record<string, unknown>;
      const b = JSON.stringify(base);
      cases.push({
        label: 'no body',
        method: def.method,
        path: url(qs),
        headers: { ...auth, ...(def.auth === 'signature' && { 'x-signature': signBody(server.demo!.channel.secret, '') }) },
        expect: 400,
      });
      cases.push(bodyCase('empty JSON body', '', 400));
      cases.push(bodyCase('null body', 'null', 400));
      cases.push(bodyCase('array body', '[]', 400));
      cases.push(bodyCase('array of the body', `[${b}]`, 400));
      cases.push(bodyCase('string body', '"hello"', 400));
      cases.push(bodyCase('number body', '42', 400));
      cases.push(bodyCase('boolean body', 'true', 400));
      cases.push(bodyCase('invalid JSON', '{"client_id":', 400));
      cases.push(bodyCase('trailing comma', b.replace(/}$/, ',}'), 400));
      cases.push(bodyCase('single quotes', b.replace(/"/g, "'"), 400));
      cases.push(bodyCase('NaN literal', '{"x": NaN}', 400));
      cases.push(bodyCase('deeply nested', '['.repeat(5000) + ']'.repeat(5000), 400));
      cases.push(bodyCase('text/plain', b, 400, 'text/plain'));
      cases.push(bodyCase('form encoded', 'client_id=abcdefgh&text=hi', 400, 'application/x-www-form-urlencoded'));
      cases.push(bodyCase('multipart', '--x\r\n\r\nhi\r\n--x--', 400, 'multipart/form-data; boundary=x'));
      cases.push(bodyCase('xml', '<a/>', 400, 'application/xml'));
      cases.push({ label: 'no content-type', method: def.method, path: url(qs), body: new TextEncoder().encode(b), headers: { ...auth }, expect: 400 });
      cases.push(bodyCase('over the limit', JSON.stringify({ ...base, pad: 'x'.repeat(300 * 1024) }), 413));
      cases.push(bodyOracle('empty object', {}));
      cases.push(bodyOracle('unknown field', { ...base, unexpected_field: 1 }));
      cases.push(
        bodyCase(
          '__proto__ field',
          `{"__proto__":{"polluted":true},${b.slice(1)}`,
          def.body.safeParse(JSON.parse(`{"__proto__":{"polluted":true},${b.slice(1)}`)).success ? 'any' : 400,
        ),
      );
      for (const path of fieldPaths(def.body)) {
        const at = path.join('.');
        cases.push(bodyOracle(`without ${at}`, withField(base, path, undefined, true)));
        for (const v of BAD_JSON_VALUES) cases.push(bodyOracle(`${at} = ${JSON.stringify(v).slice(0, 30)}`, withField(base, path, v)));
      }
    } else if (def.method !== 'GET') {
      // A route without a body still refuses a malformed one.
      cases.push(bodyCase('invalid JSON', '{"a":', 400));
      cases.push(bodyCase('text/plain', 'hello', 400, 'text/plain'));
    }
    return cases;
  }

  for (const [name, def] of routeList) {
    it(`${name}: ${def.method} ${def.path}`, async () => {
      const cases = casesFor(name, def);
      expect(cases.length).toBeGreaterThan(0);
      let failures: string[];
      if (ENDS_SESSION.has(name)) {
        // Each accepted sign-out ends the scratch session: run one at a time and sign in again.
        failures = [];
        for (const c of cases) {
          if (c.headers.authorization) c.headers.authorization = c.headers.authorization.replace(SCRATCH, scratch.token!);
          failures.push(...(await runCases(server.url, [c], 1)));
          if ((await scratch.get('/api/v1/me')).status === 401) scratch = await signIn(server, 'manager2@demo.test');
        }
      } else {
        failures = await runCases(server.url, cases);
      }
      expect(failures).toEqual([]);
      expect((await raw(server.url, 'GET', '/health')).status).toBe(200);
    });
  }

  it('answers 404 {code, message} for a method a path does not have', async () => {
    const methods = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'];
    const cases: Case[] = [];
    for (const [, def] of routeList) {
      const path = pathWith(def, 'no_such_thing_404');
      const has = routeList.filter(([, d]) => pathWith(d, 'no_such_thing_404') === path).map(([, d]) => d.method as string);
      for (const m of methods.filter((m) => !has.includes(m))) {
        cases.push({ label: `${m} ${def.path}`, method: m, path, headers: { authorization: `Bearer ${owner.token}` }, expect: 404 });
      }
    }
    cases.push({ label: 'unknown path', method: 'GET', path: '/api/v1/nope', headers: {}, expect: 404 });
    cases.push({ label: 'unknown version', method: 'GET', path: '/api/v2/me', headers: {}, expect: 404 });
    cases.push({ label: 'traversal', method: 'GET', path: '/api/v1/%2e%2e/%2e%2e/etc/passwd', headers: {}, expect: 404 });
    expect(await runCases(server.url, cases)).toEqual([]);
  });

  it('still serves afterwards: health, sign-in, reads and writes', async () => {
    expect((await raw(server.url, 'GET', '/health')).status).toBe(200);
    const fresh = await signIn(server, 'agent3@demo.test');
    expect((await fresh.get('/api/v1/me')).status).toBe(200);
    expect((await owner.get('/api/v1/me')).body.user.id).toBe(owner.userId);
    const contact = (await owner.get('/api/v1/conversations?inbox=all&status=open&limit=1')).body.items[0];
    const sent = await owner.post(`/api/v1/contacts/${contact.id}/messages`, { client_id: clientId(), text: 'Still here.' });
    expect(sent.status).toBe(201);
    expect((await owner.get(`/api/v1/contacts/${contact.id}/messages?limit=1`)).body.items[0].text).toBe('Still here.');
  });
});

describe('rejected writes change nothing; contact text is kept as sent', () => {
  let server: TestServer;
  let owner: ApiClient;
  let manager: ApiClient;
  let agent: ApiClient;
  let contactId: string;

  beforeAll(async () => {
    server = await startServer({ sweepMs: 3_600_000 });
    owner = await signIn(server, 'owner@demo.test');
    manager = await signIn(server, 'manager@demo.test');
    agent = await signIn(server, 'agent1@demo.test');
    contactId = (await agent.get('/api/v1/conversations?inbox=mine&status=open&limit=1')).body.items[0].id;
  });
  afterAll(() => server.stop());

  /** What a client could observe about the workspace (and the feed head, which moves on any write). */
  const snapshot = async () => ({
    head: await owner.head(),
    contact: (await owner.get(`/api/v1/contacts/${contactId}`)).body,
    thread: (await owner.get(`/api/v1/contacts/${contactId}/thread?limit=500`)).body,
    contacts: (await owner.get('/api/v1/contacts?limit=200')).body,
    users: (await owner.get('/api/v1/users')).body,
    teams: (await owner.get('/api/v1/teams')).body,
    workspace: (await owner.get('/api/v1/workspace')).body,
    inboxes: (await owner.get('/api/v1/custom-inboxes')).body,
    agentNotifications: (await agent.get('/api/v1/notifications?tab=all&limit=200')).body,
    managerNotifications: (await manager.get('/api/v1/notifications?tab=all&limit=200')).body,
  });

  it('a batch of rejected writes leaves every list, count, thread and the feed exactly as they were', async () => {
    const before = await snapshot();
    expect(before.thread.items.length).toBeGreaterThan(0);
    const messagesBefore = before.thread.items.filter((i: { type: string }) => i.type === 'message').length;
    const c = `/api/v1/contacts/${contactId}`;
    const json = (x: unknown) => JSON.stringify(x);
    const bearer = (who: ApiClient) => ({ authorization: `Bearer ${who.token}`, 'content-type': 'application/json' });
    const attempts: { label: string; method: string; path: string; body?: string; headers: Record<string, string>; expect: number }[] = [
      { label: 'message without text', method: 'POST', path: `${c}/messages`, body: json({ client_id: clientId() }), headers: bearer(agent), expect: 400 },
      {
        label: 'blank message',
        method: 'POST',
        path: `${c}/messages`,
        body: json({ client_id: clientId(), text: ' \n\t ' }),
        headers: bearer(agent),
        expect: 400,
      },
      {
        label: 'message too long',
        method: 'POST',
        path: `${c}/messages`,
        body: json({ client_id: clientId(), text: 'x'.repeat(MESSAGE_MAX_CHARS + 1) }),
        headers: bearer(agent),
        expect: 400,
      },
      {
        label: 'message text a number',
        method: 'POST',
        path: `${c}/messages`,
        body: json({ client_id: clientId(), text: 42 }),
        headers: bearer(agent),
        expect: 400,
      },
      {
        label: 'message with a bad client_id',
        method: 'POST',
        path: `${c}/messages`,
        body: json({ client_id: '../../x', text: 'hi' }),
        headers: bearer(agent),
        expect: 400,
      },
      {
        label: 'message with a short client_id',
        method: 'POST',
        path: `${c}/messages`,
        body: json({ client_id: 'abc', text: 'hi' }),
        headers: bearer(agent),
        expect: 400,
      },
      { label: 'message without client_id', method: 'POST', path: `${c}/messages`, body: json({ text: 'hi' }), headers: bearer(agent), expect: 400 },
      {
        label: 'message with an extra field',
        method: 'POST',
        path: `${c}/messages`,
        body: json({ client_id: clientId(), text: 'hi', author_id: manager.userId }),
        headers: bearer(agent),
        expect: 400,
      },
      {
        label: 'message as invalid JSON',
        method: 'POST',
        path: `${c}/messages`,
        body: '{"client_id":"abcdefgh1","text":"hi"',
        headers: bearer(agent),
        expect: 400,
      },
      {
        label: 'message as text/plain',
        method: 'POST',
        path: `${c}/messages`,
        body: json({ client_id: clientId(), text: 'hi' }),
        headers: { ...bearer(agent), 'content-type': 'text/plain' },
        expect: 400,
      },
      {
        label: 'message over the body limit',
        method: 'POST',
        path: `${c}/messages`,
        body: json({ client_id: clientId(), text: 'x'.repeat(300 * 1024) }),
        headers: bearer(agent),
        expect: 413,
      },
      {
        label: 'message without a session',
        method: 'POST',
        path: `${c}/messages`,
        body: json({ client_id: clientId(), text: 'hi' }),
        headers: { 'content-type': 'application/json' },
        expect: 401,
      },
      {
        label: 'message with a garbage token',
        method: 'POST',
        path: `${c}/messages`,
        body: json({ client_id: clientId(), text: 'hi' }),
        headers: { 'content-type': 'application/json', authorization: `Bearer ${'Z'.repeat(43)}` },
        expect: 401,
      },
      {
        label: 'comment too long (with a mention)',
        method: 'POST',
        path: `${c}/comments`,
        body: json({ client_id: clientId(), text: `{{@user.${manager.userId}}} ${'x'.repeat(COMMENT_MAX_CHARS)}` }),
        headers: bearer(agent),
        expect: 400,
      },
      {
        label: 'comment mentioning a bad client_id',
        method: 'POST',
        path: `${c}/comments`,
        body: json({ client_id: 'x y z w v u', text: `{{@user.${manager.userId}}} look` }),
        headers: bearer(agent),
        expect: 400,
      },
      {
        label: 'assign to a number',
        method: 'POST',
        path: `${c}/assignee`,
        body: json({ client_id: clientId(), assignee_id: 7 }),
        headers: bearer(manager),
        expect: 400,
      },
      {
        label: 'assign to a path',
        method: 'POST',
        path: `${c}/assignee`,
        body: json({ client_id: clientId(), assignee_id: '../u_owner' }),
        headers: bearer(manager),
        expect: 400,
      },
      { label: 'assign without assignee', method: 'POST', path: `${c}/assignee`, body: json({ client_id: clientId() }), headers: bearer(manager), expect: 400 },
      {
        label: 'close with a huge summary',
        method: 'POST',
        path: `${c}/close`,
        body: json({ client_id: clientId(), summary: 'x'.repeat(2001) }),
        headers: bearer(agent),
        expect: 400,
      },
      {
        label: 'close with a numeric category',
        method: 'POST',
        path: `${c}/close`,
        body: json({ client_id: clientId(), closing_category_id: 3 }),
        headers: bearer(agent),
        expect: 400,
      },
      {
        label: 'close with an unknown category',
        method: 'POST',
        path: `${c}/close`,
        body: json({ client_id: clientId(), closing_category_id: 'no_such_category' }),
        headers: bearer(agent),
        expect: 400,
      },
      { label: 'rename contact to blank', method: 'PATCH', path: c, body: json({ client_id: clientId(), name: '   ' }), headers: bearer(agent), expect: 400 },
      {
        label: 'contact phone too long',
        method: 'PATCH',
        path: c,
        body: json({ client_id: clientId(), phone: '1'.repeat(41) }),
        headers: bearer(agent),
        expect: 400,
      },
      {
        label: 'contact email an object',
        method: 'PATCH',
        path: c,
        body: json({ client_id: clientId(), email: { $ne: null } }),
        headers: bearer(agent),
        expect: 400,
      },
      {
        label: 'workspace name blank',
        method: 'PATCH',
        path: '/api/v1/workspace',
        body: json({ client_id: clientId(), name: '  ' }),
        headers: bearer(owner),
        expect: 400,
      },
      {
        label: 'workspace name huge',
        method: 'PATCH',
        path: '/api/v1/workspace',
        body: json({ client_id: clientId(), name: 'W'.repeat(100_000) }),
        headers: bearer(owner),
        expect: 400,
      },
      {
        label: 'workspace timeout negative',
        method: 'PATCH',
        path: '/api/v1/workspace',
        body: json({ client_id: clientId(), inactivity_timeout_minutes: -5 }),
        headers: bearer(owner),
        expect: 400,
      },
      {
        label: 'workspace timeout a float',
        method: 'PATCH',
        path: '/api/v1/workspace',
        body: json({ client_id: clientId(), inactivity_timeout_minutes: 1.5 }),
        headers: bearer(owner),
        expect: 400,
      },
      {
        label: 'workspace settings by a manager',
        method: 'PATCH',
        path: '/api/v1/workspace',
        body: json({ client_id: clientId(), closing_note_required: true }),
        headers: bearer(manager),
        expect: 403,
      },
      {
        label: 'team by an agent',
        method: 'POST',
        path: '/api/v1/teams',
        body: json({ client_id: clientId(), name: 'Agents Only' }),
        headers: bearer(agent),
        expect: 403,
      },
      {
        label: 'team with an empty name',
        method: 'POST',
        path: '/api/v1/teams',
        body: json({ client_id: clientId(), name: '' }),
        headers: bearer(manager),
        expect: 400,
      },
      {
        label: 'user with a password chosen for them',
        method: 'POST',
        path: '/api/v1/users',
        body: json({ client_id: clientId(), email: 'new@demo.test', name: 'New', password: 'long-enough-pw', role: 'agent' }),
        headers: bearer(owner),
        expect: 400,
      },
      {
        label: 'user with an unknown role',
        method: 'POST',
        path: '/api/v1/users',
        body: json({ client_id: clientId(), email: 'new@demo.test', name: 'New', role: 'admin' }),
        headers: bearer(owner),
        expect: 400,
      },
      {
        label: 'user with a bad email',
        method: 'POST',
        path: '/api/v1/users',
        body: json({ client_id: clientId(), email: 'not-an-email', name: 'New', role: 'agent' }),
        headers: bearer(owner),
        expect: 400,
      },
      {
        label: 'user with an unknown restriction',
        method: 'POST',
        path: '/api/v1/users',
        body: json({ client_id: clientId(), email: 'new@demo.test', name: 'New', role: 'agent', restrictions: { see_all: true } }),
        headers: bearer(owner),
        expect: 400,
      },
      {
        label: 'new password too short',
        method: 'PUT',
        path: '/api/v1/me/password',
        body: json({ current_password: 'demo-password', new_password: 'short' }),
        headers: bearer(agent),
        expect: 400,
      },
      {
        label: 'new password a common one',
        method: 'PUT',
        path: '/api/v1/me/password',
        body: json({ current_password: 'demo-password', new_password: 'Password123' }),
        headers: bearer(agent),
        expect: 400,
      },
      { label: 'password reset by an agent', method: 'POST', path: `/api/v1/users/${owner.userId}/password-reset`, headers: bearer(agent), expect: 403 },
      {
        label: 'team renamed to blank',
        method: 'PATCH',
        path: `/api/v1/teams/${before.teams.items[0].id}`,
        body: json({ client_id: clientId(), name: ' ' }),
        headers: bearer(manager),
        expect: 400,
      },
      {
        label: 'team with members deleted without saying where they go',
        method: 'DELETE',
        path: `/api/v1/teams/${before.teams.items[0].id}?client_id=${clientId()}`,
        headers: bearer(manager),
        expect: 409,
      },
      {
        label: 'setup of a set-up workspace with a made-up code',
        method: 'POST',
        path: '/api/v1/setup',
        body: json({ code: 'abcd-efgh', workspace_name: 'Mine', name: 'Me', email: 'me@x.test', password: 'a-long-enough-one' }),
        headers: { 'content-type': 'application/json' },
        expect: 403,
      },
      {
        label: 'setup without a code',
        method: 'POST',
        path: '/api/v1/setup',
        body: json({ workspace_name: 'Mine', name: 'Me', email: 'me@x.test', password: 'a-long-enough-one' }),
        headers: { 'content-type': 'application/json' },
        expect: 400,
      },
      {
        label: 'restriction with an unknown level',
        method: 'PATCH',
        path: `/api/v1/users/${agent.userId}`,
        body: json({ client_id: clientId(), restrictions: { contact_visibility: 'nobody' } }),
        headers: bearer(owner),
        expect: 400,
      },
      {
        label: 'deactivate with a string',
        method: 'PATCH',
        path: `/api/v1/users/${agent.userId}`,
        body: json({ client_id: clientId(), deactivated: 'yes' }),
        headers: bearer(owner),
        expect: 400,
      },
      {
        label: 'custom inbox with an unknown filter',
        method: 'POST',
        path: '/api/v1/custom-inboxes',
        body: json({ client_id: clientId(), name: 'Mine', filter: { sql: '1=1' }, sharing: 'private' }),
        headers: bearer(agent),
        expect: 400,
      },
      {
        label: 'custom inbox shared with 2,000 users',
        method: 'POST',
        path: '/api/v1/custom-inboxes',
        body: json({ client_id: clientId(), name: 'Mine', filter: {}, sharing: 'shared', shared_user_ids: Array.from({ length: 2000 }, (_, i) => `u_${i}`) }),
        headers: bearer(agent),
        expect: 400,
      },
      {
        label: 'archive-all with a bad client_id',
        method: 'POST',
        path: '/api/v1/notifications/archive-all',
        body: json({ client_id: 'ключ-ключ-ключ' }),
        headers: bearer(agent),
        expect: 400,
      },
      {
        label: 'preferences with a string flag',
        method: 'PUT',
        path: '/api/v1/me/preferences',
        body: json({ client_id: clientId(), notifications: { comment_mention: 'false' } }),
        headers: bearer(agent),
        expect: 400,
      },
      {
        label: 'status outside the choices',
        method: 'PUT',
        path: '/api/v1/me/status',
        body: json({ client_id: clientId(), status: 'offline' }),
        headers: bearer(agent),
        expect: 400,
      },
      { label: 'presence NaN', method: 'POST', path: '/api/v1/me/presence', body: '{"idle_seconds": NaN}', headers: bearer(agent), expect: 400 },
      { label: 'presence negative', method: 'POST', path: '/api/v1/me/presence', body: json({ idle_seconds: -1 }), headers: bearer(agent), expect: 400 },
      {
        label: 'unsigned inbound',
        method: 'POST',
        path: `/api/v1/channels/${server.demo!.channel.id}/inbound`,
        body: json({ sender: { id: 'x-1' }, message: { id: 'm-1', text: 'hi' } }),
        headers: { 'content-type': 'application/json' },
        expect: 401,
      },
    ];
    const failures = await runCases(server.url, attempts, 4);
    expect(failures).toEqual([]);
    const after = await snapshot();
    expect(after).toEqual(before);
    expect(after.thread.items.filter((i: { type: string }) => i.type === 'message').length).toBe(messagesBefore);
  });

  it('a rejected request does not use up its client_id: the corrected request goes through once', async () => {
    const count = async () => (await owner.get(`/api/v1/contacts/${contactId}/messages?limit=500`)).body.items.length;
    const before = await count();
    const id = clientId();
    expect((await agent.post(`/api/v1/contacts/${contactId}/messages`, { client_id: id, text: '' })).status).toBe(400);
    expect((await agent.post(`/api/v1/contacts/${contactId}/messages`, { client_id: id, text: 'x'.repeat(MESSAGE_MAX_CHARS + 1) })).status).toBe(400);
    expect(await count()).toBe(before);
    const sent = await agent.post(`/api/v1/contacts/${contactId}/messages`, { client_id: id, text: 'The corrected one.' });
    expect(sent.status).toBe(201);
    const again = await agent.post(`/api/v1/contacts/${contactId}/messages`, { client_id: id, text: 'The corrected one.' });
    expect(again.body.id).toBe(sent.body.id);
    expect(await count()).toBe(before + 1);
  });

  it("another user's client_id is refused cleanly and leaves their message alone", async () => {
    const id = clientId();
    const first = await agent.post(`/api/v1/contacts/${contactId}/messages`, { client_id: id, text: 'Mine.' });
    expect(first.status).toBe(201);
    const other = await raw(server.url, 'POST', `/api/v1/contacts/${contactId}/messages`, {
      body: JSON.stringify({ client_id: id, text: 'Theirs.' }),
      headers: { authorization: `Bearer ${manager.token}`, 'content-type': 'application/json' },
    });
    expect(problem(other, 'any')).toBeNull();
    const mine = (await owner.get(`/api/v1/contacts/${contactId}/messages?limit=500`)).body.items.find((m: { id: string }) => m.id === first.body.id);
    expect(mine).toMatchObject({ text: 'Mine.', author_id: agent.userId });
  });

  it("keeps a contact's text and name byte-identical and never reads mentions or markup in them", async () => {
    const texts = [
      '<img src=x onerror=alert(1)>',
      `{{@user.${agent.userId}}} please call me, {{@user.${manager.userId}}} too`,
      '{{@user.x}}',
      '<script>alert("x")</script> &amp; &lt;b&gt; <b>bold</b>',
      "'; DROP TABLE messages; -- ",
      'ключ 🙂 \u202eRTL\u202c 𝕏 e\u0301',
      '  spaced  \r\n\tsecond line  ',
      '${process.env.HOME} %00 %s %n \\u0000 \\',
      'a\u0000b',
    ];
    const name = '<b onmouseover=alert(1)>Eve</b> {{@user.u_owner}}';
    const head = await owner.head();
    const agentNotes = (await agent.get('/api/v1/notifications?tab=all&limit=200')).body.items.length;
    const managerNotes = (await manager.get('/api/v1/notifications?tab=all&limit=200')).body.items.length;
    let id = '';
    for (const [i, text] of texts.entries()) {
      const r = await inbound(server, 'sender-xss', text, `xss-${i}`, name);
      expect(r.status).toBe(200);
      id = r.body.contact_id;
    }
    const messages = (await owner.get(`/api/v1/contacts/${id}/messages?limit=500`)).body.items as { text: string; direction: string }[];
    // Sorted: two of these may arrive within one millisecond, and then their order is not the point.
    expect(messages.map((m) => m.text).sort()).toEqual([...texts].sort());
    expect(messages.every((m) => m.direction === 'incoming')).toBe(true);
    const thread = (await owner.get(`/api/v1/contacts/${id}/thread?limit=500`)).body.items as { type: string; message?: { text: string } }[];
    expect(
      thread
        .filter((t) => t.type === 'message')
        .map((t) => t.message!.text)
        .sort(),
    ).toEqual([...texts].sort());
    const contact = (await owner.get(`/api/v1/contacts/${id}`)).body.contact;
    expect(contact.name).toBe(name);
    expect(contact.last_message).toBe(texts[texts.length - 1]);
    expect((await owner.get(`/api/v1/contacts?q=${encodeURIComponent('onerror=alert(1)')}`)).body.items.map((c: { id: string }) => c.id)).toContain(id);
    // The feed carries the same bytes.
    const { changes } = await owner.syncAll(head);
    const fed = changes.filter((ch) => ch.entity === 'message' && ch.contact_id === id).map((ch) => (ch.data as { text: string }).text);
    expect(fed).toEqual(texts);
    // A contact cannot mention anyone.
    expect((await agent.get('/api/v1/notifications?tab=all&limit=200')).body.items.length).toBe(agentNotes);
    expect((await manager.get('/api/v1/notifications?tab=all&limit=200')).body.items.length).toBe(managerNotes);
    // An agent's outgoing text is kept as sent too, and a message (unlike a comment) mentions nobody.
    const reply = `<img src=x onerror=alert(2)> {{@user.${manager.userId}}}`;
    const sent = await agent.post(`/api/v1/contacts/${id}/messages`, { client_id: clientId(), text: reply });
    expect(sent.status).toBe(201);
    expect((await owner.get(`/api/v1/contacts/${id}/messages?limit=1`)).body.items[0].text).toBe(reply);
    const mentions = (await manager.get('/api/v1/notifications?tab=all&limit=200')).body.items.filter(
      (n: { kind: string; contact_id: string }) => n.kind === 'comment_mention' && n.contact_id === id,
    );
    expect(mentions).toEqual([]);
  });
});

describe('the custom channel checks its signature before it reads a body', () => {
  let server: TestServer;
  let owner: ApiClient;
  let path: string;
  let secret: string;
  beforeAll(async () => {
    server = await startServer({ sweepMs: 3_600_000 });
    owner = await signIn(server, 'owner@demo.test');
    path = `/api/v1/channels/${server.demo!.channel.id}/inbound`;
    secret = server.demo!.channel.secret;
  });
  afterAll(() => server.stop());

  const post = (body: string, signature?: string, at = path) =>
    raw(server.url, 'POST', at, { body, headers: { 'content-type': 'application/json', ...(signature !== undefined && { 'x-signature': signature }) } });
  const good = JSON.stringify({ sender: { id: 'sig-1', name: 'Sig' }, message: { id: 'sig-m-1', text: 'Hello' } });

  it('refuses a missing or wrong X-Signature with 401, an unknown channel with 404, and writes nothing', async () => {
    const head = await owner.head();
    const contacts = (await owner.get('/api/v1/contacts?limit=200')).body.items.length;
    const right = signBody(secret, good);
    const cases: [string | undefined, number, string?][] = [
      [undefined, 401],
      ['', 401],
      ['sha256=', 401],
      [signBody('not-the-secret', good), 401],
      [signBody(secret, good + ' '), 401],
      [signBody(secret, JSON.stringify(JSON.parse(good), null, 2)), 401],
      [right.toUpperCase(), 401],
      [right.replace('sha256=', 'sha1='), 401],
      [right.replace('sha256=', ''), 401],
      [`${right}0`, 401],
      [`${right}, ${right}`, 401],
      [`sha256=${'0'.repeat(64)}`, 401],
      [`sha256=${'z'.repeat(64)}`, 401],
      ['x'.repeat(10_000), 401],
      [right, 404, '/api/v1/channels/no_such_channel/inbound'],
      [right, 400, '/api/v1/channels/..%2F..%2Fx/inbound'],
    ];
    for (const [sig, status, at] of cases) {
      const a = await post(good, sig, at);
      expect(problem(a, status), `X-Signature ${String(sig).slice(0, 80)}`).toBeNull();
    }
    expect(await owner.head()).toBe(head);
    expect((await owner.get('/api/v1/contacts?limit=200')).body.items.length).toBe(contacts);
  });

  it('answers 400 to a correctly signed body that is not a valid message, and writes nothing', async () => {
    const head = await owner.head();
    const bodies = [
      '',
      'null',
      '[]',
      '{}',
      '{"sender":',
      'not json at all',
      JSON.stringify({ sender: { id: 'sig-2' } }),
      JSON.stringify({ message: { id: 'm', text: 'hi' } }),
      JSON.stringify({ sender: { id: '' }, message: { id: 'm', text: 'hi' } }),
      JSON.stringify({ sender: { id: 'sig-2' }, message: { id: 'm', text: '' } }),
      JSON.stringify({ sender: { id: 'sig-2' }, message: { id: 'm', text: '   ' } }),
      JSON.stringify({ sender: { id: 'sig-2' }, message: { id: 'm', text: 'x'.repeat(MESSAGE_MAX_CHARS + 1) } }),
      JSON.stringify({ sender: { id: 'sig-2' }, message: { id: 'm', text: 42 } }),
      JSON.stringify({ sender: { id: 'x'.repeat(129) }, message: { id: 'm', text: 'hi' } }),
      JSON.stringify({ sender: { id: 'sig-2', name: 'n'.repeat(201) }, message: { id: 'm', text: 'hi' } }),
      JSON.stringify({ sender: { id: 'sig-2', phone: 5551234 }, message: { id: 'm', text: 'hi' } }),
      JSON.stringify([{ sender: { id: 'sig-2' }, message: { id: 'm', text: 'hi' } }]),
    ];
    for (const body of bodies) {
      const a = await post(body, signBody(secret, body));
      expect(problem(a, 400), `body ${body.slice(0, 80)}`).toBeNull();
    }
    expect(await owner.head()).toBe(head);
  });

  it('refuses a signed body over the limit with 413, and still takes a good message afterwards', async () => {
    const big = JSON.stringify({ sender: { id: 'sig-3' }, message: { id: 'm', text: 'x'.repeat(300 * 1024) } });
    expect(problem(await post(big, signBody(secret, big)), 413)).toBeNull();
    const a = await post(good, signBody(secret, good));
    expect(a.status).toBe(200);
    const messages = (await owner.get(`/api/v1/contacts/${(a.json as { contact_id: string }).contact_id}/messages`)).body.items;
    expect(messages[0].text).toBe('Hello');
  });
});

describe('sign-in is rate limited', () => {
  let server: TestServer;
  let now = Date.now();
  beforeAll(async () => {
    server = await startServer({ sweepMs: 3_600_000, clock: () => now, signInLimit: { perIp: 1000, perEmail: 3, windowMs: 60_000 } });
  });
  afterAll(() => server.stop());

  const attempt = (email: string, password: string) =>
    raw(server.url, 'POST', '/api/v1/auth/sign-in', { body: JSON.stringify({ email, password }), headers: { 'content-type': 'application/json' } });
  /** A sign-in from another local address than 127.0.0.1: its status. */
  const signInFrom = (localAddress: string, email: string, password: string) =>
    new Promise<number>((resolve, reject) => {
      const body = JSON.stringify({ email, password });
      const url = new URL('/api/v1/auth/sign-in', server.url);
      const req = http.request(
        {
          host: url.hostname,
          port: url.port,
          path: url.pathname,
          method: 'POST',
          localAddress,
          headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
        },
        (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
        },
      );
      req.on('error', reject);
      req.end(body);
    });

  it('guesses sent all at once are counted as they arrive, not as they fail', async () => {
    const statuses = await Promise.all(Array.from({ length: 40 }, (_, i) => attempt('agent11@demo.test', `parallel-${i}`).then((a) => a.status)));
    expect(statuses.filter((s) => s === 401)).toHaveLength(3);
    expect(statuses.filter((s) => s === 429)).toHaveLength(37);
    now += 61_000;
  });

  it('a password guessed from many addresses is slowed down all the same', async () => {
    // Failures for one email from anywhere: ten times the per-address limit (3 here) in a window.
    let limited = 0;
    for (let i = 0; i < 40; i++) if ((await signInFrom(`127.0.1.${1 + (i % 20)}`, 'manager2@demo.test', `guess-${i}`)) === 429) limited++;
    expect(limited).toBe(10);
    now += 61_000;
    expect(await signInFrom('127.0.1.1', 'manager2@demo.test', 'demo-password')).toBe(200);
  });

  it('answers 429 rate_limited after repeated attempts for one email, even with the right password, until the window passes', async () => {
    for (let i = 0; i < 3; i++) expect(problem(await attempt('owner@demo.test', `wrong-${i}`), 401)).toBeNull();
    const limited = await attempt('owner@demo.test', 'wrong-again');
    expect(problem(limited, 429)).toBeNull();
    expect((limited.json as { code: string }).code).toBe('rate_limited');
    expect(problem(await attempt('owner@demo.test', 'demo-password'), 429)).toBeNull();
    // The same email in other letter case or with spaces is the same email.
    expect(problem(await attempt('  OWNER@Demo.Test ', 'demo-password'), 429)).toBeNull();
    // Other people are not locked out, and neither is the owner from another address: failing on
    // purpose from one address does not lock a user out (127.0.0.2 is this machine too).
    expect((await attempt('manager@demo.test', 'demo-password')).status).toBe(200);
    expect(await signInFrom('127.0.0.2', 'owner@demo.test', 'demo-password')).toBe(200);
    expect((await raw(server.url, 'GET', '/health')).status).toBe(200);
    // A minute later the owner may try again.
    now += 61_000;
    expect((await attempt('owner@demo.test', 'demo-password')).status).toBe(200);
  });

  it('answers malformed sign-in bodies 400 {code, message}', async () => {
    for (const body of ['{}', '{"email":"owner@demo.test"}', '{"email":["owner@demo.test"],"password":"x"}', '{"email":"owner@demo.test","password":""}']) {
      const a = await raw(server.url, 'POST', '/api/v1/auth/sign-in', { body, headers: { 'content-type': 'application/json' } });
      expect(problem(a, 400), body).toBeNull();
    }
  });
});

describe('the stream refuses bad tokens and survives garbage frames', () => {
  let server: TestServer;
  let agent: ApiClient;
  let wsUrl: string;
  beforeAll(async () => {
    server = await startServer({ sweepMs: 3_600_000, heartbeatMs: 60_000 });
    agent = await signIn(server, 'agent1@demo.test');
    wsUrl = server.url.replace('http', 'ws');
  });
  afterAll(() => server.stop());

  /** Tries to open a stream; answers the HTTP refusal (status and JSON body) or 'open'. */
  const tryOpen = (path: string, headers: Record<string, string>) =>
    new Promise<{ status: number; body: unknown } | 'open'>((resolve, reject) => {
      const ws = new WebSocket(wsUrl + path, { headers });
      ws.on('unexpected-response', (req, res) => {
        let text = '';
        res.on('data', (d: Buffer) => (text += d.toString()));
        res.on('end', () => {
          let body: unknown = text;
          try {
            body = JSON.parse(text);
          } catch {
            /* keep the text */
          }
          resolve({ status: res.statusCode ?? 0, body });
          req.destroy();
        });
      });
      ws.on('open', () => {
        ws.close();
        resolve('open');
      });
      ws.on('error', reject);
    });

  /** An open stream that records frames and its close code. */
  const connect = async (token: string) => {
    const ws = new WebSocket(`${wsUrl}${STREAM_PATH}?after=0`, { headers: { authorization: `Bearer ${token}` } });
    const frames: { type: string; code?: string }[] = [];
    let closeCode: number | null = null;
    const waiters: (() => void)[] = [];
    const wake = () => waiters.splice(0).forEach((w) => w());
    ws.on('message', (d) => {
      frames.push(JSON.parse(d.toString()));
      wake();
    });
    ws.on('close', (code) => {
      closeCode = code;
      wake();
    });
    const until = async (pred: () => boolean, what: string, ms = 3000) => {
      const end = Date.now() + ms;
      while (!pred()) {
        if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
        await new Promise<void>((r) => {
          const t = setTimeout(r, 50);
          waiters.push(() => {
            clearTimeout(t);
            r();
          });
        });
      }
    };
    await new Promise((resolve, reject) => {
      ws.once('open', resolve);
      ws.once('error', reject);
    });
    await until(() => frames.some((f) => f.type === 'hello'), 'hello');
    return { ws, frames, until, closeCode: () => closeCode };
  };

  it('refuses a missing, malformed, unknown or signed-out token with 401 {code, message}', async () => {
    const gone = await signIn(server, 'agent2@demo.test');
    await gone.post('/api/v1/auth/sign-out');
    const refusals: [Record<string, string>, string][] = [
      [{}, 'no Authorization'],
      [{ authorization: '' }, 'empty'],
      [{ authorization: 'Bearer' }, 'Bearer only'],
      [{ authorization: 'Bearer abc' }, 'short token'],
      [{ authorization: `Bearer ${'A'.repeat(43)}` }, 'unknown token'],
      [{ authorization: `Bearer ${'a'.repeat(10_000)}` }, 'huge token'],
      [{ authorization: `Basic ${Buffer.from('agent1@demo.test:demo-password').toString('base64')}` }, 'Basic'],
      [{ authorization: `Bearer ${gone.token}` }, 'signed-out token'],
    ];
    for (const [headers, label] of refusals) {
      const r = await tryOpen(`${STREAM_PATH}?after=0`, headers);
      expect(r, label).not.toBe('open');
      if (r === 'open') continue;
      expect(r.status, label).toBe(401);
      expect(ApiErrorBody.parse(r.body).code, label).toBe('unauthorized');
    }
    // A token in the query string is not a session.
    const q = await tryOpen(`${STREAM_PATH}?after=0&token=${agent.token}`, {});
    expect(q !== 'open' && q.status).toBe(401);
  });

  it('refuses a bad cursor with 400 and an unknown path with 404', async () => {
    for (const after of ['-1', 'abc', '1.5', 'NaN', '1e400', '%00', 'x'.repeat(5000)]) {
      for (const query of [`after=${after}`, `after=0&epoch=${after}`]) {
        const r = await tryOpen(`${STREAM_PATH}?${query}`, { authorization: `Bearer ${agent.token}` });
        expect(r !== 'open' && r.status, query).toBe(400);
        expect(r !== 'open' && ApiErrorBody.parse(r.body).code).toBe('invalid_request');
      }
    }
    const r = await tryOpen('/api/v1/streams', { authorization: `Bearer ${agent.token}` });
    expect(r !== 'open' && r.status).toBe(404);
  });

  it('answers each garbage frame with an error frame, still answers a ping, and closes with 4008 after too many', async () => {
    const s = await connect(agent.token!);
    const garbage = [
      'not json',
      '',
      '{}',
      '[]',
      'null',
      '42',
      '{"type":"PING"}',
      '{"type":"presence","idle_seconds":-1}',
      '{"type":"presence","idle_seconds":"10"}',
      '{"type":"presence"}',
      `{"type":"${'x'.repeat(10_000)}"}`,
      '{"type":"ping"',
      '\u0000',
    ];
    // A few bad frames are tolerated: each gets an error frame, and the stream keeps working.
    for (const g of garbage.slice(0, 3)) s.ws.send(g);
    await s.until(() => s.frames.filter((f) => f.type === 'error').length >= 3, 'three error frames');
    expect(s.frames.filter((f) => f.type === 'error').every((f) => f.code === 'invalid_request')).toBe(true);
    s.ws.send(JSON.stringify({ type: 'ping' }));
    await s.until(() => s.frames.some((f) => f.type === 'heartbeat'), 'a heartbeat after a ping');
    expect(s.closeCode()).toBeNull();
    // A binary frame is garbage too.
    s.ws.send(Buffer.from([0xff, 0x00, 0x13]));
    await s.until(() => s.frames.filter((f) => f.type === 'error').length >= 4, 'an error frame for a binary frame');
    // Keep sending garbage: the server gives up with 4008.
    for (let i = 0; i < 50 && s.closeCode() === null; i++) {
      if (s.ws.readyState !== WebSocket.OPEN) break;
      s.ws.send(garbage[i % garbage.length]);
      await new Promise((r) => setTimeout(r, 5));
    }
    await s.until(() => s.closeCode() !== null, 'the close');
    expect(s.closeCode()).toBe(StreamClose.badFrames);
  });

  it('closes a connection that sends an oversized frame, and the server keeps serving streams and requests', async () => {
    const s = await connect(agent.token!);
    s.ws.send('x'.repeat(200 * 1024));
    await s.until(() => s.closeCode() !== null, 'the close');
    expect(s.closeCode()).toBe(1009);
    const again = await connect(agent.token!);
    again.ws.send('{"type":"ping"}');
    await again.until(() => again.frames.some((f) => f.type === 'heartbeat'), 'a heartbeat');
    again.ws.send(JSON.stringify({ type: 'presence', idle_seconds: 5 }));
    again.ws.send('{"type":"ping"}');
    await again.until(() => again.frames.filter((f) => f.type === 'heartbeat').length >= 2, 'a second heartbeat');
    expect(again.frames.some((f) => f.type === 'error')).toBe(false);
    again.ws.close();
    expect((await raw(server.url, 'GET', '/health')).status).toBe(200);
    expect((await agent.get('/api/v1/me')).status).toBe(200);
  });
});
