// /v2 contacts: get, create, update, delete, create-or-update, list with search and filter, tags,
// channels and lifecycle. Writes go through the workspace code, so they reach every desktop over sync.
import { ApiError } from '../../src-shared/api/errors';
import { tagContact, untagContact } from '../workspace/contact-tags';
import { listFields, setLifecycle } from '../workspace/contact-fields';
import { createContact, deleteContact, refreshProfile, updateContactDetails, type ContactDetails } from '../workspace/contact-details';
import { searchCondition, type Where } from '../workspace/conversations';
import type { Store } from '../workspace/store';
import type { Tx } from '../workspace/tx';
import type { V2Handlers } from './context';
import { filterWhere } from './contact-filter';
import { findContact, parseIdentifier, requireContact, type Identifier } from './identifiers';
import { numberOf, numbersFor, requireId } from './numbers';
import { pageOf, pageOfList } from './paging';
import { channelShapes, contactShapes, nameParts, seconds } from './shapes';
import type { V2ContactInput } from '../../src-shared/api/v2';

async function shapeOne(store: Store, row: Record<string, unknown>) {
  return (await contactShapes(store, [row]))[0];
}

async function answer(store: Store, contactId: string) {
  return { contactId: await numberOf(store, 'contact', contactId) };
}

/**
 * The details as the workspace takes them: custom fields by slug, though clients also name them by the
 * field's name (respond.io's SDK examples) or by its /v2 id (n8n, for a field without a slug).
 */
async function detailsOf(store: Store, input: V2ContactInput): Promise<ContactDetails> {
  const { custom_fields, ...rest } = input;
  if (!custom_fields?.length) return rest;
  const fields = await listFields(store.db);
  const nums = await numbersFor(
    store,
    'custom_field',
    fields.map((f) => f.id),
  );
  const slugOf = (name: string) =>
    fields.find((f) => f.slug === name)?.slug ??
    fields.find((f) => f.name.toLowerCase() === name.toLowerCase() || String(nums.get(f.id)) === name)?.slug ??
    name;
  return { ...rest, custom_fields: custom_fields.map((f) => ({ ...f, name: slugOf(f.name) })) };
}

/** The identifier's email or phone fills the same field of a new contact. */
function withIdentifier(ident: Identifier, d: ContactDetails): ContactDetails {
  if (ident.kind === 'id') throw new ApiError('not_found', `no contact id:${ident.num}`);
  return ident.kind === 'email' ? { ...d, email: d.email ?? ident.email } : { ...d, phone: d.phone ?? ident.phone };
}

async function rowIn(tx: Tx, id: string): Promise<Record<string, unknown>> {
  return (await tx.sql.get('SELECT * FROM contacts WHERE id = ?', [id]))!;
}

const update = (tx: Tx, row: Record<string, unknown>, d: ContactDetails) =>
  updateContactDetails(tx, row, nameParts(String(row.name), row.first_name, row.last_name), d);

/** Runs a write on the identified contact (404 if none), then carries its profile to the desktops; answers {contactId}. */
async function onContact(c: { store: Store; params: { identifier: string } }, fn: (tx: Tx, contactId: string) => Promise<unknown>) {
  const row = await requireContact(c.store, c.store.db, c.params.identifier);
  const id = String(row.id);
  await c.store.write(async (tx) => {
    await fn(tx, id);
    await refreshProfile(tx, id);
    await tx.emitRow('contact', id);
  });
  return answer(c.store, id);
}

export const contactHandlers: V2Handlers<
  | 'v2GetContact'
  | 'v2CreateContact'
  | 'v2UpdateContact'
  | 'v2DeleteContact'
  | 'v2CreateOrUpdateContact'
  | 'v2ListContacts'
  | 'v2AddTags'
  | 'v2RemoveTags'
  | 'v2ContactChannels'
  | 'v2UpdateLifecycle'
