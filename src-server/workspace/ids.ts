// Ids of the rows the server creates: a prefix naming the entity and 12 random characters.
import { randomFillSync } from 'node:crypto';

/** Random bytes for ids, drawn from the CSPRNG 512 ids at a time (one call per id showed in profiles). */
const idPool = Buffer.alloc(9 * 512);
let idPos = idPool.length;

export function newId(prefix: string): string {
  if (idPos === idPool.length) {
    randomFillSync(idPool);
    idPos = 0;
  }
  idPos += 9;
  return `${prefix}_${idPool.toString('base64url', idPos - 9, idPos)}`;
}
