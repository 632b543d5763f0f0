// Request bodies: JSON only, valid UTF-8 without lone surrogates, kept raw beside the parsed value
// (the channel signature is over the exact bytes sent), and metered while they arrive.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ApiError } from '../../src-shared/api/errors';
import type { ConnectionGuard } from './connection-limits';
import { checkText, decodeBody } from './text';

export function acceptJsonBodies(app: FastifyInstance, guard: ConnectionGuard): void {
  // Drop Fastify's default text/plain parser, so any type but JSON answers 400.
  app.removeContentTypeParser('text/plain');
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (req, bytes, done) => {
    let body: string;
    let parsed: unknown;
    try {
      body = decodeBody(bytes as Buffer);
    } catch (err) {
      return done(err as Error, undefined);
    }
    (req as FastifyRequest & { rawBody?: string }).rawBody = body;
    if (body.length === 0) return done(null, undefined);
    try {
      parsed = JSON.parse(body);
    } catch {
      return done(new ApiError('invalid_request', 'the body is not valid JSON'), undefined);
    }
    try {
      checkText(parsed);
    } catch (err) {
      return done(err as Error, undefined);
    }
    done(null, parsed);
  });
  // Bodies still arriving share one budget of memory (a client sending half a body and stopping holds it until its request times out).
  app.addHook('preParsing', (req, _reply, payload, done) => {
    const hasBody = req.headers['transfer-encoding'] !== undefined || Number(req.headers['content-length'] ?? 0) > 0;
    try {
      done(null, hasBody ? guard.meter(req.raw, payload) : payload);
    } catch (err) {
      done(err as Error);
    }
  });
}
