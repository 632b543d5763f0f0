// The filter of POST /v2/contact/list as SQL conditions on contacts `c`: {$and | $or: [{category,
// field, operator, value}]}, an empty list meaning no filter.
import { ApiError } from '../../src-shared/api/errors';
import type { FilterCondition } from '../../src-shared/api/v2';
import type { Param } from '../db/engine';
import type { Where } from '../workspace/conversations';
import type { Store } from '../workspace/store';

/** Contact fields a filter may name besides custom fields' slugs. */
const STANDARD: Record<string, string> = {
  firstName: 'COALESCE(c.first_name, c.name)',
  lastName: "COALESCE(c.last_name, '')",
  email: "LOWER(COALESCE(c.email, ''))",
  phone: "COALESCE(c.phone, '')",
  language: "COALESCE(c.language, '')",
  countryCode: "COALESCE(c.country_code, '')",
};

const values = (v: FilterCondition['value']): Param[] =>
  (Array.isArray(v) ? v : v === null || v === undefined ? [] : [v]).map((x) => (typeof x === 'boolean' ? String(x) : x));
const list = (n: number) => Array.from({ length: n }, () => '?').join(', ');
/** Unix seconds (or ms, when it is that large) to ms. */
const toMs = (v: Param) => (Number(v) < 1e11 ? Number(v) * 1000 : Number(v));

function needValue(cond: FilterCondition, vs: Param[]): void {
  if (vs.length === 0) throw new ApiError('invalid_request', `filter: ${cond.operator} needs a value`);
}

function setCondition(cond: FilterCondition, member: (vs: Param[]) => Where, any: Where): Where {
  const vs = values(cond.value);
  switch (cond.operator) {
    case 'exists':
      return any;
    case 'doesNotExist':
      return { sql: `NOT ${any.sql}`, params: any.params };
    case 'isEqualTo':
    case 'hasAnyOf':
      needValue(cond, vs);
      return member(vs);
    case 'isNotEqualTo':
    case 'hasNoneOf': {
      needValue(cond, vs);
      const m = member(vs);
      return { sql: `NOT ${m.sql}`, params: m.params };
    }
    default:
      throw new ApiError('invalid_request', `filter: ${cond.category} does not take ${cond.operator}`);
  }
}

function tagCondition(cond: FilterCondition): Where {
  const member = (vs: Param[]): Where => ({
    sql: `EXISTS (SELECT 1 FROM contact_tags ct JOIN tags t ON t.id = ct.tag_id WHERE ct.contact_id = c.id AND lower(t.name) IN (${list(vs.length)}))`,
    params: vs.map((v) => String(v).toLowerCase()),
  });
  if (cond.operator === 'hasAllOf') {
    const vs = values(cond.value);
    needValue(cond, vs);
    const parts = vs.map((v) => member([v]));
    return { sql: parts.map((p) => p.sql).join(' AND '), params: parts.flatMap((p) => p.params) };
  }
  return setCondition(cond, member, { sql: 'EXISTS (SELECT 1 FROM contact_tags ct WHERE ct.contact_id = c.id)', params: [] });
}

function lifecycleCondition(cond: FilterCondition): Where {
  const member = (vs: Param[]): Where => ({
    sql: `EXISTS (SELECT 1 FROM lifecycle_stages ls WHERE ls.id = c.lifecycle_stage_id AND lower(ls.name) IN (${list(vs.length)}))`,
    params: vs.map((v) => String(v).toLowerCase()),
  });
  return setCondition(cond, member, { sql: '(c.lifecycle_stage_id IS NOT NULL)', params: [] });
}

