// A contact in a /v2 path: `id:<number>`, `email:<address>` or `phone:<E.164>`, sent unencoded.
import { ApiError } from '../../src-shared/api/errors';
import type { SqlRunner } from '../db/engine';
import type { Store } from '../workspace/store';
import { idOfNumber } from './numbers';

export type Identifier = { kind: 'id'; num: number } | { kind: 'email'; email: string } | { kind: 'phone'; phone: string };

/** The identifier's parts (the route's schema has checked its form). */
export function parseIdentifier(raw: string): Identifier {
  const at = raw.indexOf(':');
  const kind = raw.slice(0, at);
  const value = raw.slice(at + 1);
  if (kind === 'id') return { kind, num: Number(value) };
  if (kind === 'email') return { kind, email: value.toLowerCase() };
  return { kind: 'phone', phone: value.startsWith('+') ? value : `+${value}` };
}

/** The contact the identifier names, or undefined. */
export async function findContact(store: Store, sql: SqlRunner, ident: Identifier): Promise<Record<string, unknown> | undefined> {
  if (ident.kind === 'id') {
    const id = await idOfNumber(store, 'contact', ident.num);
    return id === null ? undefined : sql.get('SELECT * FROM contacts WHERE id = ?', [id]);
  }
  if (ident.kind === 'email') return sql.get('SELECT * FROM contacts WHERE lower(email) = ? ORDER BY created_at, id LIMIT 1', [ident.email]);
  return sql.get('SELECT * FROM contacts WHERE phone = ? ORDER BY created_at, id LIMIT 1', [ident.phone]);
}

/** The contact the identifier names, or 404. */
export async function requireContact(store: Store, sql: SqlRunner, raw: string): Promise<Record<string, unknown>> {
  const row = await findContact(store, sql, parseIdentifier(raw));
  if (!row) throw new ApiError('not_found', `no contact ${raw}`);
  return row;
}
