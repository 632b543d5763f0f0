// The desktop API: the whole surface between the renderer and the main process.
// The preload exposes exactly this (Electron), the host serves exactly this (browser), the renderer
// knows only this. Main validates every call with these schemas.
import { z } from 'zod';
import { AlertRules } from '../alerts';
import {
  ActivityStatus,
  ChosenStatus,
  ClosingCategory,
  ClosingCategoryName,
  Comment,
  Contact,
  ContactProfileChange,
  CustomField,
  Conversation,
  CustomInbox,
  Id,
  Message,
  Notification,
  NotificationKindFlags,
  NotificationPrefs,
  Role,
  Team,
  ThreadEvent,
  User,
  WorkspaceSettings,
  Channel,
  COMMENT_MAX_CHARS,
  MESSAGE_MAX_CHARS,
  ConversationStatus,
} from '../model';
import {
  AccessToken,
  AccessTokenName,
  CustomInboxInput,
  InboxKeyParam,
  InboxSummary,
  NewAccessToken,
  OpenConversationRow,
  ReportMetric,
  ReportRow,
  RestrictionsPatch,
  UserWithOneTimePassword,
} from '../api/routes';
import { WebhookDelivery, WebhookEndpoint, WebhookEndpointWithKey, WebhookEvents, WebhookUrl } from '../api/webhooks';
import { NewPassword } from '../passwords';
import { ErrorCode } from '../api/errors';
import { Entity } from '../sync/changes';

const NonEmpty = (max: number) =>
  z
    .string()
    .max(max)
    .refine((s) => s.trim().length > 0, 'must not be empty');

/** password_change: signed in with a password someone else gave; nothing opens until the user chooses their own. */
export const SessionState = z.enum(['signed_out', 'password_change', 'bootstrapping', 'ready']);
/** The desktop's link to the workspace server. */
export const Connection = z.enum(['online', 'connecting', 'offline']);
export type Connection = z.infer<typeof Connection>;

export const Session = z.object({
  state: SessionState,
  connection: Connection,
  server_url: z.string().nullable(),
  user: User.nullable(),
  /** Bootstrap progress, 0..1. */
  progress: z.number().min(0).max(1),
  /** Settings locked by the machine policy (the UI marks them managed by the organization). */
  locked: z.array(z.string()),
  /**
   * Something about this computer's copy of the data the user must be told, in one line:
   * `cache_rebuilt` (it was damaged and is being synced again), `cache_too_new` (written by a newer
   * version of the app: refused, nothing opens until the app is updated).
   */
  notice: z.object({ kind: z.enum(['cache_rebuilt', 'cache_too_new', 'access_changed']), message: z.string() }).nullable(),
});
export type Session = z.infer<typeof Session>;

/** A row of the conversation list: the contact, with what the list shows of it. */
/** A list row: the contact, its writes waiting to be sent (`pending`) and refused by the server (`failed`), and whether it has unread notifications. */
export const InboxRow = Contact.extend({
  pending: z.number().int(),
  failed: z.number().int(),
  unread: z.boolean(),
  /** In a searched list: the newest message of this contact that matches the search (null: the contact matched by name, phone or email). */
  match: z
    .object({ text: z.string(), direction: z.enum(['incoming', 'outgoing']), created_at: z.number() })
    .nullable()
    .optional(),
});
export type InboxRow = z.infer<typeof InboxRow>;

/** A row's place in a conversation list (its sort key): where a page continues from. */
export const ListCursor = z.object({ last_activity_at: z.number(), id: Id }).strict();
export type ListCursor = z.infer<typeof ListCursor>;

/**
 * A message or comment as the thread shows it; written here and not yet accepted, it has its outbox
 * row's client id (to retry or discard) and the server's refusal.
 */
export const LocalMessage = Message.extend({
  outbox_id: z.string().nullable(),
  outbox_error: z.string().nullable(),
  /** When the user wrote it, if it waited in the outbox (created_at is when the server took it). */
  written_at: z.number().optional(),
});

/**
 * A user picked in the @ picker: the "@Name" at `at` in the draft's text is sent as {{@user.ID}}
 * (drafts saved before places were kept have none: the first "@Name" not taken is theirs).
 */
export const DraftMention = z.object({ id: Id, name: z.string().max(200), at: z.number().int().min(0).optional() });
export type DraftMention = z.infer<typeof DraftMention>;

