// The workspace's entities as the server sends them and the desktop cache stores them.
// Times are milliseconds since the epoch (UTC). Ids are opaque strings.
import { z } from 'zod';
import { AlertEnd, AlertRule, AlertRules, NO_ALERT_RULES } from './alerts';

export const Id = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be an id (1-64 letters, digits, _ or -)');
export type Id = z.infer<typeof Id>;

/** Client-generated id carried by every create and command: the idempotency key (per user). */
export const ClientId = z.string().regex(/^[A-Za-z0-9_-]{8,60}$/, 'client_id must be 8-60 letters, digits, _ or -');

/**
 * The id of the message or comment a user creates with a client_id: a digest of the pair, so the
 * client knows it before the server answers, and one user's client ids never meet another's (a
 * client id someone else used is a new write, not a clash that tells what they wrote).
 */
async function ownedId(prefix: 'm' | 'k', userId: string, clientId: string): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(`${userId}\n${clientId}`)));
  return `${prefix}_${btoa(String.fromCharCode(...digest.subarray(0, 18)))
    .replace(/\+/g, '-')
    .replace(/\//g, '_')}`;
}
export const messageIdFor = (userId: string, clientId: string) => ownedId('m', userId, clientId);
export const commentIdFor = (userId: string, clientId: string) => ownedId('k', userId, clientId);

export const Role = z.enum(['owner', 'manager', 'agent']);
export type Role = z.infer<typeof Role>;

/** Restrict Contact Visibility (Advanced Restrictions): off, User only, User's team. */
export const ContactVisibility = z.enum(['off', 'user', 'team']);
export type ContactVisibility = z.infer<typeof ContactVisibility>;

export const Restrictions = z.object({
  contact_visibility: ContactVisibility,
  data_export: z.boolean(),
  contact_deletion: z.boolean(),
  workspace_settings: z.boolean(),
  integrations: z.boolean(),
});
export type Restrictions = z.infer<typeof Restrictions>;

export const NO_RESTRICTIONS: Restrictions = {
  contact_visibility: 'off',
  data_export: false,
  contact_deletion: false,
  workspace_settings: false,
  integrations: false,
};

export const ActivityStatus = z.enum(['online', 'busy', 'offline']);
export type ActivityStatus = z.infer<typeof ActivityStatus>;
export const ChosenStatus = z.enum(['online', 'busy']);
export type ChosenStatus = z.infer<typeof ChosenStatus>;

/** webhook_paused: (Owners) a webhook endpoint failing for 24 hours was paused; about no contact. */
export const NotificationKind = z.enum([
  'comment_mention',
  'contact_assigned',
  'new_message_assigned',
  'new_message_unassigned',
  'needs_attention',
  'webhook_paused',
]);
export type NotificationKind = z.infer<typeof NotificationKind>;

/** On or off for each notification kind: its keys come from NotificationKind, so a new kind is asked for wherever kinds are chosen. */
export const NotificationKindFlags = z.object(
  Object.fromEntries(NotificationKind.options.map((kind) => [kind, z.boolean()])) as Record<NotificationKind, z.ZodBoolean>,
);

/** Which notification kinds the user wants created (server side) for them. */
export const NotificationPrefs = NotificationKindFlags;
export type NotificationPrefs = z.infer<typeof NotificationPrefs>;

// Unassigned new messages default to off: in a busy workspace every user would be alerted for every message.
export const DEFAULT_NOTIFICATION_PREFS: NotificationPrefs = {
  comment_mention: true,
  contact_assigned: true,
  new_message_assigned: true,
  new_message_unassigned: false,
  needs_attention: true,
  webhook_paused: true,
};

export const User = z.object({
  id: Id,
  email: z.string(),
  name: z.string(),
  role: Role,
  team_id: Id.nullable(),
  /** null: not shown to this reader (Agents see other users' names, teams and status, not their restrictions). */
  restrictions: Restrictions.nullable(),
  status: ActivityStatus,
  chosen_status: ChosenStatus,
  last_active_at: z.number().nullable(),
  deactivated: z.boolean(),
  avatar_color: z.string(),
  created_at: z.number(),
  /** The last change of their access level, team or restrictions: who, when, what in words (shown to the user and supervisors; null to others). */
  access_change: z
    .object({ by: Id, at: z.number(), what: z.array(z.string()) })
    .nullable()
    .optional(),
});
export type User = z.infer<typeof User>;

