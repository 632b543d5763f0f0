// /v2 ids are numbers (respond.io's clients send Number(id)): each entity gets a stable number and
// keeps it (table api_numbers, migration 8). A contact has its number from the moment it exists (a
// trigger, migration 12); the others get theirs the first time /v2 shows them. /api/v1 keeps its string ids.
import { ApiError } from '../../src-shared/api/errors';
import { rowLists } from '../db/engine';
import type { Store } from '../workspace/store';

export type NumberedEntity = 'contact' | 'user' | 'message' | 'channel' | 'custom_field' | 'tag' | 'team';

/** Ids numbered per INSERT statement on SQLite (PostgreSQL takes them all in one). */
const NUMBER_ROWS = 256;

/** The numbers of these ids, given to those that have none yet (in the order given), many to a statement. */
export async function numbersFor(store: Store, entity: NumberedEntity, ids: readonly string[]): Promise<Map<string, number>> {
  const wanted = [...new Set(ids)];
  const out = new Map<string, number>();
  if (wanted.length === 0) return out;
  const read = async () => {
    const rows = await store.db.all<{ entity_id: string; num: number }>(
      `SELECT entity_id, num FROM api_numbers WHERE entity = ? AND entity_id IN (${wanted.map(() => '?').join(', ')})`,
      [entity, ...wanted],
    );
    for (const r of rows) out.set(r.entity_id, Number(r.num));
  };
  await read();
  const missing = wanted.filter((id) => !out.has(id));
  if (missing.length === 0) return out;
  // Two instances numbering the same entity at once: the unique index keeps the first, both read it.
  await store.write(async (tx) => {
    for (const { values, params } of rowLists(
      tx.dialect,
      missing.map((id) => [id]),
      ['text'],
      NUMBER_ROWS,
    ))
      await tx.run(
        `INSERT INTO api_numbers (entity, entity_id) SELECT ?, column1 FROM (${values}) AS v WHERE column1 IS NOT NULL ON CONFLICT (entity, entity_id) DO NOTHING`,
        [entity, ...params],
      );
  });
  await read();
  return out;
}

export async function numberOf(store: Store, entity: NumberedEntity, id: string): Promise<number> {
  return (await numbersFor(store, entity, [id])).get(id)!;
}

/** The id behind a number, or null when /v2 never gave it. */
export async function idOfNumber(store: Store, entity: NumberedEntity, num: number): Promise<string | null> {
  const row = await store.db.get<{ entity_id: string }>('SELECT entity_id FROM api_numbers WHERE entity = ? AND num = ?', [entity, num]);
  return row?.entity_id ?? null;
}

/** The id behind a number, or 404 in words. */
export async function requireId(store: Store, entity: NumberedEntity, num: number, what: string): Promise<string> {
  const id = await idOfNumber(store, entity, num);
  if (id === null) throw new ApiError('not_found', `${what} ${num} not found`);
  return id;
}
