// The filter of POST /v2/contact/list as SQL conditions on contacts `c`: {$and | $or: [{category,
// field, operator, value}]}, an empty list meaning no filter. Dates given as a day (YYYY-MM-DD), and
// date fields compared with an instant, are days in the list's `timezone`.
import { ApiError } from '../../src-shared/api/errors';
import type { FilterCondition } from '../../src-shared/api/v2';
import type { Param } from '../db/engine';
import type { Where } from '../workspace/conversations';
import { atLifecycle, taggedWith } from '../workspace/profile-conditions';
import type { Store } from '../workspace/store';
import { checkedZone, dayIn, dayStart, isDay } from './time-zones';

/** Contact fields a filter may name besides custom fields' slugs. */
const STANDARD: Record<string, string> = {
  firstName: 'COALESCE(c.first_name, c.name)',
  lastName: "COALESCE(c.last_name, '')",
  email: "LOWER(COALESCE(c.email, ''))",
  phone: "COALESCE(c.phone, '')",
  language: "COALESCE(c.language, '')",
  countryCode: "COALESCE(c.country_code, '')",
  // The conversation's status as /v2 shows it, and the assignee's /v2 number (respond.io's SDK filters by both).
  status: "CASE WHEN c.status = 'open' THEN 'open' ELSE 'close' END",
  assigneeUserId: "COALESCE((SELECT CAST(n.num AS TEXT) FROM api_numbers n WHERE n.entity = 'user' AND n.entity_id = c.assignee_id), '')",
};
const NORMALISE: Record<string, (v: Param) => Param> = {
  email: (v) => String(v).toLowerCase(),
  status: (v) => (v === 'closed' ? 'close' : v),
  assigneeUserId: (v) => String(v),
};

type Scalar = string | number;
type Bounds = { from: Scalar; to: Scalar };

const isBounds = (v: FilterCondition['value']): v is Bounds => v !== null && typeof v === 'object' && !Array.isArray(v);
const values = (v: FilterCondition['value']): Param[] =>
  (Array.isArray(v) ? v : v === null || v === undefined || isBounds(v) ? [] : [v]).map((x) => (typeof x === 'boolean' ? String(x) : x));
const list = (n: number) => Array.from({ length: n }, () => '?').join(', ');
const not = (w: Where): Where => ({ sql: `NOT ${w.sql}`, params: w.params });

function needValue(cond: FilterCondition, vs: Param[]): void {
  if (vs.length === 0) throw new ApiError('invalid_request', `filter: ${cond.operator} needs a value`);
}

function boundsOf(cond: FilterCondition): Bounds {
  if (!isBounds(cond.value)) throw new ApiError('invalid_request', `filter: ${cond.operator} needs a value {from, to}`);
  return cond.value;
}

function setCondition(cond: FilterCondition, member: (vs: Param[]) => Where, any: Where): Where {
  const vs = values(cond.value);
  switch (cond.operator) {
    case 'exists':
      return any;
    case 'doesNotExist':
      return not(any);
    case 'isEqualTo':
    case 'hasAnyOf':
      needValue(cond, vs);
      return member(vs);
    case 'isNotEqualTo':
    case 'hasNoneOf':
      needValue(cond, vs);
      return not(member(vs));
    default:
      throw new ApiError('invalid_request', `filter: ${cond.category} does not take ${cond.operator}`);
  }
}

function tagCondition(cond: FilterCondition): Where {
  if (cond.operator === 'hasAllOf') {
    const vs = values(cond.value);
    needValue(cond, vs);
    const parts = vs.map((v) => taggedWith([v]));
    return { sql: parts.map((p) => p.sql).join(' AND '), params: parts.flatMap((p) => p.params) };
  }
  return setCondition(cond, taggedWith, { sql: 'EXISTS (SELECT 1 FROM contact_tags ct WHERE ct.contact_id = c.id)', params: [] });
}

function lifecycleCondition(cond: FilterCondition): Where {
  return setCondition(cond, atLifecycle, { sql: '(c.lifecycle_stage_id IS NOT NULL)', params: [] });
}

function compare(cond: FilterCondition, expr: string, numeric: boolean, norm: (v: Param) => Param): Where {
  const vs = values(cond.value).map(norm);
  const set = (negate: boolean): Where => {
    needValue(cond, vs);
    const w = { sql: `(${expr} IN (${list(vs.length)}))`, params: vs };
    return negate ? not(w) : w;
  };
  const number = (v: Scalar) => {
    if (!Number.isFinite(Number(v)) || String(v).trim() === '') throw new ApiError('invalid_request', `filter: ${cond.field} compares with numbers`);
    return Number(v);
  };
  const asNumber = `CAST(${expr} AS REAL)`;
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
    case 'isBetween': {
      if (!numeric) throw new ApiError('invalid_request', `filter: ${cond.field} is not a number field`);
      if (cond.operator === 'isBetween') {
        const b = boundsOf(cond);
        return { sql: `(${asNumber} >= ? AND ${asNumber} <= ?)`, params: [number(b.from), number(b.to)] };
      }
      const raw = values(cond.value);
      needValue(cond, raw);
      return { sql: `${asNumber} ${cond.operator === 'isGreaterThan' ? '>' : '<'} ?`, params: [number(raw[0] as Scalar)] };
    }
    default:
      throw new ApiError('invalid_request', `filter: ${cond.field} does not take ${cond.operator}`);
  }
}

