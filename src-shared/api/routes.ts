// The HTTP API: every route once, with the schemas the server validates with and clients parse with.
// The OpenAPI document is generated from this table.
import { z } from 'zod';
import { AlertRule, AlertRules } from '../alerts';
import {
  ChosenStatus,
  ClientId,
  ClosingCategory,
  ClosingCategoryName,
  Comment,
  Contact,
  ContactProfileChange,
  CustomField,
  ContactVisibility,
  Conversation,
  ConversationStatus,
  CustomInbox,
  Id,
  InboxFilter,
  Message,
  MESSAGE_MAX_CHARS,
  COMMENT_MAX_CHARS,
  Notification,
  NotificationPrefs,
  Role,
  Team,
  ThreadEvent,
  User,
  WorkspaceSettings,
  ActivityStatus,
  Channel,
} from '../model';
import { SyncPage, SyncQuery } from '../sync/changes';
import { NewPassword } from '../passwords';
import { WebhookDelivery, WebhookEndpoint, WebhookEndpointWithKey, WebhookEvents, WebhookUrl } from './webhooks';

export type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
/** session: a bearer token from sign-in. none: public. signature: HMAC of the raw body with a channel secret. token: a Developer API access token (/v2). */
export type Auth = 'session' | 'none' | 'signature' | 'token';

export interface RouteDef {
  method: Method;
  path: string;
  summary: string;
  auth: Auth;
  /** Only these roles may call it (others get 403). */
  roles?: readonly Role[];
  params?: z.ZodType;
  query?: z.ZodType;
  body?: z.ZodType;
  response: z.ZodType;
  /** Status of a success answer (default 200). */
  status?: number;
  /** A session whose password someone else gave (a new user, a reset) may call it before choosing their own. */
  beforeOwnPassword?: boolean;
}

const route = <T extends RouteDef>(def: T): T => def;

const SUPERVISORS = ['owner', 'manager'] as const;
const IdParam = z.object({ id: Id });
const Email = z.string().trim().toLowerCase().email().max(254);
const Text = (max: number) =>
  z
    .string()
    .max(max, `must be at most ${max} characters`)
    .refine((s) => s.trim().length > 0, 'must not be empty');
const Cursor = z
  .string()
  .max(200)
  .regex(/^[A-Za-z0-9_.:-]*$/, 'cursor is not one this server gave');
const Limit = (max: number, dflt: number) => z.coerce.number().int().min(1).max(max).default(dflt);
/** Time in ms since the epoch, in a query string. */
const QueryTime = z.coerce.number().int().min(0).max(8.64e15);

const Paged = <T extends z.ZodType>(item: T) => z.object({ items: z.array(item), next_cursor: z.string().nullable() });

const Ok = z.object({ ok: z.literal(true) });

export const InboxSummary = z.object({
  key: z.string(),
  name: z.string(),
  kind: z.enum(['all', 'mine', 'unassigned', 'team', 'custom']),
  open_count: z.number().int(),
});
export type InboxSummary = z.infer<typeof InboxSummary>;

const Preferences = z.object({ notifications: NotificationPrefs });

const MeResponse = z.object({
  user: User,
  settings: WorkspaceSettings,
  preferences: Preferences,
  inboxes: z.array(z.string()),
  /** The password was given by someone else: choose one (PUT /me/password) before anything else. */
  password_change_required: z.boolean(),
});

/** Sign-in and setup answer a session token. */
const SignedIn = z.object({ token: z.string(), user: User, password_change_required: z.boolean() });

/** A new user, or a reset: the one-time password is in this answer only (null when a replay answers). */
export const UserWithOneTimePassword = z.object({ user: User, one_time_password: z.string().nullable() });

export const ThreadItem = z.discriminatedUnion('type', [
  z.object({ type: z.literal('message'), at: z.number(), message: Message }),
  z.object({ type: z.literal('comment'), at: z.number(), comment: Comment }),
  z.object({ type: z.literal('event'), at: z.number(), event: ThreadEvent }),
]);
export type ThreadItem = z.infer<typeof ThreadItem>;