/** What the user was writing in a conversation, kept in the cache until sent or cleared. */
export const Draft = z.object({
  contact_id: Id,
  text: z.string().max(MESSAGE_MAX_CHARS * 2),
  mode: z.enum(['message', 'comment']),
  mentions: z.array(DraftMention).max(50),
});
export type Draft = z.infer<typeof Draft>;

/** Where the user was: the module, the inbox and tab, the open conversation (restored after a reload or restart). */
export const Place = z.object({
  module: z.enum(['dashboard', 'messages', 'notifications', 'settings', 'reports', 'profile']),
  inbox: z.string().max(200),
  status: ConversationStatus,
  contact_id: Id.nullable(),
});
export type Place = z.infer<typeof Place>;
export const LocalComment = Comment.extend({ pending: z.boolean(), outbox_id: z.string().nullable(), outbox_error: z.string().nullable() });

export const ThreadEntry = z.discriminatedUnion('type', [
  z.object({ type: z.literal('message'), at: z.number(), message: LocalMessage }),
  z.object({ type: z.literal('comment'), at: z.number(), comment: LocalComment }),
  z.object({ type: z.literal('event'), at: z.number(), event: ThreadEvent }),
]);
export type ThreadEntry = z.infer<typeof ThreadEntry>;

/** The most open conversations the Dashboard's Contacts widget lists (it shows 100 more at a time). */
export const DASHBOARD_OPEN_MAX = 5000;

/** The most notifications one query answers (the Notification Center asks for more, page by page, up to this). */
export const NOTIFICATIONS_MAX = 5000;

export const OutboxItem = z.object({
  client_id: z.string(),
  kind: z.enum(['message', 'comment', 'assign', 'close', 'reopen', 'notification_read', 'notification_archive', 'notification_archive_all']),
  contact_id: Id.nullable(),
  /** Who it is for, while the contact is still in the cache. */
  contact_name: z.string().nullable(),
  /** What the user wrote (messages and comments), so a write that cannot be delivered can still be copied. */
  text: z.string().nullable(),
  state: z.enum(['pending', 'failed']),
  /** Why it failed, in words. */
  error: z.string().nullable(),
  created_at: z.number(),
  /** False when it can no longer be sent anywhere (the contact was taken out of sight): copy or discard only. */
  deliverable: z.boolean(),
});
export type OutboxItem = z.infer<typeof OutboxItem>;

export const LocalPrefs = z.object({
  /** Which kinds raise an OS notification. */
  os_alerts: NotificationKindFlags,
  do_not_disturb: z.boolean(),
  sound: z.boolean(),
});
export type LocalPrefs = z.infer<typeof LocalPrefs>;

export const DEFAULT_LOCAL_PREFS: LocalPrefs = {
  os_alerts: {
    comment_mention: true,
    contact_assigned: true,
    new_message_assigned: true,
    new_message_unassigned: false,
    needs_attention: true,
    webhook_paused: true,
  },
  do_not_disturb: false,
  sound: true,
};

const Empty = z.object({}).strict();
const Limit = (max: number, dflt: number) => z.number().int().min(1).max(max).default(dflt);
/** The most rows one `conversations` query may ask. */
export const CONVERSATIONS_MAX_LIMIT = 500;