function compare(cond: FilterCondition, expr: string, numeric: boolean, norm: (v: Param) => Param): Where {
  const vs = values(cond.value).map(norm);
  const one = () => (needValue(cond, vs), vs[0]);
  const set = (not: boolean): Where => (needValue(cond, vs), { sql: `${not ? 'NOT ' : ''}(${expr} IN (${list(vs.length)}))`, params: vs });
  switch (cond.operator) {
    case 'exists':
      return { sql: `(${expr} IS NOT NULL AND ${expr} <> '')`, params: [] };
    case 'doesNotExist':
      return { sql: `(${expr} IS NULL OR ${expr} = '')`, params: [] };
    case 'isEqualTo':
    case 'hasAnyOf':
      return set(false);
    case 'isNotEqualTo':
    case 'hasNoneOf':
      return set(true);
    case 'isGreaterThan':
    case 'isLessThan':
      if (!numeric) throw new ApiError('invalid_request', `filter: ${cond.field} is not a number field`);
      return { sql: `CAST(${expr} AS REAL) ${cond.operator === 'isGreaterThan' ? '>' : '<'} ?`, params: [Number(one())] };
    default:
      throw new ApiError('invalid_request', `filter: ${cond.field} does not take ${cond.operator}`);
  }
}

async function fieldCondition(store: Store, cond: FilterCondition): Promise<Where> {
  const field = cond.field ?? '';
  if (field === 'created_at' && (cond.operator === 'isTimestampAfter' || cond.operator === 'isTimestampBefore')) {
    const v = values(cond.value)[0];
    if (v === undefined) throw new ApiError('invalid_request', `filter: ${cond.operator} needs a value`);
    return { sql: `c.created_at ${cond.operator === 'isTimestampAfter' ? '>' : '<'} ?`, params: [toMs(v)] };
  }
  if (STANDARD[field]) return compare(cond, STANDARD[field], false, (v) => (field === 'email' ? String(v).toLowerCase() : v));
  const custom = await store.db.get<{ id: string; data_type: string }>('SELECT id, data_type FROM custom_fields WHERE slug = ?', [field]);
  if (!custom) throw new ApiError('invalid_request', `filter: no contact field ${JSON.stringify(field)}`);
  const value = `(SELECT v.value FROM contact_field_values v WHERE v.contact_id = c.id AND v.field_id = '${custom.id.replace(/'/g, "''")}')`;
  if (cond.operator === 'isTimestampAfter' || cond.operator === 'isTimestampBefore') {
    if (custom.data_type !== 'date') throw new ApiError('invalid_request', `filter: ${field} is not a date field`);
    const v = values(cond.value)[0];
    if (v === undefined) throw new ApiError('invalid_request', `filter: ${cond.operator} needs a value`);
    const day = JSON.stringify(new Date(toMs(v)).toISOString().slice(0, 10));
    return { sql: `${value} ${cond.operator === 'isTimestampAfter' ? '>' : '<'} ?`, params: [day] };
  }
  // Values are stored as JSON: compare with the JSON of the value, as the field's type keeps it.
  const numeric = custom.data_type === 'number';
  const asJson = (v: Param): Param => JSON.stringify(numeric ? Number(v) : custom.data_type === 'checkbox' ? v === 'true' || v === 1 : v);
  return compare(cond, value, numeric, (v) => (cond.operator === 'isGreaterThan' || cond.operator === 'isLessThan' ? v : asJson(v)));
}

async function conditionOf(store: Store, cond: FilterCondition): Promise<Where> {
  if (cond.category === 'contactTag') return tagCondition(cond);
  if (cond.category === 'lifecycle') return lifecycleCondition(cond);
  return fieldCondition(store, cond);
}

/** The filter's conditions, as one (or none for an empty filter). */
export async function filterWhere(store: Store, filter: { $and?: FilterCondition[]; $or?: FilterCondition[] } | undefined): Promise<Where[]> {
  const out: Where[] = [];
  for (const [key, joiner] of [
    ['$and', ' AND '],
    ['$or', ' OR '],
  ] as const) {
    const conds = filter?.[key] ?? [];
    if (conds.length === 0) continue;
    const parts = await Promise.all(conds.map((c) => conditionOf(store, c)));
    out.push({ sql: `(${parts.map((p) => `(${p.sql})`).join(joiner)})`, params: parts.flatMap((p) => p.params) });
  }
  return out;
}