/**
 * The instants a value stands for (ms, first and last): Unix seconds (or ms, when that large) are one
 * instant; a day (YYYY-MM-DD) is all of that day in the zone; an ISO time with its offset is one instant.
 */
function instants(v: Scalar, zone: string): { first: number; last: number } {
  const s = String(v).trim();
  if (/^\d{1,14}(\.\d+)?$/.test(s)) {
    const n = Number(s);
    const ms = n < 1e11 ? Math.round(n * 1000) : Math.round(n);
    return { first: ms, last: ms };
  }
  if (isDay(s)) {
    const next = new Date(Date.parse(s) + 86_400_000).toISOString().slice(0, 10);
    return { first: dayStart(s, zone), last: dayStart(next, zone) - 1 };
  }
  const ms = /(Z|[+-]\d{2}:?\d{2})$/i.test(s) ? Date.parse(s) : NaN;
  if (Number.isNaN(ms))
    throw new ApiError('invalid_request', `filter: ${JSON.stringify(v)} is not a time (Unix seconds, YYYY-MM-DD, or ISO 8601 with its offset)`);
  return { first: ms, last: ms };
}

/** The day a value names in the zone (a day as it is; an instant, the day it falls on there). */
const dayOf = (v: Scalar, zone: string): string => (isDay(String(v).trim()) ? String(v).trim() : dayIn(instants(v, zone).first, zone));

/** isTimestampAfter / Before / Between on `expr`: `lower` and `upper` give the first and last of what a value stands for, as expr holds it. */
function timeCondition(cond: FilterCondition, expr: string, lower: (v: Scalar) => Param, upper: (v: Scalar) => Param): Where {
  if (cond.operator === 'isTimestampBetween') {
    const b = boundsOf(cond);
    return { sql: `(${expr} >= ? AND ${expr} <= ?)`, params: [lower(b.from), upper(b.to)] };
  }
  const v = values(cond.value)[0];
  if (v === undefined) throw new ApiError('invalid_request', `filter: ${cond.operator} needs a value`);
  return cond.operator === 'isTimestampAfter' ? { sql: `${expr} > ?`, params: [upper(v as Scalar)] } : { sql: `${expr} < ?`, params: [lower(v as Scalar)] };
}

const TIME_OPERATORS = new Set(['isTimestampAfter', 'isTimestampBefore', 'isTimestampBetween']);

async function fieldCondition(store: Store, cond: FilterCondition, zone: string): Promise<Where> {
  const field = cond.field ?? '';
  if (field === 'created_at' && TIME_OPERATORS.has(cond.operator)) {
    return timeCondition(
      cond,
      'c.created_at',
      (v) => instants(v, zone).first,
      (v) => instants(v, zone).last,
    );
  }
  if (STANDARD[field]) return compare(cond, STANDARD[field], false, NORMALISE[field] ?? ((v) => v));
  const custom = await store.db.get<{ id: string; data_type: string }>('SELECT id, data_type FROM custom_fields WHERE slug = ?', [field]);
  if (!custom) throw new ApiError('invalid_request', `filter: no contact field ${JSON.stringify(field)}`);
  const value = `(SELECT v.value FROM contact_field_values v WHERE v.contact_id = c.id AND v.field_id = '${custom.id.replace(/'/g, "''")}')`;
  if (TIME_OPERATORS.has(cond.operator)) {
    if (custom.data_type !== 'date') throw new ApiError('invalid_request', `filter: ${field} is not a date field`);
    // Date values are kept as JSON strings ("YYYY-MM-DD"), which sort as the days do.
    const day = (v: Scalar) => JSON.stringify(dayOf(v, zone));
    return timeCondition(cond, value, day, day);
  }
  // Values are stored as JSON: compare with the JSON of the value, as the field's type keeps it.
  const numeric = custom.data_type === 'number';
  const asJson = (v: Param): Param => JSON.stringify(numeric ? Number(v) : custom.data_type === 'checkbox' ? v === 'true' || v === 1 : v);
  return compare(cond, value, numeric, asJson);
}

async function conditionOf(store: Store, cond: FilterCondition, zone: string): Promise<Where> {
  if (cond.category === 'contactTag') return tagCondition(cond);
  if (cond.category === 'lifecycle') return lifecycleCondition(cond);
  return fieldCondition(store, cond, zone);
}

/** The filter's conditions, as one (or none for an empty filter); `timezone` says where a day begins. */
export async function filterWhere(
  store: Store,
  filter: { $and?: FilterCondition[]; $or?: FilterCondition[] } | undefined,
  timezone: string | undefined,
): Promise<Where[]> {
  const zone = checkedZone(timezone);
  const out: Where[] = [];
  for (const [key, joiner] of [
    ['$and', ' AND '],
    ['$or', ' OR '],
  ] as const) {
    const conds = filter?.[key] ?? [];
    if (conds.length === 0) continue;
    const parts = await Promise.all(conds.map((c) => conditionOf(store, c, zone)));
    out.push({ sql: `(${parts.map((p) => `(${p.sql})`).join(joiner)})`, params: parts.flatMap((p) => p.params) });
  }
  return out;
}