const ContactDetail = z.object({ contact: Contact, conversations: z.array(Conversation) });
const ContactWithConversation = z.object({ contact: Contact, conversation: Conversation.nullable() });

export const RestrictionsPatch = z
  .object({
    contact_visibility: ContactVisibility,
    data_export: z.boolean(),
    contact_deletion: z.boolean(),
    workspace_settings: z.boolean(),
    integrations: z.boolean(),
  })
  .partial()
  .strict();

export const ReportMetric = z.enum([
  'conversations_assigned',
  'conversations_closed',
  'messages_sent',
  'comments_added',
  'avg_first_response_ms',
  'avg_resolution_ms',
]);
export type ReportMetric = z.infer<typeof ReportMetric>;

export const ReportRow = z.object({
  user_id: Id,
  conversations_assigned: z.number().int(),
  conversations_closed: z.number().int(),
  messages_sent: z.number().int(),
  comments_added: z.number().int(),
  avg_first_response_ms: z.number().nullable(),
  avg_resolution_ms: z.number().nullable(),
});
export type ReportRow = z.infer<typeof ReportRow>;

const ReportRange = z.object({ from: QueryTime, to: QueryTime }).refine((r) => r.from < r.to, 'from must be before to');

const PeriodCounts = z.object({ opened: z.number().int(), closed: z.number().int() });

const DashboardSummary = z.object({
  figures: z.object({
    open: z.number().int(),
    unassigned: z.number().int(),
    avg_first_response_ms: z.number().nullable(),
    avg_resolution_ms: z.number().nullable(),
  }),
  conversations: z.object({
    today: PeriodCounts,
    yesterday: PeriodCounts,
    last_14_days: PeriodCounts,
    last_30_days: PeriodCounts,
  }),
});

export const OpenConversationRow = z.object({
  contact: Contact,
  conversation: Conversation,
  open_for_ms: z.number(),
  over_threshold: z.boolean(),
  /** The alert rules it breaks now, each since when (the desktop's Dashboard, from the supervisor's Needs attention items). */
  breaches: z.array(z.object({ rule: AlertRule, due_at: z.number() })).optional(),
});

const MemberRow = z.object({ user: User, open_assigned: z.number().int() });

const InboundBody = z.object({
  sender: z.object({
    id: z.string().min(1).max(128),
    name: z.string().max(200).optional(),
    phone: z.string().max(40).optional(),
    email: z.string().max(254).optional(),
  }),
  message: z.object({ id: z.string().min(1).max(128), text: Text(MESSAGE_MAX_CHARS) }),
});

export const CustomInboxInput = z.object({
  name: z.string().trim().min(1).max(80),
  filter: InboxFilter.strict(),
  sharing: z.enum(['private', 'shared']),
  shared_user_ids: z.array(Id).max(1000).default([]),
  shared_team_ids: z.array(Id).max(200).default([]),
});

/** A Developer API access token as its list shows it; the secret itself is answered once, at creation. */
export const AccessToken = z.object({
  id: Id,
  name: z.string(),
  created_by: z.object({ id: Id, name: z.string() }),
  created_at: z.number(),
  last_used_at: z.number().nullable(),
});
export type AccessToken = z.infer<typeof AccessToken>;
export const AccessTokenName = z.string().trim().min(1, 'give the token a name').max(60);
/** A new token with its secret (null when a replay answers: the secret is never stored). */
export const NewAccessToken = z.object({ token: AccessToken, secret: z.string().nullable() });

export const InboxKeyParam = z.string().regex(/^(all|mine|unassigned|team:[A-Za-z0-9_-]{1,64}|custom:[A-Za-z0-9_-]{1,64})$/, 'unknown inbox');