> = {
  v2GetContact: async (c) => shapeOne(c.store, await requireContact(c.store, c.store.db, c.params.identifier)),
  v2CreateContact: async (c) => {
    const ident = parseIdentifier(c.params.identifier);
    const details = withIdentifier(ident, await detailsOf(c.store, c.body));
    const created = await c.store.write(async (tx) => {
      if (await findContact(c.store, tx.sql, ident)) throw new ApiError('conflict', `a contact ${c.params.identifier} exists already`);
      return createContact(tx, details);
    });
    // respond.io's SDK types this answer as {code: string, message}.
    return { ...(await answer(c.store, created.id)), code: '200', message: 'Contact added successfully!' };
  },
  v2UpdateContact: async (c) => {
    const row = await requireContact(c.store, c.store.db, c.params.identifier);
    const details = await detailsOf(c.store, c.body);
    await c.store.write(async (tx) => update(tx, await rowIn(tx, String(row.id)), details));
    return answer(c.store, String(row.id));
  },
  v2DeleteContact: async (c) => {
    const row = await requireContact(c.store, c.store.db, c.params.identifier);
    const num = await numberOf(c.store, 'contact', String(row.id));
    await c.store.write(async (tx) => deleteContact(tx, await rowIn(tx, String(row.id))));
    return { contactId: num };
  },
  v2CreateOrUpdateContact: async (c) => {
    const ident = parseIdentifier(c.params.identifier);
    const details = await detailsOf(c.store, c.body);
    const contact = await c.store.write(async (tx) => {
      const row = await findContact(c.store, tx.sql, ident);
      return row ? update(tx, row, details) : createContact(tx, withIdentifier(ident, details));
    });
    return answer(c.store, contact.id);
  },
  v2ListContacts: async (c) => {
    const conds: Where[] = [];
    if (c.body.search?.trim()) conds.push(searchCondition(c.body.search.trim()));
    conds.push(...(await filterWhere(c.store, c.body.filter, c.body.timezone)));
    const where = (extra: Where[]) => {
      const all = [...conds, ...extra];
      return { sql: all.length ? `WHERE ${all.map((w) => w.sql).join(' AND ')}` : '', params: all.flatMap((w) => w.params) };
    };
    let after: { at: number; id: string } | null = null;
    if (c.query.cursorId !== undefined) {
      const id = await requireId(c.store, 'contact', c.query.cursorId, 'cursorId: contact');
      const at = await c.store.db.get<{ created_at: number }>('SELECT created_at FROM contacts WHERE id = ?', [id]);
      if (!at) throw new ApiError('not_found', `cursorId: contact ${c.query.cursorId} not found`);
      after = { at: Number(at.created_at), id };
    }
    const page = where(after ? [{ sql: '(c.created_at > ? OR (c.created_at = ? AND c.id > ?))', params: [after.at, after.at, after.id] }] : []);
    const rows = await c.store.db.all(`SELECT c.* FROM contacts c ${page.sql} ORDER BY c.created_at, c.id LIMIT ?`, [...page.params, c.query.limit + 1]);
    let before: number | null | undefined;
    if (after) {
      const back = where([{ sql: '(c.created_at < ? OR (c.created_at = ? AND c.id <= ?))', params: [after.at, after.at, after.id] }]);
      const prior = await c.store.db.all<{ id: string }>(`SELECT c.id FROM contacts c ${back.sql} ORDER BY c.created_at DESC, c.id DESC LIMIT ?`, [
        ...back.params,
        c.query.limit + 1,
      ]);
      before = prior.length <= c.query.limit ? null : await numberOf(c.store, 'contact', prior[c.query.limit].id);
    }
    const items = await contactShapes(c.store, rows.slice(0, c.query.limit));
    return pageOf(c.req, c.query, items, rows.length > c.query.limit, (x) => x.id, before);
  },
  v2AddTags: async (c) => onContact(c, (tx, id) => tagContact(tx, id, c.body)),
  v2RemoveTags: async (c) => onContact(c, (tx, id) => untagContact(tx, id, c.body)),
  v2ContactChannels: async (c) => {
    const row = await requireContact(c.store, c.store.db, c.params.identifier);
    const channel = row.channel_id
      ? await c.store.db.get<{ id: string; name: string; created_at: number }>('SELECT id, name, created_at FROM channels WHERE id = ?', [
          String(row.channel_id),
        ])
      : undefined;
    const last = await c.store.db.get<{ last_at: number | null; last_in_at: number | null }>(
      `SELECT MAX(created_at) AS last_at, MAX(CASE WHEN direction = 'incoming' THEN created_at END) AS last_in_at FROM messages WHERE contact_id = ?`,
      [String(row.id)],
    );
    const items = (await channelShapes(c.store, channel ? [channel] : [])).map((ch) => ({
      ...ch,
      ...(last?.last_at != null && { lastMessageTime: seconds(last.last_at) }),
      ...(last?.last_in_at != null && { lastIncomingMessageTime: seconds(last.last_in_at) }),
    }));
    return pageOfList(c.req, c.query, items, (x) => x.id);
  },
  v2UpdateLifecycle: async (c) => ({
    // n8n sends "" for no stage, as respond.io's SDK sends null.
    ...(await onContact(c, (tx, id) => setLifecycle(tx, id, c.body.name || null))),
    code: 200,
    message: c.body.name ? `lifecycle set to ${c.body.name}` : 'lifecycle removed',
  }),
};
