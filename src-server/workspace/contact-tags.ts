// Workspace tags and the tags a contact carries (F15): name (unique in any letter case),
// description, colour (a name like tag-blue, or hex) and emoji. Tagging a contact with an unknown
// name creates the tag.
import { ApiError } from '../../src-shared/api/errors';
import type { SqlRunner } from '../db/engine';
import { newId } from './ids';
import type { Tx } from './tx';

export interface TagRow {
  id: string;
  name: string;
  description: string;
  color: string;
  emoji: string;
}

export interface TagInput {
  name: string;
  description?: string;
  colorCode?: string;
  emoji?: string;
}

const DEFAULT_COLOR = 'tag-blue';

export async function listTags(sql: SqlRunner): Promise<TagRow[]> {
  return sql.all<TagRow>('SELECT id, name, description, color, emoji FROM tags ORDER BY lower(name), id');
}

export async function tagNamed(sql: SqlRunner, name: string): Promise<TagRow | undefined> {
  return sql.get<TagRow>('SELECT id, name, description, color, emoji FROM tags WHERE lower(name) = lower(?)', [name]);
}

export async function createTag(tx: Tx, input: TagInput): Promise<TagRow> {
  if (await tagNamed(tx.sql, input.name)) throw new ApiError('conflict', `a tag is already called ${JSON.stringify(input.name)}`);
  const row: TagRow = {
    id: newId('tg'),
    name: input.name,
    description: input.description ?? '',
    color: input.colorCode || DEFAULT_COLOR,
    emoji: input.emoji ?? '',
  };
  await tx.run('INSERT INTO tags (id, name, description, color, emoji, created_at) VALUES (?, ?, ?, ?, ?, ?)', [
    row.id,
    row.name,
    row.description,
    row.color,
    row.emoji,
    tx.now,
  ]);
  return row;
}

/** Edits the tag called currentName; what is absent (a name among them) stays as it is. */
export async function updateTag(tx: Tx, currentName: string, input: Partial<TagInput>): Promise<TagRow> {
  const tag = await tagNamed(tx.sql, currentName);
  if (!tag) throw new ApiError('not_found', `no tag called ${JSON.stringify(currentName)}`);
  const clash = input.name ? await tagNamed(tx.sql, input.name) : undefined;
  if (clash && clash.id !== tag.id) throw new ApiError('conflict', `a tag is already called ${JSON.stringify(input.name)}`);
  const row: TagRow = {
    id: tag.id,
    name: input.name || tag.name,
    description: input.description ?? tag.description,
    color: input.colorCode || tag.color,
    emoji: input.emoji ?? tag.emoji,
  };
  await tx.run('UPDATE tags SET name = ?, description = ?, color = ?, emoji = ? WHERE id = ?', [row.name, row.description, row.color, row.emoji, row.id]);
  return row;
}

export async function deleteTag(tx: Tx, name: string): Promise<void> {
  const tag = await tagNamed(tx.sql, name);
  if (!tag) throw new ApiError('not_found', `no tag called ${JSON.stringify(name)}`);
  await tx.run('DELETE FROM contact_tags WHERE tag_id = ?', [tag.id]);
  await tx.run('DELETE FROM tags WHERE id = ?', [tag.id]);
}

/** Tags the contact with these names, creating the tags nobody made yet. */
export async function tagContact(tx: Tx, contactId: string, names: readonly string[]): Promise<void> {
  for (const name of names) {
    const tag = (await tagNamed(tx.sql, name)) ?? (await createTag(tx, { name }));
    await tx.run('INSERT INTO contact_tags (contact_id, tag_id) VALUES (?, ?) ON CONFLICT (contact_id, tag_id) DO NOTHING', [contactId, tag.id]);
  }
}

export async function untagContact(tx: Tx, contactId: string, names: readonly string[]): Promise<void> {
  for (const name of names) {
    const tag = await tagNamed(tx.sql, name);
    if (tag) await tx.run('DELETE FROM contact_tags WHERE contact_id = ? AND tag_id = ?', [contactId, tag.id]);
  }
}

/** The tag names of each contact, by name. */
export async function tagsOf(sql: SqlRunner, contactIds: readonly string[]): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>(contactIds.map((id) => [id, []]));
  if (contactIds.length === 0) return out;
  const rows = await sql.all<{ contact_id: string; name: string }>(
    `SELECT ct.contact_id, t.name FROM contact_tags ct JOIN tags t ON t.id = ct.tag_id
     WHERE ct.contact_id IN (${contactIds.map(() => '?').join(', ')}) ORDER BY lower(t.name)`,
    [...contactIds],
  );
  for (const r of rows) out.get(r.contact_id)?.push(r.name);
  return out;
}
