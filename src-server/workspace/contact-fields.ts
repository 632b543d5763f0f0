// Custom fields a contact carries (F15), and lifecycle stages (one per contact). A field has a slug
// (made from its name when none is given) and a data type its values are checked against; a list
// field's values are among its options. Values are kept as JSON, so numbers and checkboxes come back as sent.
import { ApiError } from '../../src-shared/api/errors';
import type { CustomField } from '../../src-shared/model';
import type { SqlRunner } from '../db/engine';
import { newId } from './ids';
import type { Tx } from './tx';

export type FieldType = 'text' | 'number' | 'date' | 'time' | 'list' | 'checkbox' | 'email' | 'url';
export type FieldValue = string | number | boolean | null;

export interface FieldRow {
  id: string;
  name: string;
  slug: string;
  description: string;
  data_type: FieldType;
  list_values: string;
}

export interface FieldInput {
  name: string;
  slug?: string;
  description?: string;
  dataType: FieldType;
  allowedValues?: string[];
}

export const listValuesOf = (f: FieldRow): string[] => JSON.parse(f.list_values) as string[];

export async function listFields(sql: SqlRunner): Promise<FieldRow[]> {
  return sql.all<FieldRow>('SELECT * FROM custom_fields ORDER BY created_at, id');
}

/** The fields as the app shows them (a list field with its options). */
export async function customFieldsForApp(sql: SqlRunner): Promise<CustomField[]> {
  return (await listFields(sql)).map((f) => ({ id: f.id, name: f.name, slug: f.slug, data_type: f.data_type, options: listValuesOf(f) }));
}

export async function fieldById(sql: SqlRunner, id: string): Promise<FieldRow | undefined> {
  return sql.get<FieldRow>('SELECT * FROM custom_fields WHERE id = ?', [id]);
}

const slugOf = (name: string) =>
  name
    .toLowerCase()
    .normalize('NFKD')
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '')
    .slice(0, 60) || 'field';

export async function createField(tx: Tx, input: FieldInput): Promise<FieldRow> {
  const options = input.allowedValues ?? [];
  if (input.dataType === 'list' && options.length === 0) throw new ApiError('invalid_request', 'allowedValues: a list field needs its options');
  if (input.dataType !== 'list' && options.length > 0) throw new ApiError('invalid_request', 'allowedValues: only a list field has options (send [])');
  const slug = input.slug || slugOf(input.name);
  if (await tx.sql.get('SELECT id FROM custom_fields WHERE slug = ?', [slug])) throw new ApiError('conflict', `a custom field already has the slug ${slug}`);
  const row: FieldRow = {
    id: newId('cf'),
    name: input.name,
    slug,
    description: input.description ?? '',
    data_type: input.dataType,
    list_values: JSON.stringify(options),
  };
  await tx.run('INSERT INTO custom_fields (id, name, slug, description, data_type, list_values, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)', [
    row.id,
    row.name,
    row.slug,
    row.description,
    row.data_type,
    row.list_values,
    tx.now,
  ]);
  return row;
}

const CHECKS: Record<FieldType, (v: string | number | boolean, f: FieldRow) => boolean> = {
  text: (v) => typeof v === 'string',
  number: (v) => (typeof v === 'number' && Number.isFinite(v)) || (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v))),
  date: (v) => typeof v === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(v) && !Number.isNaN(Date.parse(v)),
  time: (v) => typeof v === 'string' && /^([01]\d|2[0-3]):[0-5]\d$/.test(v),
  list: (v, f) => typeof v === 'string' && listValuesOf(f).includes(v),
  checkbox: (v) => typeof v === 'boolean' || v === 'true' || v === 'false',
  email: (v) => typeof v === 'string' && /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(v),
  url: (v) => typeof v === 'string' && /^https?:\/\/\S+$/.test(v),
};

const TYPE_WORDS: Record<FieldType, string> = {
  text: 'text',
  number: 'a number',
  date: 'a date (YYYY-MM-DD)',
  time: 'a time (HH:MM)',
  list: 'one of its options',
  checkbox: 'true or false',
  email: 'an email address',
  url: 'a web address (http:// or https://)',
};

/** Sets the contact's values by slug (null clears one); a value of the wrong type, or an unknown slug, is refused. */
export async function setFieldValues(tx: Tx, contactId: string, values: readonly { name: string; value: FieldValue }[]): Promise<void> {
  for (const { name, value } of values) {
    const field = await tx.sql.get<FieldRow>('SELECT * FROM custom_fields WHERE slug = ?', [name]);
    if (!field) throw new ApiError('invalid_request', `There is no custom field ${JSON.stringify(name)}.`);
    if (value === null || value === '') {
      await tx.run('DELETE FROM contact_field_values WHERE contact_id = ? AND field_id = ?', [contactId, field.id]);
      continue;
    }
    if (!CHECKS[field.data_type](value, field)) throw new ApiError('invalid_request', `${field.name} must be ${TYPE_WORDS[field.data_type]}.`);
    const stored = field.data_type === 'number' ? Number(value) : field.data_type === 'checkbox' ? value === true || value === 'true' : value;
    await tx.run(
      'INSERT INTO contact_field_values (contact_id, field_id, value) VALUES (?, ?, ?) ON CONFLICT (contact_id, field_id) DO UPDATE SET value = excluded.value',
      [contactId, field.id, JSON.stringify(stored)],
    );
  }
}

/** Each contact's values as [{name: slug, value}]. */
export async function fieldValuesOf(sql: SqlRunner, contactIds: readonly string[]): Promise<Map<string, { name: string; value: FieldValue }[]>> {
  const out = new Map<string, { name: string; value: FieldValue }[]>(contactIds.map((id) => [id, []]));
  if (contactIds.length === 0) return out;
  const rows = await sql.all<{ contact_id: string; slug: string; value: string }>(
    `SELECT v.contact_id, f.slug, v.value FROM contact_field_values v JOIN custom_fields f ON f.id = v.field_id
     WHERE v.contact_id IN (${contactIds.map(() => '?').join(', ')}) ORDER BY f.created_at, f.id`,
    [...contactIds],
  );
  for (const r of rows) out.get(r.contact_id)?.push({ name: r.slug, value: JSON.parse(r.value) as FieldValue });
  return out;
}

/** Sets the contact's lifecycle stage by name (null: none); an unknown stage is 404. */
export async function setLifecycle(tx: Tx, contactId: string, name: string | null): Promise<void> {
  let stageId: string | null = null;
  if (name !== null) {
    const stage = await tx.sql.get<{ id: string }>('SELECT id FROM lifecycle_stages WHERE lower(name) = lower(?)', [name]);
    if (!stage) throw new ApiError('not_found', `no lifecycle stage called ${JSON.stringify(name)}`);
    stageId = stage.id;
  }
  await tx.run('UPDATE contacts SET lifecycle_stage_id = ? WHERE id = ?', [stageId, contactId]);
}

/** The names of the lifecycle stages, by id. */
export async function lifecycleNames(sql: SqlRunner): Promise<Map<string, string>> {
  const rows = await sql.all<{ id: string; name: string }>('SELECT id, name FROM lifecycle_stages');
  return new Map(rows.map((r) => [r.id, r.name]));
}