/** Queries: read from the local cache (reports from the server). */
export const queries = {
  session: { input: Empty, output: Session },
  me: { input: Empty, output: z.object({ user: User, settings: WorkspaceSettings, inboxes: z.array(z.string()) }).nullable() },
  /** Each inbox with its open count, and whether it holds a contact with an unread notification (the new-message dot). */
  inboxes: { input: Empty, output: z.array(InboxSummary.extend({ unread: z.boolean() })) },
  channels: { input: Empty, output: z.array(Channel) },
  /**
   * A page of a conversation list, newest activity first. The virtualized list asks for the page
   * after (or before) a row it holds when it scrolls, and by position only when it jumps (a dragged
   * scrollbar, a refresh): a position costs a walk over the rows before it.
   */
  conversations: {
    input: z
      .object({
        inbox: InboxKeyParam,
        status: ConversationStatus.optional(),
        q: z.string().max(200).optional(),
        /** Position in the list. */
        offset: z.number().int().min(0).max(10_000_000).default(0),
        /** The rows that follow this one in the list (instead of a position). */
        after: ListCursor.optional(),
        /** The rows that come just before this one in the list (instead of a position). */
        before: ListCursor.optional(),
        limit: Limit(CONVERSATIONS_MAX_LIMIT, 100),
      })
      .strict()
      .refine((i) => (i.after ? 1 : 0) + (i.before ? 1 : 0) + (i.offset > 0 ? 1 : 0) <= 1, 'offset, after and before are alternatives: give one'),
    output: z.object({ items: z.array(InboxRow), total: z.number().int() }),
  },
  /** Where a contact is in a list (its index), or null when the list does not hold it: to show a conversation opened from elsewhere. */
  conversationPosition: {
    input: z.object({ inbox: InboxKeyParam, status: ConversationStatus.optional(), q: z.string().max(200).optional(), contact_id: Id }).strict(),
    output: z.object({ index: z.number().int().nullable() }),
  },
  contact: {
    input: z.object({ id: Id }).strict(),
    output: z
      .object({
        contact: Contact,
        conversations: z.array(Conversation),
        /** This contact's assignments, closes and reopens the server refused: shown with the reason, to retry or discard. */
        failed_writes: z.array(OutboxItem),
      })
      .nullable(),
  },
  thread: {
    input: z.object({ contact_id: Id, limit: Limit(5000, 500) }).strict(),
    output: z.array(ThreadEntry),
  },
  search: {
    input: z.object({ q: z.string().max(200), limit: Limit(200, 50) }).strict(),
    output: z.object({
      contacts: z.array(Contact),
      messages: z.array(z.object({ message: Message, contact_name: z.string() })),
    }),
  },
  users: { input: Empty, output: z.array(User) },
  teams: { input: Empty, output: z.array(Team) },
  closingCategories: { input: Empty, output: z.array(ClosingCategory) },
  customInboxes: { input: Empty, output: z.array(CustomInbox) },
  notifications: {
    input: z.object({ tab: z.enum(['new', 'archived', 'all']).default('new'), limit: Limit(NOTIFICATIONS_MAX, 100) }).strict(),
    output: z.object({ items: z.array(Notification), unread: z.number().int() }),
  },
  outbox: { input: Empty, output: z.array(OutboxItem) },
  dashboardOpen: {
    input: z.object({ team_id: Id.optional(), assignee: z.union([Id, z.literal('unassigned')]).optional(), limit: Limit(DASHBOARD_OPEN_MAX, 100) }).strict(),
    output: z.object({ items: z.array(OpenConversationRow), total: z.number().int(), threshold_hours: z.number() }),
  },
  dashboardMembers: {
    input: z.object({ team_id: Id.optional(), status: ActivityStatus.optional() }).strict(),
    output: z.array(z.object({ user: User, open_assigned: z.number().int() })),
  },
  dashboardSummary: {
    input: z.object({ tz_offset_minutes: z.number().int().min(-840).max(840).default(0) }).strict(),
    output: z.object({
      figures: z.object({
        open: z.number().int(),
        unassigned: z.number().int(),
        avg_first_response_ms: z.number().nullable(),
        avg_resolution_ms: z.number().nullable(),
      }),
      conversations: z.record(z.enum(['today', 'yesterday', 'last_14_days', 'last_30_days']), z.object({ opened: z.number().int(), closed: z.number().int() })),
    }),
  },
  reports: {
    input: z.object({ from: z.number().int().min(0), to: z.number().int().min(0), metric: ReportMetric.optional() }).strict(),
    output: z.object({ rows: z.array(ReportRow), leaderboard: z.array(ReportRow) }),
  },
  prefs: { input: Empty, output: LocalPrefs },
  /**
   * Signed out: whether the server at this address waits for its first Owner (the sign-in screen
   * offers setup). server_url: checked by the core as for sign-in (server-address.ts).
   */
  setupStatus: { input: z.object({ server_url: z.string().max(500) }).strict(), output: z.object({ needed: z.boolean() }) },
  /** Unsent drafts, one per conversation. */
  drafts: { input: Empty, output: z.array(Draft) },
  /** Where the user was when the app last saw them (null on a fresh cache). */
  place: { input: Empty, output: Place.nullable() },
  /** Online: which kinds the server puts in my Notification Center (the workspace keeps them, for every device). */
  serverNotificationPrefs: { input: Empty, output: NotificationPrefs },
  /** Online only, Owners and Managers not restricted from integrations: Settings > Integrations > Developer API. */
  accessTokens: { input: Empty, output: z.array(AccessToken) },
  /** Online only, as accessTokens: Settings > Integrations > Webhooks, the endpoints and each one's delivery log. */
  webhooks: { input: Empty, output: z.array(WebhookEndpoint) },
  webhookDeliveries: { input: z.object({ id: Id }).strict(), output: z.array(WebhookDelivery) },
  /** Online only: the stages a contact's lifecycle chooses from. */
  lifecycleStages: { input: Empty, output: z.array(z.object({ id: Id, name: z.string() })) },
  /** Online only: the custom fields a contact's values are given for. */
  customFields: { input: Empty, output: z.array(CustomField) },
} as const;

