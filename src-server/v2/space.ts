// /v2/space: users, closing notes, channels, tags and custom fields of the workspace.
import { ApiError } from '../../src-shared/api/errors';
import { createTag, deleteTag, listTags, tagNamed, updateTag, type TagRow } from '../workspace/contact-tags';
import { refreshProfile } from '../workspace/contact-details';
import { createField, fieldById, listFields, listValuesOf, type FieldRow } from '../workspace/contact-fields';
import type { UserRow } from '../workspace/rows';
import type { Store } from '../workspace/store';
import type { Tx } from '../workspace/tx';
import type { V2Handlers } from './context';
import { numberOf, numbersFor, requireId } from './numbers';
import { pageOfList } from './paging';
import { channelShapes, userShapes } from './shapes';

const PEOPLE = 'SELECT * FROM users WHERE api_token_id IS NULL';

/** The contacts carrying a tag get their profile again (a renamed or deleted tag), so desktops follow. */
async function refreshContacts(tx: Tx, contactIds: string[]): Promise<void> {
  for (const id of contactIds) {
    await refreshProfile(tx, id);
    await tx.emitRow('contact', id);
  }
}

const taggedWith = async (tx: Tx, tagId: string) =>
  (await tx.sql.all<{ contact_id: string }>('SELECT contact_id FROM contact_tags WHERE tag_id = ? ORDER BY contact_id', [tagId])).map((r) => r.contact_id);

async function tagShapes(store: Store, rows: TagRow[]) {
  const nums = await numbersFor(
    store,
    'tag',
    rows.map((t) => t.id),
  );
  return rows.map((t) => ({ id: nums.get(t.id)!, name: t.name, description: t.description, colorCode: t.color, emoji: t.emoji }));
}

async function fieldShapes(store: Store, rows: FieldRow[]) {
  const nums = await numbersFor(
    store,
    'custom_field',
    rows.map((f) => f.id),
  );
  return rows.map((f) => ({
    id: nums.get(f.id)!,
    name: f.name,
    slug: f.slug,
    description: f.description,
    dataType: f.data_type,
    ...(f.data_type === 'list' && { allowedValues: { listValues: listValuesOf(f) } }),
  }));
}

export const spaceHandlers: V2Handlers<
  | 'v2ListUsers'
  | 'v2GetUser'
  | 'v2ClosingNotes'
  | 'v2Channels'
  | 'v2ListTags'
  | 'v2CreateTag'
  | 'v2UpdateTag'
  | 'v2DeleteTag'
  | 'v2ListCustomFields'
  | 'v2CreateCustomField'
  | 'v2GetCustomField'
> = {
  v2ListUsers: async (c) => {
    const rows = await c.store.db.all<UserRow>(`${PEOPLE} ORDER BY created_at, id`);
    return pageOfList(c.req, c.query, await userShapes(c.store, rows), (u) => u.id);
  },
  v2GetUser: async (c) => {
    const id = await requireId(c.store, 'user', c.params.id, 'user');
    const row = await c.store.db.get<UserRow>(`${PEOPLE} AND id = ?`, [id]);
    if (!row) throw new ApiError('not_found', `user ${c.params.id} not found`);
    return (await userShapes(c.store, [row]))[0];
  },
  v2ClosingNotes: async (c) => {
    const rows = await c.store.db.all<{ id: string; name: string }>('SELECT id, name FROM closing_categories WHERE archived = 0 ORDER BY position, id');
    // Closing categories have no numbers of their own in respond.io's shape: their place pages them.
    const items = rows.map((r, i) => ({ n: i + 1, item: { category: r.name, description: '' } }));
    const page = pageOfList(c.req, c.query, items, (x) => x.n);
    return { items: page.items.map((x) => x.item), pagination: page.pagination };
  },
  v2Channels: async (c) => {
    const rows = await c.store.db.all<{ id: string; name: string; created_at: number }>('SELECT id, name, created_at FROM channels ORDER BY created_at, id');
    return pageOfList(c.req, c.query, await channelShapes(c.store, rows), (x) => x.id);
  },
  v2ListTags: async (c) => pageOfList(c.req, c.query, await tagShapes(c.store, await listTags(c.store.db)), (t) => t.id),
  v2CreateTag: async (c) => (await tagShapes(c.store, [await c.store.write((tx) => createTag(tx, c.body))]))[0],
  v2UpdateTag: async (c) => {
    const tag = await c.store.write(async (tx) => {
      const row = await updateTag(tx, c.body.currentName, { ...c.body, name: c.body.name || undefined });
      await refreshContacts(tx, await taggedWith(tx, row.id));
      return row;
    });
    return (await tagShapes(c.store, [tag]))[0];
  },
  v2DeleteTag: async (c) => {
    await c.store.write(async (tx) => {
      const tag = await tagNamed(tx.sql, c.body.name);
      const tagged = tag ? await taggedWith(tx, tag.id) : [];
      await deleteTag(tx, c.body.name);
      await refreshContacts(tx, tagged);
    });
    return { name: c.body.name, code: 200, message: `tag ${c.body.name} deleted` };
  },
  v2ListCustomFields: async (c) => pageOfList(c.req, c.query, await fieldShapes(c.store, await listFields(c.store.db)), (f) => f.id),
  v2CreateCustomField: async (c) => {
    const input = { ...c.body, slug: c.body.slug ?? undefined, allowedValues: c.body.allowedValues ?? undefined };
    return (await fieldShapes(c.store, [await c.store.write((tx) => createField(tx, input))]))[0];
  },
  v2GetCustomField: async (c) => {
    const id = await requireId(c.store, 'custom_field', c.params.id, 'custom field');
    const row = await fieldById(c.store.db, id);
    if (!row) throw new ApiError('not_found', `custom field ${c.params.id} not found`);
    return (await fieldShapes(c.store, [row]))[0];
  },
};