/** The addresses of Developer API tokens' actors ("API · <token name>"): shown in threads, never listed as people. */
export const API_ACTOR_EMAIL_DOMAIN = 'developer-api.invalid';
export const isApiActor = (user: Pick<User, 'email'>) => user.email.endsWith(`@${API_ACTOR_EMAIL_DOMAIN}`);

export const Team = z.object({ id: Id, name: z.string(), created_at: z.number() });
export type Team = z.infer<typeof Team>;

export const ConversationStatus = z.enum(['open', 'closed']);
export type ConversationStatus = z.infer<typeof ConversationStatus>;

export const Contact = z.object({
  id: Id,
  name: z.string(),
  phone: z.string().nullable(),
  email: z.string().nullable(),
  channel_id: Id.nullable(),
  assignee_id: Id.nullable(),
  status: ConversationStatus,
  /** The open conversation, or the latest closed one. */
  conversation_id: Id.nullable(),
  last_activity_at: z.number(),
  last_message: z.string().nullable(),
  last_message_direction: z.enum(['incoming', 'outgoing']).nullable(),
  created_at: z.number(),
  /** Tags (names), lifecycle stage and custom field values (by slug), when the contact has any (set through the Developer API). */
  tags: z.array(z.string()).optional(),
  lifecycle: z.string().nullable().optional(),
  custom_fields: z.array(z.object({ name: z.string(), value: z.union([z.string(), z.number(), z.boolean()]).nullable() })).optional(),
});
export type Contact = z.infer<typeof Contact>;

/** A tag's name (respond.io takes up to 255 characters). */
export const TagName = z.string().trim().min(1).max(255);
/** A custom field's value as a contact carries it (null or "" clears it). */
export const CustomFieldValue = z.union([z.string().max(2000), z.number(), z.boolean()]).nullable();
/** A custom field and its value: `name` is the field's slug. */
export const ContactFieldInput = z.object({ name: z.string().min(1).max(60), value: CustomFieldValue });

/** What a person changes in the contact panel: tags added and removed, the lifecycle stage (null: none), custom field values. */
export const ContactProfileChange = z.object({
  add_tags: z.array(TagName).max(10).optional(),
  remove_tags: z.array(TagName).max(10).optional(),
  lifecycle: z.string().trim().min(1).max(60).nullable().optional(),
  custom_fields: z.array(ContactFieldInput).max(100).optional(),
});

export const CustomFieldType = z.enum(['text', 'number', 'date', 'time', 'list', 'checkbox', 'email', 'url']);
/** A workspace custom field as the app shows it (options: a list field's values). */
export const CustomField = z.object({ id: Id, name: z.string(), slug: z.string(), data_type: CustomFieldType, options: z.array(z.string()) });
export type CustomField = z.infer<typeof CustomField>;

export const Conversation = z.object({
  id: Id,
  contact_id: Id,
  status: ConversationStatus,
  opened_at: z.number(),
  closed_at: z.number().nullable(),
  closed_by: Id.nullable(),
  closing_category_id: Id.nullable(),
  closing_summary: z.string().nullable(),
  first_response_at: z.number().nullable(),
  first_responder_id: Id.nullable(),
});
export type Conversation = z.infer<typeof Conversation>;

const MessageStatus = z.enum(['pending', 'sent', 'delivered', 'read', 'failed']);

export const Message = z.object({
  id: Id,
  contact_id: Id,
  conversation_id: Id,
  direction: z.enum(['incoming', 'outgoing']),
  text: z.string(),
  status: MessageStatus,
  fail_reason: z.string().nullable(),
  author_id: Id.nullable(),
  created_at: z.number(),
});
export type Message = z.infer<typeof Message>;

