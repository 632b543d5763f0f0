// Conditions on a contact's tags, lifecycle stage and custom field values, as SQL on contacts `c`:
// one text for the Developer API's list filter and for custom inboxes alike.
import type { Param } from '../db/engine';

/** A condition and its parameters (conversations' Where: imported from there, it would be a cycle). */
type Where = { sql: string; params: Param[] };

const list = (n: number) => Array.from({ length: n }, () => '?').join(', ');

/** Carries one of these tags (any letter case). */
export const taggedWith = (names: readonly Param[]): Where => ({
  sql: `EXISTS (SELECT 1 FROM contact_tags ct JOIN tags t ON t.id = ct.tag_id WHERE ct.contact_id = c.id AND lower(t.name) IN (${list(names.length)}))`,
  params: names.map((v) => String(v).toLowerCase()),
});

/** Is at one of these lifecycle stages (any letter case). */
export const atLifecycle = (names: readonly Param[]): Where => ({
  sql: `EXISTS (SELECT 1 FROM lifecycle_stages ls WHERE ls.id = c.lifecycle_stage_id AND lower(ls.name) IN (${list(names.length)}))`,
  params: names.map((v) => String(v).toLowerCase()),
});

/**
 * Has this value in the custom field with this slug, the value written as a person types it: values
 * are kept as JSON, so a text "pro" is stored "\"pro\"" and a number 120 or a tick true as typed.
 */
export const withFieldValue = (slug: string, value: string): Where => ({
  sql: 'EXISTS (SELECT 1 FROM contact_field_values v JOIN custom_fields f ON f.id = v.field_id WHERE v.contact_id = c.id AND f.slug = ? AND v.value IN (?, ?))',
  params: [slug, JSON.stringify(value), value],
});
