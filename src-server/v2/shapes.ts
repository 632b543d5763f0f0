// Our rows in respond.io's shapes: numeric ids, camelCase fields, times in Unix seconds.
import type { z } from 'zod';
import type { V2Channel, V2Contact, V2Message, V2SpaceUser } from '../../src-shared/api/v2';
import type { UserRow } from '../workspace/rows';
import type { Store } from '../workspace/store';
import { tagsOf } from '../workspace/contact-tags';
import { fieldValuesOf, lifecycleNames } from '../workspace/contact-fields';
import { numbersFor } from './numbers';

type Row = Record<string, unknown>;
export const seconds = (ms: unknown) => Math.floor(Number(ms) / 1000);

/** First and last name: as /v2 last set them, unless the name was changed since (then split at the first space). */
export function nameParts(name: string, first: unknown, last: unknown): { firstName: string; lastName: string } {
  if (typeof first === 'string' && [first, last ?? ''].join(' ').trim() === name) return { firstName: first, lastName: String(last ?? '') };
  const at = name.indexOf(' ');
  return at < 0 ? { firstName: name, lastName: '' } : { firstName: name.slice(0, at), lastName: name.slice(at + 1) };
}

export async function contactShapes(store: Store, rows: Row[]): Promise<V2Contact[]> {
  const ids = rows.map((r) => String(r.id));
  const assigneeIds = [...new Set(rows.map((r) => r.assignee_id).filter((a): a is string => typeof a === 'string'))];
  const [nums, userNums, tags, fields, stages, assignees] = await Promise.all([
    numbersFor(store, 'contact', ids),
    numbersFor(store, 'user', assigneeIds),
    tagsOf(store.db, ids),
    fieldValuesOf(store.db, ids),
    lifecycleNames(store.db),
    assigneeIds.length
      ? store.db.all<{ id: string; name: string; email: string }>(
          `SELECT id, name, email FROM users WHERE id IN (${assigneeIds.map(() => '?').join(', ')})`,
          assigneeIds,
        )
      : Promise.resolve([]),
  ]);
  const userById = new Map(assignees.map((u) => [u.id, u]));
  return rows.map((r) => {
    const id = String(r.id);
    const assignee = typeof r.assignee_id === 'string' ? userById.get(r.assignee_id) : undefined;
    return {
      id: nums.get(id)!,
      ...nameParts(String(r.name), r.first_name, r.last_name),
      phone: (r.phone as string | null) ?? null,
      email: (r.email as string | null) ?? null,
      language: (r.language as string | null) ?? null,
      profilePic: (r.profile_pic as string | null) ?? null,
      countryCode: (r.country_code as string | null) ?? null,
      status: r.status === 'open' ? 'open' : 'close',
      lifecycle: typeof r.lifecycle_stage_id === 'string' ? (stages.get(r.lifecycle_stage_id) ?? null) : null,
      tags: tags.get(id) ?? [],
      assignee: assignee ? { id: userNums.get(assignee.id)!, ...nameParts(assignee.name, null, null), email: assignee.email } : null,
      custom_fields: fields.get(id) ?? [],
      created_at: seconds(r.created_at),
    };
  });
}

export async function messageShapes(store: Store, contactNum: number, channelId: string | null, rows: Row[]): Promise<z.infer<typeof V2Message>[]> {
  const authorIds = [...new Set(rows.map((r) => r.author_id).filter((a): a is string => typeof a === 'string'))];
  const [nums, channelNums, authorNums, integrations] = await Promise.all([
    numbersFor(
      store,
      'message',
      rows.map((r) => String(r.id)),
    ),
    numbersFor(store, 'channel', channelId ? [channelId] : []),
    numbersFor(store, 'user', authorIds),
    authorIds.length
      ? store.db.all<{ id: string }>(`SELECT id FROM users WHERE api_token_id IS NOT NULL AND id IN (${authorIds.map(() => '?').join(', ')})`, authorIds)
      : Promise.resolve([]),
  ]);
  const byToken = new Set(integrations.map((u) => u.id));
  const senderOf = (author: unknown): z.infer<typeof V2Message>['sender'] => {
    if (typeof author !== 'string') return undefined;
    return byToken.has(author) ? { source: 'api' } : { source: 'user', userId: authorNums.get(author)! };
  };
  return rows.map((r) => ({
    messageId: nums.get(String(r.id))!,
    channelMessageId: (r.channel_message_id as string | null) ?? null,
    contactId: contactNum,
    channelId: channelId ? channelNums.get(channelId)! : null,
    traffic: r.direction === 'incoming' ? 'incoming' : 'outgoing',
    message: { type: 'text' as const, text: String(r.text) },
    status: [{ value: String(r.status), timestamp: seconds(r.created_at), ...(typeof r.fail_reason === 'string' && { message: r.fail_reason }) }],
    ...(r.direction !== 'incoming' && { sender: senderOf(r.author_id) }),
  }));
}

/** Channels as respond.io shows them: every channel here is a custom channel. */
export async function channelShapes(store: Store, rows: { id: string; name: string; created_at: number }[]): Promise<z.infer<typeof V2Channel>[]> {
  const nums = await numbersFor(
    store,
    'channel',
    rows.map((r) => r.id),
  );
  return rows.map((r) => ({ id: nums.get(r.id)!, name: r.name, source: 'custom_channel' as const, created_at: seconds(r.created_at) }));
}

/** Restrictions by respond.io's names (its SDK's UserRestriction). */
const RESTRICTION_NAMES: [keyof UserRow, string][] = [
  ['restrict_export', 'restrict_data_export'],
  ['restrict_deletion', 'restrict_contact_deletion'],
  ['restrict_settings', 'restrict_space_setting'],
  ['restrict_integrations', 'restrict_space_integration'],
];

export async function userShapes(store: Store, rows: UserRow[]): Promise<z.infer<typeof V2SpaceUser>[]> {
  const teamIds = [...new Set(rows.map((r) => r.team_id).filter((t): t is string => t !== null))];
  const [nums, teamNums, teams] = await Promise.all([
    numbersFor(
      store,
      'user',
      rows.map((r) => r.id),
    ),
    numbersFor(store, 'team', teamIds),
    store.db.all<{ id: string; name: string }>('SELECT id, name FROM teams'),
  ]);
  const teamName = new Map(teams.map((t) => [t.id, t.name]));
  return rows.map((r) => ({
    id: nums.get(r.id)!,
    ...nameParts(r.name, null, null),
    email: r.email,
    role: r.role,
    team: r.team_id ? { id: teamNums.get(r.team_id)!, name: teamName.get(r.team_id) ?? '' } : null,
    restrictions: [
      ...(r.contact_visibility !== 'off' ? [r.contact_visibility === 'user' ? 'show_only_mine' : 'show_team_contacts'] : []),
      ...RESTRICTION_NAMES.filter(([col]) => Number(r[col])).map(([, name]) => name),
    ],
  }));
}
