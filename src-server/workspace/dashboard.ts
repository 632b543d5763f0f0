// The Dashboard's figures (F3) and the Reports (F11), always through the visibility rule.
import type { QueryOf, ReportMetric, ReportRow } from '../../src-shared/api/routes';
import type { SqlRunner } from '../db/engine';
import { averagesSince, dashboardPeriods, HOUR_MS } from '../../src-shared/dashboard';
import { decodeCursor, encodeCursor } from './paging';
import { toContact, toConversation, toUser, type UserRow } from './rows';
import { getSettings } from './settings';
import { scopeCondition, teamMemberIds, type ViewerCtx } from './viewer';

export async function dashboardSummary(sql: SqlRunner, viewer: ViewerCtx, now: number, tzOffsetMinutes: number) {
  const scope = scopeCondition(viewer.scope, 'c.assignee_id');
  const count = async (where: string, params: (string | number)[] = []) => {
    const r = await sql.get<{ n: number }>(`SELECT COUNT(*) AS n FROM contacts c WHERE ${scope.sql} AND ${where}`, [...(scope.params as string[]), ...params]);
    return Number(r?.n ?? 0);
  };
  const periods = dashboardPeriods(now, tzOffsetMinutes);
  const conversations = {} as Record<keyof typeof periods, { opened: number; closed: number }>;
  for (const [name, [from, to]] of Object.entries(periods) as [keyof typeof periods, readonly [number, number]][]) {
    const r = await sql.get<{ opened: number | null; closed: number | null }>(
      `SELECT SUM(CASE WHEN cv.opened_at >= ? AND cv.opened_at < ? THEN 1 ELSE 0 END) AS opened,
              SUM(CASE WHEN cv.closed_at >= ? AND cv.closed_at < ? THEN 1 ELSE 0 END) AS closed
       FROM conversations cv JOIN contacts c ON c.id = cv.contact_id
       WHERE ${scope.sql} AND (cv.opened_at >= ? OR cv.closed_at >= ?)`,
      [from, to, from, to, ...(scope.params as string[]), from, from],
    );
    conversations[name] = { opened: Number(r?.opened ?? 0), closed: Number(r?.closed ?? 0) };
  }
  const since = averagesSince(now, tzOffsetMinutes);
  const avg = async (expr: string, where: string) => {
    const r = await sql.get<{ v: number | null }>(
      `SELECT AVG(${expr}) AS v FROM conversations cv JOIN contacts c ON c.id = cv.contact_id WHERE ${scope.sql} AND ${where}`,
      [...(scope.params as string[]), since],
    );
    return r?.v === null || r?.v === undefined ? null : Math.round(Number(r.v));
  };
  return {
    figures: {
      open: await count("c.status = 'open'"),
      unassigned: await count("c.status = 'open' AND c.assignee_id IS NULL"),
      avg_first_response_ms: await avg('cv.first_response_at - cv.opened_at', 'cv.first_response_at IS NOT NULL AND cv.opened_at >= ?'),
      avg_resolution_ms: await avg('cv.closed_at - cv.opened_at', 'cv.closed_at IS NOT NULL AND cv.closed_at >= ?'),
    },
    conversations,
  };
}

export async function openConversations(sql: SqlRunner, viewer: ViewerCtx, now: number, q: QueryOf<'dashboardOpenConversations'>) {
  const settings = await getSettings(sql);
  const scope = scopeCondition(viewer.scope, 'c.assignee_id');
  const conds = [scope.sql, "c.status = 'open'"];
  const params: (string | number)[] = [...(scope.params as string[])];
  if (q.team_id) {
    const members = await teamMemberIds(sql, q.team_id);
    conds.push(members.length ? `c.assignee_id IN (${members.map(() => '?').join(', ')})` : '1 = 0');
    params.push(...members);
  }
  const after = decodeCursor(q.cursor);
  if (after) (conds.push('(cv.opened_at > ? OR (cv.opened_at = ? AND cv.id > ?))'), params.push(after.at, after.at, after.id));
  const rows = await sql.all<Record<string, unknown>>(
    `SELECT c.*, cv.id AS cv_id, cv.contact_id AS cv_contact_id, cv.status AS cv_status, cv.opened_at AS cv_opened_at,
            cv.closed_at AS cv_closed_at, cv.closed_by AS cv_closed_by, cv.closing_category_id AS cv_closing_category_id,
            cv.closing_summary AS cv_closing_summary, cv.first_response_at AS cv_first_response_at,
            cv.first_responder_id AS cv_first_responder_id
     FROM contacts c JOIN conversations cv ON cv.id = c.conversation_id
     WHERE ${conds.join(' AND ')} ORDER BY cv.opened_at ASC, cv.id ASC LIMIT ?`,
    [...params, q.limit + 1],
  );
  const threshold = settings.open_too_long_hours * HOUR_MS;
  const items = rows.slice(0, q.limit).map((r) => {
    const conversation = toConversation(
      Object.fromEntries(
        Object.entries(r)
          .filter(([k]) => k.startsWith('cv_'))
          .map(([k, v]) => [k.slice(3), v]),
      ),
    );
    const openFor = Math.max(0, now - conversation.opened_at);
    return { contact: toContact(r), conversation, open_for_ms: openFor, over_threshold: openFor > threshold };
  });
  const last = items[items.length - 1];
  return {
    items,
    next_cursor: rows.length > q.limit && last ? encodeCursor(last.conversation.opened_at, last.conversation.id) : null,
    threshold_hours: settings.open_too_long_hours,
  };
}