/** Commands: change something. Writes go through the outbox and work offline. */
export const commands = {
  signIn: {
    // server_url: the core checks it (server-address.ts) and says what is wrong in words.
    input: z.object({ server_url: z.string().max(500), email: z.string().email().max(254), password: z.string().min(1).max(200) }).strict(),
    output: Session,
  },
  /**
   * Signing out deletes this computer's copy, the outbox with it: with writes not yet delivered
   * (pending or failed) it is refused with code `unsent_writes` unless `discard_unsent` is given;
   * the UI lists them (the `outbox` query) and offers to send them first (`sendUnsent`).
   */
  signOut: { input: z.object({ discard_unsent: z.boolean().default(false) }).strict(), output: z.object({ ok: z.literal(true) }) },
  /** Tries to deliver every pending write now (waiting a few seconds at most); answers what is still not delivered. */
  sendUnsent: { input: Empty, output: z.array(OutboxItem) },
  /** The user has read the session's notice. */
  dismissNotice: { input: Empty, output: z.object({ ok: z.literal(true) }) },
  /** Online only: ends every session of the user on every device, then signs this app out (its cache wiped). */
  signOutEverywhere: {
    input: z.object({ discard_unsent: z.boolean().default(false) }).strict(),
    output: z.object({ ok: z.literal(true), ended: z.number().int() }),
  },
  /** A new workspace's first Owner, with the setup code the server printed; then signed in as them. */
  setUpWorkspace: {
    input: z
      .object({
        // server_url: checked by the core as for sign-in (server-address.ts).
        server_url: z.string().max(500),
        code: z.string().trim().min(1).max(100),
        workspace_name: z.string().trim().min(1).max(120),
        name: z.string().trim().min(1).max(120),
        email: z.string().email().max(254),
        password: NewPassword,
      })
      .strict(),
    output: Session,
  },
  /**
   * Choose one's own password: in Profile (the current one required), or right after signing in with
   * a one-time password (state password_change: the one just typed is the current one).
   */
  changePassword: {
    input: z.object({ current_password: z.string().min(1).max(200).optional(), new_password: NewPassword }).strict(),
    output: z.object({ ok: z.literal(true) }),
  },
  sendMessage: { input: z.object({ contact_id: Id, text: NonEmpty(MESSAGE_MAX_CHARS) }).strict(), output: z.object({ client_id: z.string() }) },
  addComment: { input: z.object({ contact_id: Id, text: NonEmpty(COMMENT_MAX_CHARS) }).strict(), output: z.object({ client_id: z.string() }) },
  assign: { input: z.object({ contact_id: Id, assignee_id: Id.nullable() }).strict(), output: z.object({ client_id: z.string() }) },
  close: {
    input: z.object({ contact_id: Id, closing_category_id: Id.nullable(), summary: z.string().max(2000).nullable() }).strict(),
    output: z.object({ client_id: z.string() }),
  },
  reopen: { input: z.object({ contact_id: Id }).strict(), output: z.object({ client_id: z.string() }) },
  markNotificationRead: { input: z.object({ id: Id }).strict(), output: z.object({ client_id: z.string() }) },
  archiveNotification: { input: z.object({ id: Id }).strict(), output: z.object({ client_id: z.string() }) },
  archiveAllNotifications: { input: Empty, output: z.object({ client_id: z.string() }) },
  retryOutbox: { input: z.object({ client_id: z.string().max(64) }).strict(), output: z.object({ ok: z.literal(true) }) },
  discardOutbox: { input: z.object({ client_id: z.string().max(64) }).strict(), output: z.object({ ok: z.literal(true) }) },
  setStatus: { input: z.object({ status: ChosenStatus }).strict(), output: z.object({ ok: z.literal(true) }) },
  /** Online only: Settings > Users. */
  updateUser: {
    input: z
      .object({
        id: Id,
        role: Role.optional(),
        team_id: Id.nullable().optional(),
        restrictions: RestrictionsPatch.optional(),
        deactivated: z.boolean().optional(),
      })
      .strict(),
    output: User,
  },
  /** Online only: Settings > Users > Add user; the answer holds the one-time password, shown once. */
  createUser: {
    input: z
      .object({
        email: z.string().email().max(254),
        name: z.string().trim().min(1).max(120),
        role: Role,
        team_id: Id.nullable(),
        restrictions: RestrictionsPatch,
      })
      .strict(),
    output: UserWithOneTimePassword,
  },
  /** Online only: a new one-time password for someone else; their sessions end. */
  resetPassword: { input: z.object({ id: Id }).strict(), output: UserWithOneTimePassword },
  /** Online only: Settings > Teams. */
  createTeam: { input: z.object({ name: z.string().trim().min(1).max(80) }).strict(), output: Team },
  updateTeam: { input: z.object({ id: Id, name: z.string().trim().min(1).max(80) }).strict(), output: Team },
  /** members_to: where its members go (a team, or null for none); needed when it has members. */
  deleteTeam: { input: z.object({ id: Id, members_to: Id.nullable().optional() }).strict(), output: z.object({ ok: z.literal(true) }) },
  /** Online only, Owners: Settings > Closing categories. */
  createClosingCategory: { input: z.object({ name: ClosingCategoryName }).strict(), output: ClosingCategory },
  updateClosingCategory: {
    input: z
      .object({ id: Id, name: ClosingCategoryName.optional(), position: z.number().int().min(0).max(10_000).optional(), archived: z.boolean().optional() })
      .strict(),
    output: ClosingCategory,
  },
  /** Online only, Owners: Settings > Workspace. */
  updateWorkspace: {
    input: WorkspaceSettings.omit({ alert_rules: true })
      .partial()
      .extend({ name: z.string().trim().min(1).max(120).optional() })
      .strict(),
    output: WorkspaceSettings,
  },
  /** Online only, Owners and Managers: Settings > Workspace > Alerts. */
  updateAlertRules: { input: AlertRules, output: WorkspaceSettings },
  createCustomInbox: { input: CustomInboxInput.strict(), output: CustomInbox },
  updateCustomInbox: { input: CustomInboxInput.partial().extend({ id: Id }).strict(), output: CustomInbox },
  deleteCustomInbox: { input: z.object({ id: Id }).strict(), output: z.object({ ok: z.literal(true) }) },
  setPrefs: { input: LocalPrefs.partial().strict(), output: LocalPrefs },
  /** Online only: which kinds the server puts in my Notification Center. */
  setServerNotificationPrefs: { input: NotificationPrefs.partial().strict(), output: NotificationPrefs },
  /** What is on screen, so no alert is raised for it. */
  /** Keeps a draft (empty text and no mentions: deletes it). */
  saveDraft: { input: Draft.strict(), output: z.object({ ok: z.literal(true) }) },
  savePlace: { input: Place.strict(), output: z.object({ ok: z.literal(true) }) },
  setFocus: { input: z.object({ contact_id: Id.nullable(), window_focused: z.boolean() }).strict(), output: z.object({ ok: z.literal(true) }) },
  /** Online only: tag or untag a contact (a new name creates the tag), set its lifecycle stage and custom field values, from the contact panel. */
  setContactProfile: { input: ContactProfileChange.extend({ contact_id: Id }).strict(), output: Contact },
  /** Online only: a Developer API token; the answer holds its secret, shown once. */
  createAccessToken: { input: z.object({ name: AccessTokenName }).strict(), output: NewAccessToken },
  revokeAccessToken: { input: z.object({ id: Id }).strict(), output: z.object({ ok: z.literal(true) }) },
  /** Online only: a webhook endpoint; the answer holds its signing key, shown once (and again only by rotating it). */
  addWebhook: { input: z.object({ url: WebhookUrl, events: WebhookEvents }).strict(), output: WebhookEndpointWithKey },
  pauseWebhook: { input: z.object({ id: Id }).strict(), output: WebhookEndpoint },
  resumeWebhook: { input: z.object({ id: Id }).strict(), output: WebhookEndpoint },
  rotateWebhookKey: { input: z.object({ id: Id }).strict(), output: WebhookEndpointWithKey },
  deleteWebhook: { input: z.object({ id: Id }).strict(), output: z.object({ ok: z.literal(true) }) },
  sendWebhookTest: { input: z.object({ id: Id }).strict(), output: WebhookDelivery },
  /** Host mode: the renderer reports user activity (Electron uses the OS idle time). */
  reportActivity: { input: z.object({ idle_seconds: z.number().min(0).max(1e7) }).strict(), output: z.object({ ok: z.literal(true) }) },
} as const;

