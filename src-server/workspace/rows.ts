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

/**
 * How a column becomes a field of an entity: text, a number, either of them or null, or JSON text
 * sent as the value it holds. An entity described so is mapped here (`mapped`) and can be built as
 * JSON text by the database itself (`jsonSql`), from the one description.
 */
type FieldKind = 'text' | 'text?' | 'number' | 'number?' | 'json';
type Shape<T> = { readonly [K in keyof T]-?: FieldKind };

const FIELD: Record<FieldKind, (v: unknown) => unknown> = {
  text: String,
  'text?': strOrNull,
  number: num,
  'number?': numOrNull,
  json: (v) => JSON.parse(String(v)),
};

function mapped<T>(shape: Shape<T>): (r: Row) => T {
  const fields = Object.entries(shape as Record<string, FieldKind>);
  return (r) => {
    const out: Row = {};
    for (const [name, kind] of fields) out[name] = FIELD[kind](r[name]);
    return out as T;
  };
}

const CONVERSATION: Shape<Conversation> = {
  id: 'text',
  contact_id: 'text',
  status: 'text',
  opened_at: 'number',
  closed_at: 'number?',
  closed_by: 'text?',
  closing_category_id: 'text?',
  closing_summary: 'text?',
  first_response_at: 'number?',
  first_responder_id: 'text?',
};

const MESSAGE: Shape<Message> = {
  id: 'text',
  contact_id: 'text',
  conversation_id: 'text',
  direction: 'text',
  text: 'text',
  status: 'text',
  fail_reason: 'text?',
  author_id: 'text?',
  created_at: 'number',
};

const COMMENT: Shape<Comment> = {
  id: 'text',
  contact_id: 'text',
  conversation_id: 'text?',
  author_id: 'text',
  text: 'text',
  mentions: 'json',
  created_at: 'number',
};

const EVENT: Shape<ThreadEvent> = {
  id: 'text',
  contact_id: 'text',
  conversation_id: 'text?',
  kind: 'text',
  actor_id: 'text?',
  assignee_id: 'text?',
  closing_category_id: 'text?',
  closing_summary: 'text?',
  created_at: 'number',
};

export const toConversation = mapped(CONVERSATION);
export const toMessage = mapped(MESSAGE);
export const toComment = mapped(COMMENT);
export const toEvent = mapped(EVENT);

/** The entities whose rows the database can turn into their JSON (`jsonSql`). */
const SHAPES = { conversation: CONVERSATION, message: MESSAGE, comment: COMMENT, event: EVENT } as const;
export type ShapedEntity = keyof typeof SHAPES;

/**
 * An SQL expression of a row's entity as JSON (SQLite: JSON text; PostgreSQL: a json value), the
 * same fields with the same types as its `to…` mapping gives (key order and spacing aside), from
 * the row's columns by their names. For pages of thousands of rows, where mapping each row here
 * costs more than the database writing it out.
 */
export function jsonSql(dialect: 'sqlite' | 'postgres', entity: ShapedEntity): string {
  const pairs = Object.entries(SHAPES[entity] as Record<string, FieldKind>).map(([name, kind]) => {
    const value = kind !== 'json' ? name : dialect === 'sqlite' ? `json(${name})` : `CAST(${name} AS JSON)`;
    return `'${name}', ${value}`;
  });
  return `${dialect === 'sqlite' ? 'json_object' : 'json_build_object'}(${pairs.join(', ')})`;
}

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
