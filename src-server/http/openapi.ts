// The OpenAPI document, generated from the same route table the server validates with.
import { z } from 'zod';
import { routes, type RouteDef } from '../../src-shared/api/routes';
import { ApiErrorBody } from '../../src-shared/api/errors';
import { V2Error, v2Routes } from '../../src-shared/api/v2';

const schema = (t: z.ZodType, io: 'input' | 'output') => z.toJSONSchema(t, { io, unrepresentable: 'any' }) as Record<string, unknown>;

function parameters(def: RouteDef) {
  const out: unknown[] = [];
  for (const [where, t] of [
    ['path', def.params],
    ['query', def.query],
  ] as const) {
    if (!t) continue;
    const s = schema(t, 'input') as { properties?: Record<string, unknown>; required?: string[] };
    for (const [name, prop] of Object.entries(s.properties ?? {})) {
      out.push({ name, in: where, required: where === 'path' || (s.required ?? []).includes(name), schema: prop });
    }
  }
  return out;
}

export function openapiDocument(): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  // /v2 (the Developer API) answers its errors as {code: <status>, message}, and takes access tokens.
  const tables = [...Object.entries(routes), ...Object.entries(v2Routes)] as [string, RouteDef][];
  for (const [name, def] of tables) {
    const path = def.path.replace(/:([A-Za-z_]+)/g, '{$1}');
    const security =
      def.auth === 'session' ? [{ bearer: [] }] : def.auth === 'signature' ? [{ signature: [] }] : def.auth === 'token' ? [{ accessToken: [] }] : [];
    paths[path] ??= {};
    paths[path][def.method.toLowerCase()] = {
      operationId: name,
      summary: def.summary,
      security,
      ...(def.roles && { 'x-roles': def.roles }),
      parameters: parameters(def),
      ...(def.body && { requestBody: { required: true, content: { 'application/json': { schema: schema(def.body, 'input') } } } }),
      responses: {
        [String(def.status ?? 200)]: { description: 'OK', content: { 'application/json': { schema: schema(def.response, 'output') } } },
        default: { description: 'An error', content: { 'application/json': { schema: schema(def.auth === 'token' ? V2Error : ApiErrorBody, 'output') } } },
      },
    };
  }
  return {
    openapi: '3.1.0',
    info: { title: 'IS-Messenger workspace server', version: '1' },
    components: {
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer' },
        accessToken: { type: 'http', scheme: 'bearer', description: 'A Developer API access token (Settings > Integrations > Developer API)' },
        signature: { type: 'apiKey', in: 'header', name: 'X-Signature' },
      },
    },
    paths,
  };
}
