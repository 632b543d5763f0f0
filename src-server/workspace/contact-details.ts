// A contact's details beside the name (F15), mostly set by the Developer API: first and last name,
// language, picture, country, custom field values; its profile (tags, lifecycle, values) as the feed
// carries it, which people edit in the contact panel too; and deletion, which every user who could see
// the contact is told of as a removal (their cache drops it with its history).
import { scopeAllows } from '../../src-shared/access/visibility';
import type { Contact } from '../../src-shared/model';
import type { SqlRunner } from '../db/engine';
import { fieldValuesOf, setFieldValues, setLifecycle, type FieldValue } from './contact-fields';
import { tagContact, tagsOf, untagContact } from './contact-tags';
import type { UserRow } from './rows';
import { newId } from './ids';
import { scopeOf, visibleContact, type ViewerCtx } from './viewer';
import type { Tx } from './tx';

export interface ProfileChange {
  add_tags?: string[];
  remove_tags?: string[];
  lifecycle?: string | null;
  custom_fields?: { name: string; value: FieldValue }[];
}

export interface ContactDetails {
  firstName?: string;
  lastName?: string | null;
  phone?: string | null;
  email?: string | null;
  language?: string | null;
  profilePic?: string | null;
  countryCode?: string | null;
  custom_fields?: { name: string; value: FieldValue }[];
}

const COLUMNS = { phone: 'phone', email: 'email', language: 'language', profilePic: 'profile_pic', countryCode: 'country_code' } as const;

/** A new contact (no channel, no conversation yet), visible to everyone who sees unassigned contacts. */
export async function createContact(tx: Tx, d: ContactDetails): Promise<Contact> {
  const id = newId('c');
  const first = d.firstName?.trim() ?? '';
  const last = d.lastName?.trim() ?? '';
  const name = [first, last].filter(Boolean).join(' ') || d.email || d.phone || 'Contact';
  await tx.run(
    `INSERT INTO contacts (id, name, phone, email, status, last_activity_at, created_at, first_name, last_name, language, profile_pic, country_code)
     VALUES (?, ?, ?, ?, 'closed', ?, ?, ?, ?, ?, ?, ?)`,
    [id, name, d.phone ?? null, d.email ?? null, tx.now, tx.now, first || null, last || null, d.language ?? null, d.profilePic ?? null, d.countryCode ?? null],
  );
  if (d.custom_fields) await setFieldValues(tx, id, d.custom_fields);
  await refreshProfile(tx, id);
  return (await tx.emitRow('contact', id)) as Contact;
}

/** Changes the details given (first and last name together make the name). */
export async function updateContactDetails(
  tx: Tx,
  contact: Record<string, unknown>,
  parts: { firstName: string; lastName: string },
  d: ContactDetails,
): Promise<Contact> {
  const id = String(contact.id);
  const sets: string[] = [];
  const params: (string | null)[] = [];
  if (d.firstName !== undefined || d.lastName !== undefined) {
    const first = d.firstName?.trim() ?? parts.firstName;
    const last = d.lastName === undefined ? parts.lastName : (d.lastName?.trim() ?? '');
    sets.push('name = ?', 'first_name = ?', 'last_name = ?');
    params.push([first, last].filter(Boolean).join(' ') || String(contact.name), first, last);
  }
  for (const [key, column] of Object.entries(COLUMNS) as [keyof typeof COLUMNS, string][]) {
    if (d[key] !== undefined) (sets.push(`${column} = ?`), params.push(d[key] ?? null));
  }
  if (sets.length) await tx.run(`UPDATE contacts SET ${sets.join(', ')} WHERE id = ?`, [...params, id]);
  if (d.custom_fields) await setFieldValues(tx, id, d.custom_fields);
  await refreshProfile(tx, id);
  return (await tx.emitRow('contact', id)) as Contact;
}

/** Deletes the contact with its conversations, messages, comments, events, notifications, tags and values. */
export async function deleteContact(tx: Tx, contact: Record<string, unknown>): Promise<void> {
  const id = String(contact.id);
  const assignee = (contact.assignee_id as string | null) ?? null;
  for (const user of await tx.sql.all<UserRow>('SELECT * FROM users WHERE deactivated = 0 AND api_token_id IS NULL ORDER BY id')) {
    if (scopeAllows(await scopeOf(tx.sql, user), assignee)) tx.emit('contact', 'remove', id, id, null, user.id);
  }
  for (const table of ['notifications', 'events', 'comments', 'messages', 'conversations', 'contact_tags', 'contact_field_values']) {
    await tx.run(`DELETE FROM ${table} WHERE contact_id = ?`, [id]);
  }
  await tx.run('DELETE FROM contacts WHERE id = ?', [id]);
}

/**
 * Writes the contact's tags, lifecycle stage and custom field values into contacts.profile (NULL when
 * it has none), so its next change record carries them to every desktop. The caller emits the row.
 */
export async function refreshProfile(tx: Tx, contactId: string): Promise<void> {
  const [tags, fields, stage] = await Promise.all([
    tagsOf(tx.sql, [contactId]),
    fieldValuesOf(tx.sql, [contactId]),
    tx.sql.get<{ name: string }>('SELECT ls.name FROM contacts c JOIN lifecycle_stages ls ON ls.id = c.lifecycle_stage_id WHERE c.id = ?', [contactId]),
  ]);
  const profile = { tags: tags.get(contactId) ?? [], lifecycle: stage?.name ?? null, custom_fields: fields.get(contactId) ?? [] };
  const empty = profile.tags.length === 0 && profile.lifecycle === null && profile.custom_fields.length === 0;
  await tx.run('UPDATE contacts SET profile = ? WHERE id = ?', [empty ? null : JSON.stringify(profile), contactId]);
}

/** A person tags or untags a contact, sets its lifecycle stage and custom field values from the contact panel (changes, not a whole list: two people at once both count). */
export async function setProfile(tx: Tx, viewer: ViewerCtx, contactId: string, change: ProfileChange): Promise<Contact> {
  await visibleContact(tx.sql, viewer, contactId);
  if (change.remove_tags) await untagContact(tx, contactId, change.remove_tags);
  if (change.add_tags) await tagContact(tx, contactId, change.add_tags);
  if (change.lifecycle !== undefined) await setLifecycle(tx, contactId, change.lifecycle);
  if (change.custom_fields) await setFieldValues(tx, contactId, change.custom_fields);
  await refreshProfile(tx, contactId);
  return (await tx.emitRow('contact', contactId)) as Contact;
}

export async function listLifecycleStages(sql: SqlRunner): Promise<{ id: string; name: string }[]> {
  return sql.all<{ id: string; name: string }>('SELECT id, name FROM lifecycle_stages ORDER BY position, id');
}