/** What a 'changed' event names: an entity of the cache, the outbox, or everything ('*': the cache was rebuilt or the link came back). */
export const ChangedEntity = z.enum([...Entity.options, 'outbox', '*']);
export type ChangedEntity = z.infer<typeof ChangedEntity>;

/** Events main pushes to the renderer. */
export const events = {
  session: Session,
  /** Something in the cache changed: views re-query. */
  changed: z.object({ entities: z.array(ChangedEntity), contact_ids: z.array(z.string()) }),
  /** Open a conversation (a notification was clicked, or a deep link). */
  open: z.object({ contact_id: Id, comment_id: Id.nullable(), message_id: Id.nullable() }),
  /** Unread notifications; for a supervisor also the alert breaches still open (the tray badge counts those). */
  unread: z.object({ count: z.number().int(), attention: z.number().int().optional() }),
} as const;

export type Queries = typeof queries;
export type Commands = typeof commands;
export type Events = typeof events;
export type QueryName = keyof Queries;
export type CommandName = keyof Commands;
export type EventName = keyof Events;
export type QueryInput<N extends QueryName> = z.input<Queries[N]['input']>;
export type QueryOutput<N extends QueryName> = z.output<Queries[N]['output']>;
export type CommandInput<N extends CommandName> = z.input<Commands[N]['input']>;
export type CommandOutput<N extends CommandName> = z.output<Commands[N]['output']>;
export type EventPayload<N extends EventName> = z.output<Events[N]>;

