// Text is stored as sent or refused: a body that is not UTF-8, or whose strings hold a lone UTF-16
// surrogate (which no engine can store as sent: SQLite and PostgreSQL would keep U+FFFD instead),
// is answered 400 before anything reads it, so what was acknowledged is what was stored.
import { ApiError } from '../../src-shared/api/errors';

const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
/** With the u flag, a well-formed pair is one code point: only a lone surrogate matches. */
const LONE_SURROGATE = /\p{Cs}/u;

/** The body's text, or 400 when its bytes are not UTF-8 (e.g. a surrogate encoded on its own). */
export function decodeBody(bytes: Buffer): string {
  try {
    return UTF8.decode(bytes);
  } catch {
    throw new ApiError('invalid_request', 'the body is not valid UTF-8 text: send text encoded as UTF-8');
  }
}

/** 400 when any string (or key) in a parsed body holds a lone surrogate. Iterative: bodies may nest deeply. */
export function checkText(value: unknown): void {
  const todo: unknown[] = [value];
  while (todo.length) {
    const v = todo.pop();
    if (typeof v === 'string') {
      if (LONE_SURROGATE.test(v)) {
        throw new ApiError(
          'invalid_request',
          'the body holds a lone UTF-16 surrogate (half of a character), which cannot be stored as sent: send whole characters',
        );
      }
    } else if (Array.isArray(v)) for (const x of v) todo.push(x);
    else if (v !== null && typeof v === 'object') for (const [k, x] of Object.entries(v)) todo.push(k, x);
  }
}