export async function members(sql: SqlRunner, viewer: ViewerCtx, q: QueryOf<'dashboardMembers'>) {
  const scope = scopeCondition(viewer.scope, 'c.assignee_id');
  const conds = ['u.deactivated = 0'];
  const params: string[] = [...(scope.params as string[])];
  if (q.team_id) (conds.push('u.team_id = ?'), params.push(q.team_id));
  if (q.status) (conds.push('u.status = ?'), params.push(q.status));
  const rows = await sql.all<UserRow & { open_assigned: number | null }>(
    `SELECT u.*, oc.n AS open_assigned FROM users u
     LEFT JOIN (SELECT c.assignee_id, COUNT(*) AS n FROM contacts c WHERE c.status = 'open' AND ${scope.sql} GROUP BY c.assignee_id) oc
       ON oc.assignee_id = u.id
     WHERE ${conds.join(' AND ')} ORDER BY u.name, u.id`,
    params,
  );
  return { items: rows.map((r) => ({ user: toUser(r), open_assigned: Number(r.open_assigned ?? 0) })) };
}

export async function reportRows(sql: SqlRunner, viewer: ViewerCtx, from: number, to: number): Promise<ReportRow[]> {
  const scope = scopeCondition(viewer.scope, 'c.assignee_id');
  const sp = scope.params as string[];
  const users = await sql.all<{ id: string }>('SELECT id FROM users ORDER BY name, id');
  const byUser = new Map<string, ReportRow>(
    users.map((u) => [
      u.id,
      {
        user_id: u.id,
        conversations_assigned: 0,
        conversations_closed: 0,
        messages_sent: 0,
        comments_added: 0,
        avg_first_response_ms: null,
        avg_resolution_ms: null,
      },
    ]),
  );
  const fill = async (field: keyof ReportRow, sqlText: string) => {
    for (const r of await sql.all<{ user_id: string; v: number | null }>(sqlText, [...sp, from, to])) {
      const row = byUser.get(r.user_id);
      if (row && r.v !== null) (row as Record<string, unknown>)[field] = field.startsWith('avg') ? Math.round(Number(r.v)) : Number(r.v);
    }
  };
  await fill(
    'conversations_assigned',
    `SELECT e.assignee_id AS user_id, COUNT(*) AS v FROM events e JOIN contacts c ON c.id = e.contact_id
    WHERE ${scope.sql} AND e.kind = 'assigned' AND e.created_at >= ? AND e.created_at < ? GROUP BY e.assignee_id`,
  );
  await fill(
    'conversations_closed',
    `SELECT cv.closed_by AS user_id, COUNT(*) AS v FROM conversations cv JOIN contacts c ON c.id = cv.contact_id
    WHERE ${scope.sql} AND cv.closed_at >= ? AND cv.closed_at < ? GROUP BY cv.closed_by`,
  );
  await fill(
    'messages_sent',
    `SELECT m.author_id AS user_id, COUNT(*) AS v FROM messages m JOIN contacts c ON c.id = m.contact_id
    WHERE ${scope.sql} AND m.direction = 'outgoing' AND m.created_at >= ? AND m.created_at < ? GROUP BY m.author_id`,
  );
  await fill(
    'comments_added',
    `SELECT k.author_id AS user_id, COUNT(*) AS v FROM comments k JOIN contacts c ON c.id = k.contact_id
    WHERE ${scope.sql} AND k.created_at >= ? AND k.created_at < ? GROUP BY k.author_id`,
  );
  await fill(
    'avg_first_response_ms',
    `SELECT cv.first_responder_id AS user_id, AVG(cv.first_response_at - cv.opened_at) AS v
    FROM conversations cv JOIN contacts c ON c.id = cv.contact_id
    WHERE ${scope.sql} AND cv.first_response_at >= ? AND cv.first_response_at < ? GROUP BY cv.first_responder_id`,
  );
  await fill(
    'avg_resolution_ms',
    `SELECT cv.closed_by AS user_id, AVG(cv.closed_at - cv.opened_at) AS v
    FROM conversations cv JOIN contacts c ON c.id = cv.contact_id
    WHERE ${scope.sql} AND cv.closed_at >= ? AND cv.closed_at < ? GROUP BY cv.closed_by`,
  );
  return [...byUser.values()];
}

/** Top ten for one figure: counts highest first; average times lowest first, users without a figure last. */
export function leaderboard(rows: ReportRow[], metric: ReportMetric): ReportRow[] {
  const lowerIsBetter = metric.startsWith('avg');
  return rows
    .filter((r) => r[metric] !== null && (lowerIsBetter || (r[metric] as number) > 0))
    .sort(
      (a, b) =>
        (lowerIsBetter ? (a[metric] as number) - (b[metric] as number) : (b[metric] as number) - (a[metric] as number)) || a.user_id.localeCompare(b.user_id),
    )
    .slice(0, 10);
}
