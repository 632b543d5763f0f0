// Database rows to the entities of src-shared/model: the one place that knows both shapes.
import type {
  ClosingCategory,
  Comment,
  Contact,
  Conversation,
  CustomInbox,
  Message,
  Notification,
  Team,
  ThreadEvent,
  User,
  NotificationPrefs,
  Channel,
  ContactVisibility,
} from '../../src-shared/model';
import type { AlertEnd, AlertRule } from '../../src-shared/alerts';
import { DEFAULT_NOTIFICATION_PREFS } from '../../src-shared/model';

type Row = Record<string, unknown>;
const num = (v: unknown): number => Number(v);
const numOrNull = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));
const strOrNull = (v: unknown): string | null => (v === null || v === undefined ? null : String(v));

export interface UserRow {
  id: string;
  email: string;
  name: string;
  password_hash: string;
  role: User['role'];
  team_id: string | null;
  contact_visibility: ContactVisibility;
  restrict_export: number;
  restrict_deletion: number;
  restrict_settings: number;
  restrict_integrations: number;
  status: User['status'];
  chosen_status: User['chosen_status'];
  last_active_at: number | null;
  deactivated: number;
  avatar_color: string;
  notify_prefs: string;
  refetch_seq: number;
  /** 1 while the password is one someone else gave (a new user's, or after a reset): choose one first. */
  must_change_password: number;
  /** Set on the actor of a Developer API token (access-tokens.ts): no person signs in as it. */
  api_token_id: string | null;
  /** The last change of their access level, team or restrictions: JSON {by, at, what} (migration 10). */
  access_change?: string | null;
  created_at: number;
}

export function toUser(r: UserRow): User {
  return {
    id: r.id,
    email: r.email,
    name: r.name,
    role: r.role,
    team_id: r.team_id,
    restrictions: {
      contact_visibility: r.contact_visibility,
      data_export: !!Number(r.restrict_export),
      contact_deletion: !!Number(r.restrict_deletion),
      workspace_settings: !!Number(r.restrict_settings),
      integrations: !!Number(r.restrict_integrations),
    },
    status: r.status,
    chosen_status: r.chosen_status,
    last_active_at: numOrNull(r.last_active_at),
    deactivated: !!Number(r.deactivated),
    avatar_color: r.avatar_color,
    created_at: num(r.created_at),
    ...(r.access_change ? { access_change: JSON.parse(r.access_change) as User['access_change'] } : {}),
  };
}

export function prefsOf(r: Pick<UserRow, 'notify_prefs'>): NotificationPrefs {
  try {
    return { ...DEFAULT_NOTIFICATION_PREFS, ...(JSON.parse(r.notify_prefs) as Partial<NotificationPrefs>) };
  } catch {
    return { ...DEFAULT_NOTIFICATION_PREFS };
  }
}

export const toTeam = (r: Row): Team => ({ id: String(r.id), name: String(r.name), created_at: num(r.created_at) });

export const toContact = (r: Row): Contact => ({
  id: String(r.id),
  name: String(r.name),
  phone: strOrNull(r.phone),
  email: strOrNull(r.email),
  channel_id: strOrNull(r.channel_id),
  assignee_id: strOrNull(r.assignee_id),
  status: r.status as Contact['status'],
  conversation_id: strOrNull(r.conversation_id),
  last_activity_at: num(r.last_activity_at),
  last_message: strOrNull(r.last_message),
  last_message_direction: strOrNull(r.last_message_direction) as Contact['last_message_direction'],
  created_at: num(r.created_at),
  ...(typeof r.profile === 'string' && (JSON.parse(r.profile) as Pick<Contact, 'tags' | 'lifecycle' | 'custom_fields'>)),
});

export const toConversation = (r: Row): Conversation => ({
  id: String(r.id),
  contact_id: String(r.contact_id),
  status: r.status as Conversation['status'],
  opened_at: num(r.opened_at),
  closed_at: numOrNull(r.closed_at),
  closed_by: strOrNull(r.closed_by),
  closing_category_id: strOrNull(r.closing_category_id),
  closing_summary: strOrNull(r.closing_summary),
  first_response_at: numOrNull(r.first_response_at),
  first_responder_id: strOrNull(r.first_responder_id),
});

export const toMessage = (r: Row): Message => ({
  id: String(r.id),
  contact_id: String(r.contact_id),
  conversation_id: String(r.conversation_id),
  direction: r.direction as Message['direction'],
  text: String(r.text),
  status: r.status as Message['status'],
  fail_reason: strOrNull(r.fail_reason),
  author_id: strOrNull(r.author_id),
  created_at: num(r.created_at),
});

export const toComment = (r: Row): Comment => ({
  id: String(r.id),
  contact_id: String(r.contact_id),
  conversation_id: strOrNull(r.conversation_id),
  author_id: String(r.author_id),
  text: String(r.text),
  mentions: JSON.parse(String(r.mentions)) as string[],
  created_at: num(r.created_at),
});

export const toEvent = (r: Row): ThreadEvent => ({
  id: String(r.id),
  contact_id: String(r.contact_id),
  conversation_id: strOrNull(r.conversation_id),
  kind: r.kind as ThreadEvent['kind'],
  actor_id: strOrNull(r.actor_id),
  assignee_id: strOrNull(r.assignee_id),
  closing_category_id: strOrNull(r.closing_category_id),
  closing_summary: strOrNull(r.closing_summary),
  created_at: num(r.created_at),
});

export const toNotification = (r: Row): Notification => ({
  id: String(r.id),
  user_id: String(r.user_id),
  kind: r.kind as Notification['kind'],
  contact_id: strOrNull(r.contact_id),
  conversation_id: strOrNull(r.conversation_id),
  comment_id: strOrNull(r.comment_id),
  message_id: strOrNull(r.message_id),
  actor_id: strOrNull(r.actor_id),
  excerpt: String(r.excerpt),
  count: num(r.count),
  created_at: num(r.created_at),
  read_at: numOrNull(r.read_at),
  archived_at: numOrNull(r.archived_at),
  ...(r.alert_rule
    ? {
        alert: {
          rule: r.alert_rule as AlertRule,
          due_at: num(r.alert_due_at),
          ended_at: numOrNull(r.alert_ended_at),
          ended: (r.alert_ended ?? null) as AlertEnd | null,
        },
      }
    : {}),
});

export const toClosingCategory = (r: Row): ClosingCategory => ({
  id: String(r.id),
  name: String(r.name),
  position: num(r.position),
  archived: !!Number(r.archived),
});

export const toChannel = (r: Row): Channel => ({ id: String(r.id), name: String(r.name), kind: 'custom' });

export const toCustomInbox = (r: Row): CustomInbox => ({
  id: String(r.id),
  owner_id: String(r.owner_id),
  name: String(r.name),
  filter: JSON.parse(String(r.filter)) as CustomInbox['filter'],
  sharing: r.sharing as CustomInbox['sharing'],
  shared_user_ids: JSON.parse(String(r.shared_user_ids)) as string[],
  shared_team_ids: JSON.parse(String(r.shared_team_ids)) as string[],
  created_at: num(r.created_at),
});
