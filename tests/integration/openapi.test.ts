// GET /api/v1/openapi.json: an OpenAPI 3.1 document an integrator can generate a client from. It must
// describe every route of the route tables, /api/v1 and the Developer API's /v2 (and nothing else), with the same fields, required fields,
// choices and authentication the server enforces; and every operation it lists must exist on the server.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { routes, type RouteDef } from '../../src-shared/api/routes';
import { v2Routes } from '../../src-shared/api/v2';
import { ErrorCode } from '../../src-shared/api/errors';
import { startServer, type TestServer } from '../support/server';

type Json = Record<string, any>;
type Zod = z.ZodType;

const defOf = (s: Zod) => (s as unknown as { _zod: { def: Record<string, any> } })._zod.def;

function objectDef(s: Zod): Record<string, any> | null {
  const def = defOf(s);
  if (def.type === 'object') return def;
  if (['optional', 'nullable', 'default', 'prefault', 'readonly', 'nonoptional'].includes(def.type)) return objectDef(def.innerType);
  if (def.type === 'pipe') return objectDef(def.in);
  return null;
}

/** The enum choices of a field, when it is one (through optional/default/nullable wrappers). */
function enumChoices(s: Zod): string[] | null {
  const def = defOf(s);
  if (def.type === 'enum') return Object.values(def.entries as Record<string, string>);
  if (['optional', 'nullable', 'default', 'prefault', 'readonly', 'nonoptional'].includes(def.type)) return enumChoices(def.innerType);
  return null;
}

/** A field a request may leave out (the server fills a default or does without). */
const optionalField = (s: Zod) => s.safeParse(undefined).success;

const routeList = [...Object.entries(routes), ...Object.entries(v2Routes)] as [string, RouteDef][];
const openapiPath = (p: string) => p.replace(/:([A-Za-z_]+)/g, '{$1}');

/** Enums in a JSON schema, wherever they sit (plain, or in an anyOf with null). */
function docEnum(schema: Json | undefined): string[] | null {
  if (!schema) return null;
  if (Array.isArray(schema.enum)) return (schema.enum as string[]).filter((v) => v !== null);
  for (const alt of schema.anyOf ?? schema.oneOf ?? []) {
    const e = docEnum(alt);
    if (e) return e;
  }
  return null;
}