export const routes = {
  health: route({
    method: 'GET',
    path: '/health',
    summary: 'Liveness: answers 200 while the server serves (and nothing about the workspace)',
    auth: 'none',
    response: z.object({ ok: z.literal(true) }),
  }),
  openapi: route({
    method: 'GET',
    path: '/api/v1/openapi.json',
    summary: 'This API, as an OpenAPI 3.1 document',
    auth: 'none',
    response: z.record(z.string(), z.unknown()),
  }),
  signIn: route({
    method: 'POST',
    path: '/api/v1/auth/sign-in',
    summary: 'Sign in with email and password; answers a session token',
    auth: 'none',
    body: z.object({ email: Email, password: z.string().min(1).max(200) }).strict(),
    response: SignedIn,
  }),
  setupStatus: route({
    method: 'GET',
    path: '/api/v1/setup',
    summary: 'Whether this workspace still waits for its first Owner',
    auth: 'none',
    response: z.object({ needed: z.boolean() }),
  }),
  setup: route({
    method: 'POST',
    path: '/api/v1/setup',
    summary: 'Set the workspace up: the first Owner, with the setup code the server printed; answers like sign-in',
    auth: 'none',
    body: z
      .object({
        code: z.string().trim().min(1).max(100),
        workspace_name: z.string().trim().min(1).max(120),
        name: z.string().trim().min(1).max(120),
        email: Email,
        password: NewPassword,
      })
      .strict(),
    response: SignedIn,
  }),
  signOut: route({
    method: 'POST',
    path: '/api/v1/auth/sign-out',
    summary: 'End this session; its stream closes and the user goes offline',
    auth: 'session',
    beforeOwnPassword: true,
    response: Ok,
  }),
  signOutEverywhere: route({
    method: 'POST',
    path: '/api/v1/auth/sign-out-everywhere',
    summary: "End every one of the user's sessions, this one included: on every device the token is refused and the stream closes",
    auth: 'session',
    beforeOwnPassword: true,
    response: z.object({ ok: z.literal(true), ended: z.number().int() }),
  }),
  me: route({
    method: 'GET',
    path: '/api/v1/me',
    summary: 'The signed-in user, the workspace settings, preferences and the inboxes the user may open',
    auth: 'session',
    beforeOwnPassword: true,
    response: MeResponse,
  }),
  changePassword: route({
    method: 'PUT',
    path: '/api/v1/me/password',
    summary: "Change one's own password (the current one is required); the user's other sessions end",
    auth: 'session',
    beforeOwnPassword: true,
    body: z.object({ current_password: z.string().min(1).max(200), new_password: NewPassword }).strict(),
    response: Ok,
  }),
  setStatus: route({
    method: 'PUT',
    path: '/api/v1/me/status',
    summary: 'Choose online or busy',
    auth: 'session',
    body: z.object({ client_id: ClientId, status: ChosenStatus }).strict(),
    response: User,
  }),
  presence: route({
    method: 'POST',
    path: '/api/v1/me/presence',
    summary: 'Report the OS idle time; past the inactivity timeout the user is offline, and back on return',
    auth: 'session',
    body: z
      .object({
        idle_seconds: z
          .number()
          .min(0)
          .max(10 * 365 * 24 * 3600),
      })
      .strict(),
    response: User,
  }),
  setPreferences: route({
    method: 'PUT',
    path: '/api/v1/me/preferences',
    summary: 'Which notification kinds are created for me',
    auth: 'session',
    body: z.object({ client_id: ClientId, notifications: NotificationPrefs.partial().strict() }).strict(),
    response: Preferences,
  }),
  listUsers: route({
    method: 'GET',
    path: '/api/v1/users',
    summary: 'Workspace users with activity status and last active',
    auth: 'session',
    query: z.object({ status: ActivityStatus.optional(), team_id: Id.optional() }).strict(),
    response: z.object({ items: z.array(User) }),
  }),
  getUser: route({
    method: 'GET',
    path: '/api/v1/users/:id',
    summary: 'One user',
    auth: 'session',
    params: IdParam,
    response: User,
  }),
  createUser: route({
    method: 'POST',
    path: '/api/v1/users',
    summary: 'Add a user with access level, team and Advanced Restrictions (Owners add anyone; Managers add Agents); answers a one-time password',
    auth: 'session',
    roles: SUPERVISORS,
    status: 201,
    body: z
      .object({
        client_id: ClientId,
        email: Email,
        name: z.string().trim().min(1).max(120),
        role: Role,
        team_id: Id.nullable().default(null),
        restrictions: RestrictionsPatch.default({}),
      })
      .strict(),
    response: UserWithOneTimePassword,
  }),
  resetPassword: route({
    method: 'POST',
    path: '/api/v1/users/:id/password-reset',
    summary: "Give a user a new one-time password (Owners: anyone else; Managers: Agents); the user's sessions end",
    auth: 'session',
    roles: SUPERVISORS,
    params: IdParam,
    response: UserWithOneTimePassword,
  }),
  updateUser: route({
    method: 'PATCH',
    path: '/api/v1/users/:id',
    summary: 'Edit access level, team, Advanced Restrictions or deactivate (never oneself)',
    auth: 'session',
    roles: SUPERVISORS,
    params: IdParam,
    body: z
      .object({
        client_id: ClientId,
        name: z.string().trim().min(1).max(120).optional(),
        role: Role.optional(),
        team_id: Id.nullable().optional(),
        restrictions: RestrictionsPatch.optional(),
        deactivated: z.boolean().optional(),
      })
      .strict(),
    response: User,
  }),
  listTeams: route({
    method: 'GET',
    path: '/api/v1/teams',
    summary: 'Teams',
    auth: 'session',
    response: z.object({ items: z.array(Team) }),
  }),
  createTeam: route({
    method: 'POST',
    path: '/api/v1/teams',
    summary: 'Add a team',
    auth: 'session',
    roles: SUPERVISORS,
    status: 201,
    body: z.object({ client_id: ClientId, name: z.string().trim().min(1).max(80) }).strict(),
    response: Team,
  }),
  updateTeam: route({
    method: 'PATCH',
    path: '/api/v1/teams/:id',
    summary: 'Rename a team',
    auth: 'session',
    roles: SUPERVISORS,
    params: IdParam,
    body: z.object({ client_id: ClientId, name: z.string().trim().min(1).max(80) }).strict(),
    response: Team,
  }),
  deleteTeam: route({
    method: 'DELETE',
    path: '/api/v1/teams/:id',
    summary: "Delete a team; one with members needs members_to: another team's id, or none",
    auth: 'session',
    roles: SUPERVISORS,
    params: IdParam,
    query: z.object({ client_id: ClientId, members_to: Id.optional() }).strict(),
    response: Ok,
  }),
  getWorkspace: route({
    method: 'GET',
    path: '/api/v1/workspace',
    summary: 'Workspace settings',
    auth: 'session',
    response: WorkspaceSettings,
  }),
  updateWorkspace: route({
    method: 'PATCH',
    path: '/api/v1/workspace',
    summary: 'Change workspace settings (Owners)',
    auth: 'session',
    roles: ['owner'],
    body: WorkspaceSettings.omit({ alert_rules: true })
      .partial()
      .extend({ client_id: ClientId, name: z.string().trim().min(1).max(120).optional() })
      .strict(),
    response: WorkspaceSettings,
  }),
  updateAlertRules: route({
    method: 'PUT',
    path: '/api/v1/workspace/alert-rules',
    summary: 'Set the supervisor alert rules and business hours (Owners and Managers)',
    auth: 'session',
    roles: SUPERVISORS,
    body: AlertRules.extend({ client_id: ClientId }).strict(),
    response: WorkspaceSettings,
  }),
  listClosingCategories: route({
    method: 'GET',
    path: '/api/v1/closing-categories',
    summary: 'The categories a closing note chooses from',
    auth: 'session',
    response: z.object({ items: z.array(ClosingCategory) }),
  }),
  createClosingCategory: route({
    method: 'POST',
    path: '/api/v1/closing-categories',
    summary: 'Add a closing category, at the end of the list (Owners)',
    auth: 'session',
    roles: ['owner'],
    status: 201,
    body: z.object({ client_id: ClientId, name: ClosingCategoryName }).strict(),
    response: ClosingCategory,
  }),
  updateClosingCategory: route({
    method: 'PATCH',
    path: '/api/v1/closing-categories/:id',
    summary: 'Rename a closing category, move it (position: its place in the list, from 0), or archive or restore it (Owners)',
    auth: 'session',
    roles: ['owner'],
    params: IdParam,
    body: z
      .object({
        client_id: ClientId,
        name: ClosingCategoryName.optional(),
        position: z.number().int().min(0).max(10_000).optional(),
        archived: z.boolean().optional(),
      })
      .strict(),
    response: ClosingCategory,
  }),
  listChannels: route({
    method: 'GET',
    path: '/api/v1/channels',
    summary: 'Channels contacts write in through',
    auth: 'session',
    response: z.object({ items: z.array(Channel) }),
  }),
  listInboxes: route({
    method: 'GET',
    path: '/api/v1/inboxes',
    summary: 'The inboxes this user may open, with their open counts',
    auth: 'session',
    response: z.object({ items: z.array(InboxSummary) }),
  }),
  listConversations: route({
    method: 'GET',
    path: '/api/v1/conversations',
    summary: 'Contacts with their conversation in an inbox, latest activity first',
    auth: 'session',
    query: z
      .object({
        inbox: InboxKeyParam.default('all'),
        status: ConversationStatus.optional(),
        q: z.string().max(200).optional(),
        cursor: Cursor.optional(),
        limit: Limit(200, 50),
      })
      .strict(),
    response: Paged(Contact),
  }),
  listContacts: route({
    method: 'GET',
    path: '/api/v1/contacts',
    summary: 'Contacts this user may see; q searches name, phone, email and message text',
    auth: 'session',
    query: z.object({ q: z.string().max(200).optional(), cursor: Cursor.optional(), limit: Limit(200, 50) }).strict(),
    response: Paged(Contact),
  }),
  getContact: route({
    method: 'GET',
    path: '/api/v1/contacts/:id',
    summary: 'A contact with its conversations',
    auth: 'session',
    params: IdParam,
    response: ContactDetail,
  }),
  updateContact: route({
    method: 'PATCH',
    path: '/api/v1/contacts/:id',
    summary: "Edit a contact's details",
    auth: 'session',
    params: IdParam,
    body: z
      .object({
        client_id: ClientId,
        name: z.string().trim().min(1).max(200).optional(),
        phone: z.string().max(40).nullable().optional(),
        email: z.string().max(254).nullable().optional(),
      })
      .strict(),
    response: Contact,
  }),
  setContactProfile: route({
    method: 'PATCH',
    path: '/api/v1/contacts/:id/profile',
    summary: 'Tag or untag a contact (a new name creates the tag), set its lifecycle stage (null: none) and custom field values (null: none)',
    auth: 'session',
    params: IdParam,
    body: ContactProfileChange.extend({ client_id: ClientId }).strict(),
    response: Contact,
  }),
  listCustomFields: route({
    method: 'GET',
    path: '/api/v1/custom-fields',
    summary: "The workspace's custom fields, in the order they were added",
    auth: 'session',
    response: z.object({ items: z.array(CustomField) }),
  }),
  listLifecycleStages: route({
    method: 'GET',
    path: '/api/v1/lifecycle-stages',
    summary: "The workspace's lifecycle stages, in order",
    auth: 'session',
    response: z.object({ items: z.array(z.object({ id: Id, name: z.string() })) }),
  }),
  getThread: route({
    method: 'GET',
    path: '/api/v1/contacts/:id/thread',
    summary: 'Messages, comments and events of a contact in time order (newest page first)',
    auth: 'session',
    params: IdParam,
    query: z.object({ cursor: Cursor.optional(), limit: Limit(500, 100) }).strict(),
    response: Paged(ThreadItem),
  }),
  listMessages: route({
    method: 'GET',
    path: '/api/v1/contacts/:id/messages',
    summary: "A contact's messages, newest first",
    auth: 'session',
    params: IdParam,
    query: z.object({ cursor: Cursor.optional(), limit: Limit(500, 100) }).strict(),
    response: Paged(Message),
  }),
  sendMessage: route({
    method: 'POST',
    path: '/api/v1/contacts/:id/messages',
    summary: 'Send a message; the first user to reply to an unassigned contact becomes its assignee',
    auth: 'session',
    status: 201,
    params: IdParam,
    body: z.object({ client_id: ClientId, text: Text(MESSAGE_MAX_CHARS) }).strict(),
    response: Message,
  }),
  listComments: route({
    method: 'GET',
    path: '/api/v1/contacts/:id/comments',
    summary: "A contact's comments, newest first",
    auth: 'session',
    params: IdParam,
    query: z.object({ cursor: Cursor.optional(), limit: Limit(500, 100) }).strict(),
    response: Paged(Comment),
  }),
  addComment: route({
    method: 'POST',
    path: '/api/v1/contacts/:id/comments',
    summary: 'Add an internal comment; mentions {{@user.ID}} notify those users',
    auth: 'session',
    status: 201,
    params: IdParam,
    body: z.object({ client_id: ClientId, text: Text(COMMENT_MAX_CHARS) }).strict(),
    response: Comment,
  }),
  assign: route({
    method: 'POST',
    path: '/api/v1/contacts/:id/assignee',
    summary: 'Assign, reassign (a user id) or unassign (null)',
    auth: 'session',
    params: IdParam,
    body: z.object({ client_id: ClientId, assignee_id: Id.nullable() }).strict(),
    response: Contact,
  }),
  close: route({
    method: 'POST',
    path: '/api/v1/contacts/:id/close',
    summary: 'Close the open conversation with a closing note',
    auth: 'session',
    params: IdParam,
    body: z
      .object({
        client_id: ClientId,
        closing_category_id: Id.nullable().default(null),
        summary: z.string().max(2000).nullable().default(null),
      })
      .strict(),
    response: ContactWithConversation,
  }),
  reopen: route({
    method: 'POST',
    path: '/api/v1/contacts/:id/open',
    summary: 'Open a conversation (a contact never has two open)',
    auth: 'session',
    params: IdParam,
    body: z.object({ client_id: ClientId }).strict(),
    response: ContactWithConversation,
  }),
  listCustomInboxes: route({
    method: 'GET',
    path: '/api/v1/custom-inboxes',
    summary: 'Custom inboxes this user owns or that are shared with them',
    auth: 'session',
    response: z.object({ items: z.array(CustomInbox) }),
  }),
  createCustomInbox: route({
    method: 'POST',
    path: '/api/v1/custom-inboxes',
    summary: 'Save a filter as a custom inbox, private or shared',
    auth: 'session',
    status: 201,
    body: CustomInboxInput.extend({ client_id: ClientId }).strict(),
    response: CustomInbox,
  }),
  updateCustomInbox: route({
    method: 'PATCH',
    path: '/api/v1/custom-inboxes/:id',
    summary: 'Edit a custom inbox (its owner)',
    auth: 'session',
    params: IdParam,
    body: CustomInboxInput.partial().extend({ client_id: ClientId }).strict(),
    response: CustomInbox,
  }),
  deleteCustomInbox: route({
    method: 'DELETE',
    path: '/api/v1/custom-inboxes/:id',
    summary: 'Delete a custom inbox (its owner)',
    auth: 'session',
    params: IdParam,
    query: z.object({ client_id: ClientId }).strict(),
    response: Ok,
  }),
  listNotifications: route({
    method: 'GET',
    path: '/api/v1/notifications',
    summary: 'The Notification Center: New, Archived or All, newest first, with the unread count',
    auth: 'session',
    query: z.object({ tab: z.enum(['new', 'archived', 'all']).default('new'), cursor: Cursor.optional(), limit: Limit(200, 50) }).strict(),
    response: Paged(Notification).extend({ unread: z.number().int() }),
  }),
  markNotificationRead: route({
    method: 'POST',
    path: '/api/v1/notifications/:id/read',
    summary: 'Mark a notification read',
    auth: 'session',
    params: IdParam,
    body: z.object({ client_id: ClientId }).strict(),
    response: Notification,
  }),
  archiveNotification: route({
    method: 'POST',
    path: '/api/v1/notifications/:id/archive',
    summary: 'Archive a notification (it is read too)',
    auth: 'session',
    params: IdParam,
    body: z.object({ client_id: ClientId }).strict(),
    response: Notification,
  }),
  archiveAllNotifications: route({
    method: 'POST',
    path: '/api/v1/notifications/archive-all',
    summary: 'Archive every notification in New',
    auth: 'session',
    body: z.object({ client_id: ClientId }).strict(),
    response: z.object({ archived: z.number().int() }),
  }),
  dashboard: route({
    method: 'GET',
    path: '/api/v1/dashboard',
    summary: 'Key figures and the Conversations widget (opened vs closed per period)',
    auth: 'session',
    roles: SUPERVISORS,
    query: z
      .object({
        tz_offset_minutes: z.coerce
          .number()
          .int()
          .min(-14 * 60)
          .max(14 * 60)
          .default(0),
      })
      .strict(),
    response: DashboardSummary,
  }),
  dashboardOpenConversations: route({
    method: 'GET',
    path: '/api/v1/dashboard/open-conversations',
    summary: 'The Contacts widget: open conversations, longest open first',
    auth: 'session',
    roles: SUPERVISORS,
    query: z.object({ team_id: Id.optional(), cursor: Cursor.optional(), limit: Limit(200, 50) }).strict(),
    response: Paged(OpenConversationRow).extend({ threshold_hours: z.number() }),
  }),
  dashboardMembers: route({
    method: 'GET',
    path: '/api/v1/dashboard/members',
    summary: 'The Team Members widget: status, team and open contacts assigned',
    auth: 'session',
    roles: SUPERVISORS,
    query: z.object({ team_id: Id.optional(), status: ActivityStatus.optional() }).strict(),
    response: z.object({ items: z.array(MemberRow) }),
  }),
  reportUsers: route({
    method: 'GET',
    path: '/api/v1/reports/users',
    summary: 'Per-user figures for a date range',
    auth: 'session',
    roles: SUPERVISORS,
    query: ReportRange,
    response: z.object({ items: z.array(ReportRow) }),
  }),
  reportLeaderboard: route({
    method: 'GET',
    path: '/api/v1/reports/leaderboard',
    summary: 'The top ten users for one figure and a date range',
    auth: 'session',
    roles: SUPERVISORS,
    query: z.object({ metric: ReportMetric, from: QueryTime, to: QueryTime }).refine((r) => r.from < r.to, 'from must be before to'),
    response: z.object({ metric: ReportMetric, items: z.array(ReportRow) }),
  }),
  listAccessTokens: route({
    method: 'GET',
    path: '/api/v1/access-tokens',
    summary: "The workspace's Developer API tokens (Owners and Managers not restricted from integrations)",
    auth: 'session',
    roles: SUPERVISORS,
    response: z.object({ items: z.array(AccessToken) }),
  }),
  createAccessToken: route({
    method: 'POST',
    path: '/api/v1/access-tokens',
    summary: 'Add a Developer API token (at most 10 per workspace); its secret is in this answer only',
    auth: 'session',
    roles: SUPERVISORS,
    status: 201,
    body: z.object({ client_id: ClientId, name: AccessTokenName }).strict(),
    response: NewAccessToken,
  }),
  revokeAccessToken: route({
    method: 'DELETE',
    path: '/api/v1/access-tokens/:id',
    summary: 'Revoke a Developer API token: every instance refuses it from the next request',
    auth: 'session',
    roles: SUPERVISORS,
    params: IdParam,
    query: z.object({ client_id: ClientId }).strict(),
    response: Ok,
  }),
  listWebhooks: route({
    method: 'GET',
    path: '/api/v1/webhooks',
    summary: "The workspace's webhook endpoints (Owners and Managers not restricted from integrations)",
    auth: 'session',
    roles: SUPERVISORS,
    response: z.object({ items: z.array(WebhookEndpoint) }),
  }),
  addWebhook: route({
    method: 'POST',
    path: '/api/v1/webhooks',
    summary: 'Add a webhook endpoint for one or more events (at most 20 per workspace); its signing key is in this answer only',
    auth: 'session',
    roles: SUPERVISORS,
    status: 201,
    body: z.object({ client_id: ClientId, url: WebhookUrl, events: WebhookEvents }).strict(),
    response: WebhookEndpointWithKey,
  }),
  pauseWebhook: route({
    method: 'POST',
    path: '/api/v1/webhooks/:id/pause',
    summary: 'Pause a webhook endpoint: nothing is sent to it, and what happens while it is paused is not sent later',
    auth: 'session',
    roles: SUPERVISORS,
    params: IdParam,
    body: z.object({ client_id: ClientId }).strict(),
    response: WebhookEndpoint,
  }),
  resumeWebhook: route({
    method: 'POST',
    path: '/api/v1/webhooks/:id/resume',
    summary: 'Resume a webhook endpoint: events from now on, and the deliveries queued before the pause',
    auth: 'session',
    roles: SUPERVISORS,
    params: IdParam,
    body: z.object({ client_id: ClientId }).strict(),
    response: WebhookEndpoint,
  }),
  rotateWebhookKey: route({
    method: 'POST',
    path: '/api/v1/webhooks/:id/rotate-key',
    summary: 'Give a webhook endpoint a new signing key (in this answer only); every attempt from now on is signed with it',
    auth: 'session',
    roles: SUPERVISORS,
    params: IdParam,
    body: z.object({ client_id: ClientId }).strict(),
    response: WebhookEndpointWithKey,
  }),
  deleteWebhook: route({
    method: 'DELETE',
    path: '/api/v1/webhooks/:id',
    summary: 'Delete a webhook endpoint with its delivery log',
    auth: 'session',
    roles: SUPERVISORS,
    params: IdParam,
    query: z.object({ client_id: ClientId }).strict(),
    response: Ok,
  }),
  webhookDeliveries: route({
    method: 'GET',
    path: '/api/v1/webhooks/:id/deliveries',
    summary: "A webhook endpoint's last 100 deliveries, newest first: event, status code, latency, attempts",
    auth: 'session',
    roles: SUPERVISORS,
    params: IdParam,
    response: z.object({ items: z.array(WebhookDelivery) }),
  }),
  sendWebhookTest: route({
    method: 'POST',
    path: '/api/v1/webhooks/:id/test',
    summary: 'Queue a signed test event (event_type webhook.test) to a webhook endpoint',
    auth: 'session',
    roles: SUPERVISORS,
    status: 201,
    params: IdParam,
    body: z.object({ client_id: ClientId }).strict(),
    response: WebhookDelivery,
  }),
  inbound: route({
    method: 'POST',
    path: '/api/v1/channels/:id/inbound',
    summary: "A contact's inbound message on a custom channel, signed X-Signature: sha256=HMAC-SHA256(secret, raw body) in hex",
    auth: 'signature',
    params: IdParam,
    body: InboundBody,
    response: z.object({ contact_id: Id, conversation_id: Id, message_id: Id }),
  }),
  sync: route({
    method: 'GET',
    path: '/api/v1/sync',
    summary: 'Changes this user may see after a cursor (after=0 is the bootstrap)',
    auth: 'session',
    query: SyncQuery.strict(),
    response: SyncPage,
  }),
} as const;

export type Routes = typeof routes;
export type RouteName = keyof Routes;
export type BodyOf<N extends RouteName> = Routes[N] extends { body: infer B extends z.ZodType } ? z.output<B> : undefined;
export type QueryOf<N extends RouteName> = Routes[N] extends { query: infer Q extends z.ZodType } ? z.output<Q> : undefined;
export type ParamsOf<N extends RouteName> = Routes[N] extends { params: infer P extends z.ZodType } ? z.output<P> : undefined;