export const COMMENT_MAX_CHARS = 1000;
export const MESSAGE_MAX_CHARS = 4096;

export const Comment = z.object({
  id: Id,
  contact_id: Id,
  conversation_id: Id.nullable(),
  author_id: Id,
  text: z.string(),
  mentions: z.array(Id),
  created_at: z.number(),
});
export type Comment = z.infer<typeof Comment>;

const EventKind = z.enum(['assigned', 'unassigned', 'opened', 'closed']);
export const ThreadEvent = z.object({
  id: Id,
  contact_id: Id,
  conversation_id: Id.nullable(),
  kind: EventKind,
  actor_id: Id.nullable(),
  assignee_id: Id.nullable(),
  closing_category_id: Id.nullable(),
  closing_summary: z.string().nullable(),
  created_at: z.number(),
});
export type ThreadEvent = z.infer<typeof ThreadEvent>;

export const Notification = z.object({
  id: Id,
  user_id: Id,
  kind: NotificationKind,
  /** null: about no contact (webhook_paused). */
  contact_id: Id.nullable(),
  conversation_id: Id.nullable(),
  comment_id: Id.nullable(),
  message_id: Id.nullable(),
  actor_id: Id.nullable(),
  excerpt: z.string(),
  /** How many events this item stands for (new messages collapse into one unread item per contact). */
  count: z.number().int(),
  created_at: z.number(),
  read_at: z.number().nullable(),
  archived_at: z.number().nullable(),
  /** Needs attention items: the rule breached, when, and when and why the breach ended (null: it still holds). */
  alert: z.object({ rule: AlertRule, due_at: z.number(), ended_at: z.number().nullable(), ended: AlertEnd.nullable() }).optional(),
});
export type Notification = z.infer<typeof Notification>;

/** A category a closing note chooses from. An archived one is no longer offered; conversations closed with it keep it. */
export const ClosingCategory = z.object({ id: Id, name: z.string(), position: z.number().int(), archived: z.boolean().default(false) });
/** A closing category's name as the workspace defines it. */
export const ClosingCategoryName = z.string().trim().min(1).max(60);
export type ClosingCategory = z.infer<typeof ClosingCategory>;

export const InboxFilter = z.object({
  status: ConversationStatus.optional(),
  assignee: z.union([z.literal('me'), z.literal('unassigned'), Id]).optional(),
  team_id: Id.optional(),
  channel_id: Id.optional(),
  text: z.string().max(200).optional(),
  /** Contacts carrying this tag (any letter case). */
  tag: TagName.optional(),
  /** Contacts at this lifecycle stage. */
  lifecycle: z.string().trim().min(1).max(60).optional(),
  /** Contacts whose custom field (by slug) holds this value, as typed. */
  custom_field: z
    .object({ name: z.string().min(1).max(60), value: z.string().trim().min(1).max(2000) })
    .strict()
    .optional(),
});
export type InboxFilter = z.infer<typeof InboxFilter>;

export const CustomInbox = z.object({
  id: Id,
  owner_id: Id,
  name: z.string(),
  filter: InboxFilter,
  /** private: only the owner; shared: the listed users and the members of the listed teams. */
  sharing: z.enum(['private', 'shared']),
  shared_user_ids: z.array(Id),
  shared_team_ids: z.array(Id),
  created_at: z.number(),
});
export type CustomInbox = z.infer<typeof CustomInbox>;

export const WorkspaceSettings = z.object({
  name: z.string(),
  inactivity_timeout_minutes: z
    .number()
    .int()
    .min(1)
    .max(24 * 60),
  closing_note_required: z.boolean(),
  open_too_long_hours: z
    .number()
    .min(0.25)
    .max(24 * 30),
  /** Supervisor alerts (F16); changed by Owners and Managers through their own route. */
  alert_rules: AlertRules.default(NO_ALERT_RULES),
});
export type WorkspaceSettings = z.infer<typeof WorkspaceSettings>;

export const Channel = z.object({ id: Id, name: z.string(), kind: z.literal('custom') });
export type Channel = z.infer<typeof Channel>;