/** One call across the boundary: { kind, name, input }. */
export const Call = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('query'), name: z.enum(Object.keys(queries) as [QueryName, ...QueryName[]]), input: z.unknown() }),
  z.object({ kind: z.literal('command'), name: z.enum(Object.keys(commands) as [CommandName, ...CommandName[]]), input: z.unknown() }),
]);
export type Call = z.infer<typeof Call>;

/**
 * Why a call did not succeed: the server's own codes (passed on), and the desktop's. The message
 * beside it is in words for the user; the code is for the UI to choose what to show.
 */
export const ReplyCode = z.enum([
  ...ErrorCode.options,
  /** The server could not be reached: this needs a connection. */
  'offline',
  /** Signing in or setting up: the address given does not answer. */
  'unreachable',
  /** The renderer lost its link to main (host mode), or main did not answer in time. */
  'disconnected',
  'timeout',
  'signed_out',
  'wrong_password',
  /** A server address that would send the password in clear (server-address.ts). */
  'insecure_server',
  /** Set by the machine policy: not the user's to change. */
  'locked',
  /** Sign-out refused: writes not yet delivered (the message lists them). */
  'unsent_writes',
  /** The cache was damaged and is being rebuilt; the call was not applied. */
  'cache_rebuilt',
  /** The cache was written by a newer version of the app. */
  'cache_too_new',
  /** The server answered with a status or a body this app does not understand. */
  'http_error',
  'bad_answer',
]);
export type ReplyCode = z.infer<typeof ReplyCode>;

/** The answer to a call: a value, or an error the UI can show. */
export const Reply = z.discriminatedUnion('ok', [
  z.object({ ok: z.literal(true), value: z.unknown() }),
  z.object({ ok: z.literal(false), code: ReplyCode, message: z.string() }),
]);
export type Reply = z.infer<typeof Reply>;

/** What the preload puts on window (Electron), and what the host bridge implements (browser). */
export interface DesktopBridge {
  call(call: Call): Promise<Reply>;
  on(listener: (event: EventName, payload: unknown) => void): () => void;
}