describe('GET /api/v1/openapi.json', () => {
  let server: TestServer;
  let doc: Json;
  let contentType: string;

  beforeAll(async () => {
    server = await startServer({ sweepMs: 3_600_000 });
    const res = await fetch(`${server.url}/api/v1/openapi.json`);
    expect(res.status).toBe(200);
    contentType = res.headers.get('content-type') ?? '';
    doc = (await res.json()) as Json;
  });
  afterAll(() => server.stop());

  const operation = (def: RouteDef): Json | undefined => doc.paths?.[openapiPath(def.path)]?.[def.method.toLowerCase()];

  it('is a public JSON OpenAPI 3.1 document', async () => {
    expect(contentType).toContain('application/json');
    expect(doc.openapi).toMatch(/^3\.1\.\d+$/);
    expect(typeof doc.info?.title).toBe('string');
    expect(typeof doc.info?.version).toBe('string');
    expect(typeof doc.paths).toBe('object');
    // Served without a session, and the same document each time.
    const again = await fetch(`${server.url}/api/v1/openapi.json`, { headers: { authorization: 'Bearer garbage' } });
    expect(again.status).toBe(200);
    expect(await again.json()).toEqual(doc);
  });

  it('has exactly one operation for every route in the route table, and no others', () => {
    const missing = routeList.filter(([, def]) => !operation(def)).map(([name, def]) => `${name}: ${def.method} ${openapiPath(def.path)}`);
    expect(missing).toEqual([]);
    const documented: string[] = [];
    for (const [path, item] of Object.entries(doc.paths as Json)) {
      for (const method of Object.keys(item as Json)) {
        if (['get', 'post', 'put', 'patch', 'delete', 'head', 'options', 'trace'].includes(method)) documented.push(`${method.toUpperCase()} ${path}`);
      }
    }
    expect(documented.sort()).toEqual(routeList.map(([, def]) => `${def.method} ${openapiPath(def.path)}`).sort());
    const ids = routeList.map(([, def]) => operation(def)!.operationId);
    expect(ids.every((id) => typeof id === 'string' && id.length > 0)).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
    for (const [name, def] of routeList) expect(operation(def)!.summary, name).toBe(def.summary);
  });

  it('declares each path parameter, and each query parameter with the same required fields and choices', () => {
    for (const [name, def] of routeList) {
      const params = (operation(def)!.parameters ?? []) as Json[];
      const pathNames = [...openapiPath(def.path).matchAll(/\{([A-Za-z_]+)\}/g)].map((m) => m[1]);
      for (const p of pathNames) {
        const declared = params.find((x) => x.in === 'path' && x.name === p);
        expect(declared, `${name}: path parameter ${p}`).toBeDefined();
        expect(declared!.required, `${name}: ${p} is required`).toBe(true);
        expect(declared!.schema, `${name}: ${p} has a schema`).toBeTypeOf('object');
      }
      expect(
        params
          .filter((x) => x.in === 'path')
          .map((x) => x.name)
          .sort(),
        name,
      ).toEqual([...pathNames].sort());

      const query = def.query ? objectDef(def.query) : null;
      const docQuery = params.filter((x) => x.in === 'query');
      expect(docQuery.map((x) => x.name).sort(), `${name}: query parameters`).toEqual(Object.keys(query?.shape ?? {}).sort());
      for (const [key, field] of Object.entries((query?.shape ?? {}) as Record<string, Zod>)) {
        const declared = docQuery.find((x) => x.name === key)!;
        expect(Boolean(declared.required), `${name}: query ${key} required`).toBe(!optionalField(field));
        expect(declared.schema, `${name}: query ${key} has a schema`).toBeTypeOf('object');
        const choices = enumChoices(field);
        if (choices) expect(docEnum(declared.schema)?.sort(), `${name}: query ${key} choices`).toEqual([...choices].sort());
      }
    }
  });

  it('gives a JSON request body schema to every route with a body, matching the fields the server accepts', () => {
    for (const [name, def] of routeList) {
      const op = operation(def)!;
      if (!def.body) {
        expect(op.requestBody, `${name} takes no body`).toBeUndefined();
        continue;
      }
      expect(op.requestBody?.required, `${name}: body required`).toBe(true);
      const schema = op.requestBody?.content?.['application/json']?.schema as Json | undefined;
      expect(schema, `${name}: application/json body schema`).toBeTypeOf('object');
      const body = objectDef(def.body);
      // A bare JSON array (the /v2 tag routes take a list of names).
      if (!body) {
        expect(schema!.type, name).toBe('array');
        continue;
      }
      expect(schema!.type, name).toBe('object');
      expect(Object.keys(schema!.properties ?? {}).sort(), `${name}: body fields`).toEqual(Object.keys(body.shape).sort());
      const required = Object.entries(body.shape as Record<string, Zod>)
        .filter(([, f]) => !optionalField(f))
        .map(([k]) => k)
        .sort();
      expect([...(schema!.required ?? [])].sort(), `${name}: required body fields`).toEqual(required);
      // A body that refuses unknown fields says so, so generated clients do not send them.
      const strict = body.catchall && defOf(body.catchall).type === 'never';
      if (strict) expect(schema!.additionalProperties, `${name}: no unknown fields`).toBe(false);
      for (const [key, field] of Object.entries(body.shape as Record<string, Zod>)) {
        const choices = enumChoices(field);
        if (choices) expect(docEnum(schema!.properties[key])?.sort(), `${name}: ${key} choices`).toEqual([...choices].sort());
      }
      // Every command carries its idempotency key.
      if ('client_id' in body.shape) expect(schema!.properties.client_id.pattern, `${name}: client_id pattern`).toBeTypeOf('string');
    }
  });

  it('requires the session token on session routes, the signature on the channel route, and nothing on public ones', () => {
    const schemes = (doc.components?.securitySchemes ?? {}) as Record<string, Json>;
    const bearer = Object.keys(schemes).filter((k) => schemes[k].type === 'http' && String(schemes[k].scheme).toLowerCase() === 'bearer');
    const signature = Object.keys(schemes).filter(
      (k) => schemes[k].type === 'apiKey' && schemes[k].in === 'header' && String(schemes[k].name).toLowerCase() === 'x-signature',
    );
    expect(bearer.length).toBeGreaterThan(0);
    expect(signature.length).toBeGreaterThan(0);
    for (const [name, def] of routeList) {
      const security = operation(def)!.security as Json[] | undefined;
      const used = (security ?? []).flatMap((req) => Object.keys(req));
      for (const s of used) expect(schemes[s], `${name}: scheme ${s} is defined`).toBeDefined();
      if (def.auth === 'session' || def.auth === 'token') {
        expect(used.length, `${name} requires a session`).toBeGreaterThan(0);
        expect(
          used.every((s) => bearer.includes(s)),
          `${name} uses the bearer scheme`,
        ).toBe(true);
      } else if (def.auth === 'signature') {
        expect(used.length, `${name} requires a signature`).toBeGreaterThan(0);
        expect(
          used.every((s) => signature.includes(s)),
          `${name} uses the signature scheme`,
        ).toBe(true);
      } else {
        // Public: an empty list overrides any document-wide requirement.
        expect(security, `${name} is public`).toEqual([]);
      }
    }
  });

  it('documents the success answer and the {code, message} error answer of every operation', () => {
    for (const [name, def] of routeList) {
      const responses = operation(def)!.responses as Json;
      const ok = responses?.[String(def.status ?? 200)];
      expect(ok?.content?.['application/json']?.schema, `${name}: ${def.status ?? 200} answer`).toBeTypeOf('object');
      const error = (responses.default ?? responses['400'] ?? responses['4XX'])?.content?.['application/json']?.schema as Json | undefined;
      expect(error, `${name}: error answer`).toBeTypeOf('object');
      expect(error!.required?.sort(), `${name}: error fields`).toEqual(['code', 'message']);
      // /v2 answers respond.io's shape: the HTTP status as the code.
      if (def.auth === 'token') expect(error!.properties.code.type, `${name}: error code is the status`).toBe('integer');
      else expect(docEnum(error!.properties.code)?.sort(), `${name}: error codes`).toEqual([...ErrorCode.options].sort());
    }
  });

  it('lists only operations the server answers: each documented path and method reaches its route', async () => {
    const channel = server.demo!.channel.id;
    for (const [path, item] of Object.entries(doc.paths as Json)) {
      for (const [method, op] of Object.entries(item as Json)) {
        const url = path.replace(/\{[A-Za-z_]+\}/g, path.startsWith('/api/v1/channels/') ? channel : 'no_such_thing_404');
        const hasBody = Boolean((op as Json).requestBody);
        const res = await fetch(server.url + url, {
          method: method.toUpperCase(),
          headers: hasBody ? { 'content-type': 'application/json' } : {},
          body: hasBody ? '{}' : undefined,
        });
        const body = (await res.json()) as Json;
        const label = `${method.toUpperCase()} ${path}`;
        // Not the router's "no route" answer: the route itself answered (401 without a session, and so on).
        expect(String(body.message ?? ''), label).not.toMatch(/^no route/);
        expect(res.status, label).toBeLessThan(500);
        const secured = ((op as Json).security ?? []).length > 0;
        if (secured) expect(res.status, `${label} without credentials`).toBe(401);
      }
    }
  });
});
