// DesktopService: the desktop API (src-shared/desktop/api.ts) over the cache, sync, outbox and
// notifications. Every call is validated here, whichever transport brought it.
import { EventEmitter } from 'node:events';
import { join } from 'node:path';
import type { z } from 'zod';
import {
  Call,
  commands,
  DEFAULT_LOCAL_PREFS,
  LocalPrefs,
  queries,
  type CommandName,
  type Draft,
  type Place,
  type EventName,
  type QueryName,
  type Reply,
  type Session,
} from '../../../src-shared/desktop/api';
import { inboxesFor, knownViewer, type Viewer } from '../../../src-shared/access/visibility';
import { parseMentions } from '../../../src-shared/mentions';
import { excerptOf } from '../../../src-shared/excerpt';
import { commentIdFor, messageIdFor, type Contact, type Notification, type User } from '../../../src-shared/model';
import { Cache } from '../cache/cache';
import { makePrivateFolder } from '../storage/private-folder';
import * as q from '../cache/queries';
import { drafts, place, saveDraft, savePlace } from '../cache/drafts-and-place';
import { invalidInputMessage } from './invalid-input';
import { Outbox } from '../outbox/outbox';
import { effectivePrefs, userPrefs } from '../policy/policy';
import { checkServerAddress } from '../../../src-shared/desktop/server-address';
import { NotificationCenter, type Notifier, type OsAlert } from '../notifications/notification-center';
import { OfflineError, ServerApi, ServerError } from '../sync/server-api';
import { SyncEngine, type SyncEngineOptions } from '../sync/sync-engine';
import { NO_POLICY, type KeyValueStore, type PolicyView, type TokenStore } from './ports';

export interface DesktopOptions {
  dataDir: string;
  notifier: Notifier;
  tokens: TokenStore;
  settings: KeyValueStore;
  policy?: PolicyView;
  /** Notification settings for a user who has not chosen (the machine policy's over the built-in ones). */
  defaultPrefs?: LocalPrefs;
  clock?: () => number;
  sync?: SyncEngineOptions;
  /** At most `limit` OS alerts per `windowMs`, then one summary (default 3 per 10 s). */
  alertBurst?: { limit: number; windowMs: number };
  /** How often idle time is looked at, to report a return from idle at once (default 5 s; it is reported anyway every 30 s). */
  idleCheckMs?: number;
  log?: (msg: string, err?: unknown) => void;
}

export interface DesktopEvents {
  event: [name: EventName, payload: unknown];
}

class UserError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}


/** Idle longer than this (s) and then active within RETURNED_WITHIN_S: the user is back, and says so at once. */
const RETURNED_AFTER_S = 60;
const RETURNED_WITHIN_S = 5;

export class DesktopService extends EventEmitter<DesktopEvents> {
  cache: Cache | null = null;
  private api: ServerApi | null = null;
  sync: SyncEngine | null = null;
  outbox: Outbox | null = null;
  private readonly center: NotificationCenter;
  private state: Session['state'] = 'signed_out';
  private progress = 0;
  private focus = { contactId: null as string | null, windowFocused: false };
  private lastActivity = 0;
  private presenceTimer: NodeJS.Timeout | null = null;
  private returnTimer: NodeJS.Timeout | null = null;
  private readonly clock: () => number;
  private readonly log: (msg: string, err?: unknown) => void;
  /** Where idle time comes from: Electron's powerMonitor, or the renderer's reports in host mode. */
  idleSeconds: () => number;

  constructor(private readonly opts: DesktopOptions) {
    super();
    this.clock = opts.clock ?? Date.now;
    this.log = opts.log ?? (() => {});
    this.lastActivity = this.clock();
    this.idleSeconds = () => Math.max(0, (this.clock() - this.lastActivity) / 1000);
    makePrivateFolder(opts.dataDir, { recursive: true });
    this.center = new NotificationCenter(opts.notifier, () => ({
      prefs: this.prefs(),
      focus: this.focus,
      contactName: (id) => this.cache?.contact(id)?.name ?? null,
      userName: (id) => (this.cache ? q.user(this.cache, id)?.name ?? null : null),
    }), this.clock, opts.alertBurst);
  }

  get cacheFile(): string {
    return join(this.opts.dataDir, 'cache.sqlite');
  }

  private get policy(): PolicyView {
    return this.opts.policy ?? NO_POLICY;
  }

  /** Opens from the cache at once when a session exists; sync catches up in the background. */
  async start(): Promise<void> {
    const token = this.opts.tokens.load();
    const serverUrl = this.opts.settings.get('server_url') as string | undefined;
    if (!token || !serverUrl) return;
    const checked = checkServerAddress(serverUrl, this.policy.insecureServers);
    // A session saved for an address no longer allowed (plain http:// to another machine): its token
    // is not sent there again; the user signs in anew.
    if (!checked.ok) return this.dropSavedSession(`the saved server address is not allowed (${checked.reason}): signing out`);
    // The policy now requires another server: the old session is not resumed.
    if (!this.serverAllowed(serverUrl)) return this.dropSavedSession(`the machine policy requires ${this.policy.serverUrl}: signing out of ${serverUrl}`);
    this.cache = Cache.open(this.cacheFile);
    if (!this.cache.getMeta('user_id')) {
      this.cache.destroy();
      this.cache = null;
      return;
    }
    this.connect(serverUrl, token);
    this.state = this.bootstrapped(this.cache) ? 'ready' : 'bootstrapping';
    this.emitSession();
  }

  /** Signs out of the saved session without telling its server, deleting the cache file. */
  private async dropSavedSession(why: string): Promise<void> {
    this.log(why);
    try {
      this.cache = Cache.open(this.cacheFile); // so that signing out deletes it
    } catch {
      this.cache = null;
    }
    await this.signOut(false);
  }

  private connect(serverUrl: string, token: string): void {
    const cache = this.cache!;
    this.api = new ServerApi(serverUrl);
    this.api.token = token;
    this.sync = new SyncEngine(cache, this.api, this.opts.sync);
    this.outbox = new Outbox(cache, this.api, this.clock);
    this.sync.on('applied', (applied, live) => {
      if (live) this.center.consider(applied.notifications);
      if (applied.notifications.length) this.readOnScreen();
      this.emitEvent('changed', { entities: [...applied.entities], contact_ids: [...applied.contactIds] });
      if (applied.entities.has('notification') || applied.removedContacts.length || applied.entities.has('*')) this.emitUnread();
    });
    this.sync.on('progress', (loaded, total) => {
      this.progress = total ? loaded / total : 1;
      if (this.state === 'bootstrapping' && loaded >= total) this.state = 'ready';
      this.emitSession();
    });
    this.sync.on('connection', (s) => {
      this.outbox?.setOnline(s === 'online');
      if (s === 'online') this.reportPresence();
      this.emitSession();
    });
    this.sync.on('unauthorized', (reason) => {
      this.log(`session ended: ${reason}`);
      void this.signOut(false);
    });
    this.sync.on('error', (err) => this.log('sync error', err));
    this.outbox.on('changed', (ids) => this.emitEvent('changed', { entities: ['outbox', 'message', 'comment', 'contact'], contact_ids: ids }));
    this.sync.start();
    this.presenceTimer = setInterval(() => this.reportPresence(), 30_000);
    this.presenceTimer.unref?.();
    // A return from idle (whatever tells idle time: Electron's powerMonitor, or the renderer in host
    // mode) is reported at once, so that the status shows back without waiting for the next report.
    let lastIdle = this.idleSeconds();
    this.returnTimer = setInterval(() => {
      const idle = this.idleSeconds();
      if (lastIdle > RETURNED_AFTER_S && idle < RETURNED_WITHIN_S) this.reportPresence();
      lastIdle = idle;
    }, this.opts.idleCheckMs ?? 5_000);
    this.returnTimer.unref?.();
  }

  private reportPresence(): void {
    this.sync?.sendFrame({ type: 'presence', idle_seconds: Math.floor(this.idleSeconds()) });
  }

  session(): Session {
    const userId = this.cache?.getMeta('user_id');
    return {
      state: this.state,
      connection: this.sync?.connection ?? 'offline',
      server_url: this.policy.serverUrlLocked && this.policy.serverUrl ? this.policy.serverUrl : ((this.opts.settings.get('server_url') as string | undefined) ?? this.policy.serverUrl),
      user: this.cache && userId ? q.user(this.cache, userId) : null,
      progress: this.state === 'ready' ? 1 : this.progress,
      locked: [...this.policy.locked, ...(this.policy.serverUrlLocked ? ['server_url'] : [])],
    };
  }

  private emitEvent(name: EventName, payload: unknown): void {
    this.emit('event', name, payload);
  }

  private emitSession(): void {
    this.emitEvent('session', this.session());
  }

  private emitUnread(): void {
    if (this.cache) this.emitEvent('unread', { count: q.unreadCount(this.cache) });
  }

  unreadCount(): number {
    return this.cache ? q.unreadCount(this.cache) : 0;
  }

  /** Validates and runs one call from the renderer. */
  async handle(raw: unknown): Promise<Reply> {
    const call = Call.safeParse(raw);
    if (!call.success) return { ok: false, code: 'invalid_request', message: 'not a desktop API call' };
    const def = call.data.kind === 'query' ? queries[call.data.name as QueryName] : commands[call.data.name as CommandName];
    const input = (def.input as z.ZodType).safeParse(call.data.input ?? {});
    if (!input.success) {
      return { ok: false, code: 'invalid_request', message: invalidInputMessage(call.data.name, input.error.issues[0]) };
    }
    try {
      const value =
        call.data.kind === 'query'
          ? await this.query(call.data.name as QueryName, input.data as never)
          : await this.command(call.data.name as CommandName, input.data as never);
      return { ok: true, value };
    } catch (err) {
      if (err instanceof UserError) return { ok: false, code: err.code, message: err.message };
      if (err instanceof ServerError) return { ok: false, code: err.code, message: err.message };
      if (err instanceof OfflineError) return { ok: false, code: 'offline', message: 'You are offline: this needs a connection to the server.' };
      this.log(`${call.data.name} failed`, err);
      return { ok: false, code: 'internal', message: 'Something went wrong; nothing was changed.' };
    }
  }

  private requireCache(): Cache {
    if (!this.cache) throw new UserError('signed_out', 'Sign in first.');
    return this.cache;
  }

  /** The signed-in user as the visibility rule's viewer (their own record always has its restrictions; the narrowest if it ever lacked them). */
  private meAsViewer(): Viewer {
    const me = this.me();
    return knownViewer(me) ?? { ...me, restrictions: { contact_visibility: 'user' } };
  }

  private me(): User {
    const cache = this.requireCache();
    const u = q.user(cache, cache.getMeta('user_id') ?? '');
    if (!u) throw new UserError('signed_out', 'Sign in first.');
    return u;
  }

  private online(): ServerApi {
    if (!this.api) throw new UserError('signed_out', 'Sign in first.');
    return this.api;
  }

  /** Policy-locked settings > the user's choice > the policy's defaults > the built-in defaults (policy/policy.ts). */
  prefs(): LocalPrefs {
    return effectivePrefs(this.opts.settings.get('prefs'), this.opts.defaultPrefs ?? DEFAULT_LOCAL_PREFS, this.policy.locked);
  }

  private async query(name: QueryName, input: Record<string, never>): Promise<unknown> {
    if (name === 'session') return this.session();
    if (name === 'prefs') return this.prefs();
    const cache = this.requireCache();
    const i = input as Record<string, unknown>;
    switch (name) {
      case 'me': {
        const user = this.me();
        const teams = q.teams(cache).map((t) => t.id);
        const settings = q.settings(cache);
        return settings ? { user, settings, inboxes: inboxesFor(this.meAsViewer(), teams) } : null;
      }
      case 'inboxes': {
        return q.inboxSummaries(cache, this.me().id, inboxesFor(this.meAsViewer(), q.teams(cache).map((t) => t.id)));
      }
      case 'conversations':
        return q.conversations(cache, this.me().id, i as never);
      case 'conversationPosition':
        return { index: q.positionInList(cache, this.me().id, i as never, i.contact_id as string) };
      case 'contact':
        return q.contactDetail(cache, i.id as string);
      case 'thread':
        return q.thread(cache, i.contact_id as string, i.limit as number);
      case 'search':
        return q.search(cache, i.q as string, i.limit as number);
      case 'users':
        return q.users(cache);
      case 'teams':
        return q.teams(cache);
      case 'closingCategories':
        return q.closingCategories(cache);
      case 'channels':
        return q.channels(cache);
      case 'customInboxes':
        return q.customInboxes(cache);
      case 'notifications':
        return q.notifications(cache, i.tab as 'new', i.limit as number);
      case 'outbox':
        return this.outbox?.items() ?? [];
      case 'drafts':
        return drafts(cache);
      case 'place':
        return place(cache);
      case 'dashboardOpen':
        return q.dashboardOpen(cache, this.clock(), i.team_id as string | undefined, i.limit as number);
      case 'dashboardMembers':
        return q.dashboardMembers(cache, i.team_id as string | undefined, i.status as string | undefined);
      case 'dashboardSummary':
        return q.dashboardSummary(cache, this.clock(), i.tz_offset_minutes as number);
      case 'serverNotificationPrefs':
        // The workspace's copy, the one that decides what is created: asked of the server.
        return (await this.online().call('me')).preferences.notifications;
      case 'reports': {
        // Reports are figures over everyone's history: asked of the server, not kept offline.
        const api = this.online();
        const rows = (await api.call('reportUsers', { query: { from: i.from, to: i.to } })).items;
        const leaderboard = i.metric ? (await api.call('reportLeaderboard', { query: { from: i.from, to: i.to, metric: i.metric } })).items : [];
        return { rows, leaderboard };
      }
    }
  }

  private contactOrFail(id: string): Contact {
    const c = this.requireCache().contact(id);
    if (!c) throw new UserError('not_found', 'This contact is not available.');
    return c;
  }

  private notificationOrFail(id: string): Notification {
    const r = this.requireCache().get<{ data: string }>('SELECT data FROM notifications WHERE id = ?', id);
    if (!r) throw new UserError('not_found', 'This notification is not available.');
    return JSON.parse(r.data) as Notification;
  }

  private async command(name: CommandName, input: Record<string, unknown>): Promise<unknown> {
    const now = this.clock();
    switch (name) {
      case 'signIn':
        return this.signIn(input.server_url as string, input.email as string, input.password as string);
      case 'signOut':
        await this.signOut(true);
        return { ok: true };
      case 'signOutEverywhere': {
        // The server ends this session too; what is left here goes as at any sign-out. Offline, nothing changes.
        const { ended } = await this.online().call('signOutEverywhere');
        await this.signOut(false);
        return { ok: true, ended };
      }
      case 'setPrefs': {
        for (const k of Object.keys(input)) if (this.policy.locked.includes(k)) throw new UserError('locked', `${k} is managed by your organization`);
        // Only what the user chose is stored, so a later change of the policy's defaults still reaches the rest.
        this.opts.settings.set('prefs', LocalPrefs.partial().parse({ ...userPrefs(this.opts.settings.get('prefs')), ...input }));
        return this.prefs();
      }
      case 'saveDraft':
        saveDraft(this.requireCache(), input as Draft, now);
        return { ok: true };
      case 'savePlace':
        savePlace(this.requireCache(), input as Place);
        return { ok: true };
      case 'setFocus':
        this.focus = { contactId: input.contact_id as string | null, windowFocused: input.window_focused as boolean };
        if (this.focus.windowFocused) this.lastActivity = now;
        this.readOnScreen();
        return { ok: true };
      case 'reportActivity': {
        const before = this.idleSeconds();
        this.lastActivity = now - (input.idle_seconds as number) * 1000;
        // Coming back from idle: tell the server at once so the status returns.
        if (before > RETURNED_AFTER_S && (input.idle_seconds as number) < RETURNED_WITHIN_S) this.reportPresence();
        return { ok: true };
      }
      default:
        return this.write(name, input, now);
    }
  }

  /** Writes: through the outbox (work offline), or straight to the server for supervisor actions. */
  private async write(name: CommandName, input: Record<string, unknown>, now: number): Promise<unknown> {
    const outbox = this.outbox;
    if (!outbox) throw new UserError('signed_out', 'Sign in first.');
    const clientId = outbox.newClientId();
    const me = this.me();
    const contactId = input.contact_id as string;
    switch (name) {
      case 'sendMessage': {
        const c = this.contactOrFail(contactId);
        const text = input.text as string;
        const id = await messageIdFor(me.id, clientId);
        outbox.enqueue({
          clientId, kind: 'message', contactId, method: 'POST', path: `/api/v1/contacts/${encodeURIComponent(contactId)}/messages`, body: { text },
          optimistic: [
            { entity: 'message', id, data: { id, contact_id: contactId, conversation_id: c.conversation_id ?? '', direction: 'outgoing', text, status: 'pending', fail_reason: null, author_id: me.id, created_at: now, written_at: now } },
            { entity: 'contact', id: contactId, data: { ...c, last_activity_at: now, last_message: excerptOf(text), last_message_direction: 'outgoing', assignee_id: c.assignee_id ?? me.id, status: 'open' } },
          ],
        });
        return { client_id: clientId };
      }
      case 'addComment': {
        const c = this.contactOrFail(contactId);
        const text = input.text as string;
        const id = await commentIdFor(me.id, clientId);
        outbox.enqueue({
          clientId, kind: 'comment', contactId, method: 'POST', path: `/api/v1/contacts/${encodeURIComponent(contactId)}/comments`, body: { text },
          optimistic: [{ entity: 'comment', id, data: { id, contact_id: contactId, conversation_id: c.conversation_id, author_id: me.id, text, mentions: parseMentions(text), created_at: now, pending: true } }],
        });
        return { client_id: clientId };
      }
      case 'assign': {
        const c = this.contactOrFail(contactId);
        outbox.enqueue({
          clientId, kind: 'assign', contactId, method: 'POST', path: `/api/v1/contacts/${encodeURIComponent(contactId)}/assignee`, body: { assignee_id: input.assignee_id },
          optimistic: [{ entity: 'contact', id: contactId, data: { ...c, assignee_id: input.assignee_id } }],
        });
        return { client_id: clientId };
      }
      case 'close': {
        const c = this.contactOrFail(contactId);
        if (c.status !== 'open') throw new UserError('conflict', 'This conversation is already closed.');
        const settings = q.settings(this.requireCache());
        if (settings?.closing_note_required && (!input.closing_category_id || !(input.summary as string | null)?.trim())) {
          throw new UserError('invalid_request', 'A closing note (category and summary) is required.');
        }
        const conv = c.conversation_id ? this.requireCache().get<{ data: string }>('SELECT data FROM conversations WHERE id = ?', c.conversation_id) : undefined;
        outbox.enqueue({
          clientId, kind: 'close', contactId, method: 'POST', path: `/api/v1/contacts/${encodeURIComponent(contactId)}/close`,
          body: { closing_category_id: input.closing_category_id, summary: input.summary },
          optimistic: [
            { entity: 'contact', id: contactId, data: { ...c, status: 'closed' } },
            ...(conv ? [{ entity: 'conversation' as const, id: c.conversation_id!, data: { ...JSON.parse(conv.data), status: 'closed', closed_at: now, closed_by: me.id, closing_category_id: input.closing_category_id, closing_summary: input.summary } }] : []),
          ],
        });
        return { client_id: clientId };
      }
      case 'reopen': {
        const c = this.contactOrFail(contactId);
        if (c.status === 'open') throw new UserError('conflict', 'This conversation is already open.');
        outbox.enqueue({
          clientId, kind: 'reopen', contactId, method: 'POST', path: `/api/v1/contacts/${encodeURIComponent(contactId)}/open`, body: {},
          optimistic: [{ entity: 'contact', id: contactId, data: { ...c, status: 'open', last_activity_at: now } }],
        });
        return { client_id: clientId };
      }
      case 'markNotificationRead':
      case 'archiveNotification': {
        const n = this.notificationOrFail(input.id as string);
        const archive = name === 'archiveNotification';
        outbox.enqueue({
          clientId, kind: archive ? 'notification_archive' : 'notification_read', contactId: n.contact_id, method: 'POST',
          path: `/api/v1/notifications/${encodeURIComponent(n.id)}/${archive ? 'archive' : 'read'}`, body: {},
          optimistic: [{ entity: 'notification', id: n.id, data: { ...n, read_at: n.read_at ?? now, ...(archive && { archived_at: n.archived_at ?? now }) } }],
        });
        this.emitUnread();
        return { client_id: clientId };
      }
      case 'archiveAllNotifications': {
        const open = this.requireCache().all<{ data: string }>('SELECT data FROM notifications WHERE archived = 0').map((r) => JSON.parse(r.data) as Notification);
        outbox.enqueue({
          clientId, kind: 'notification_archive_all', contactId: null, method: 'POST', path: '/api/v1/notifications/archive-all', body: {},
          optimistic: open.map((n) => ({ entity: 'notification' as const, id: n.id, data: { ...n, read_at: n.read_at ?? now, archived_at: now } })),
        });
        this.emitUnread();
        return { client_id: clientId };
      }
      case 'retryOutbox':
        outbox.retry(input.client_id as string);
        return { ok: true };
      case 'discardOutbox':
        outbox.discard(input.client_id as string);
        return { ok: true };
      case 'setServerNotificationPrefs':
        return (await this.online().call('setPreferences', { body: { client_id: clientId, notifications: input } })).notifications;
      case 'setStatus':
        await this.online().call('setStatus', { body: { client_id: clientId, status: input.status } });
        return { ok: true };
      case 'updateUser': {
        const { id, ...patch } = input;
        return this.online().call('updateUser', { params: { id: id as string }, body: { client_id: clientId, ...patch } });
      }
      case 'createClosingCategory':
        return this.online().call('createClosingCategory', { body: { client_id: clientId, name: input.name as string } });
      case 'updateClosingCategory': {
        const { id, ...patch } = input;
        return this.online().call('updateClosingCategory', { params: { id: id as string }, body: { client_id: clientId, ...patch } });
      }
      case 'updateWorkspace':
        return this.online().call('updateWorkspace', { body: { client_id: clientId, ...input } });
      case 'createCustomInbox':
        return this.online().call('createCustomInbox', { body: { client_id: clientId, ...input } });
      case 'updateCustomInbox': {
        const { id, ...patch } = input;
        return this.online().call('updateCustomInbox', { params: { id: id as string }, body: { client_id: clientId, ...patch } });
      }
      case 'deleteCustomInbox':
        await this.online().call('deleteCustomInbox', { params: { id: input.id as string }, query: { client_id: clientId } });
        return { ok: true };
      default:
        throw new UserError('invalid_request', `unknown command ${name}`);
    }
  }

  async signIn(address: string, email: string, password: string): Promise<Session> {
    // Before anything is sent: a password goes only where it travels encrypted (or stays on this machine).
    const checked = checkServerAddress(address, this.policy.insecureServers);
    if (!checked.ok) throw new UserError('insecure_server', checked.reason);
    const serverUrl = checked.url;
    if (!this.serverAllowed(serverUrl)) {
      throw new UserError('locked', `Your organization requires the server ${this.policy.serverUrl}.`);
    }
    if (this.cache) await this.signOut(true);
    const api = new ServerApi(serverUrl);
    let answer;
    try {
      answer = await api.call('signIn', { body: { email, password } });
    } catch (err) {
      if (err instanceof OfflineError) throw new UserError('unreachable', `The server at ${serverUrl} cannot be reached. Check the address and your connection.`);
      if (err instanceof ServerError && err.status === 401) throw new UserError('wrong_password', 'Wrong email or password.');
      throw err;
    }
    this.cache = Cache.open(this.cacheFile);
    if (this.cache.getMeta('user_id') && this.cache.getMeta('user_id') !== answer.user.id) {
      this.cache.destroy();
      this.cache = Cache.open(this.cacheFile);
    }
    this.cache.setMeta('user_id', answer.user.id);
    this.cache.upsert('user', answer.user);
    this.opts.settings.set('server_url', serverUrl);
    this.opts.tokens.save(answer.token);
    this.state = this.bootstrapped(this.cache) ? 'ready' : 'bootstrapping';
    this.progress = 0;
    this.connect(serverUrl, answer.token);
    this.emitSession();
    return this.session();
  }

  /** Synced at least once, and not in the middle of a bootstrap's bulk load cut short by a restart. */
  private bootstrapped(cache: Cache): boolean {
    return cache.cursor > 0 && !cache.bulkLoading;
  }

  private serverAllowed(serverUrl: string): boolean {
    const required = this.policy.serverUrlLocked ? this.policy.serverUrl : null;
    return !required || serverUrl.replace(/\/+$/, '') === required.replace(/\/+$/, '');
  }

  /** Sign-out deletes the cache file and the token. */
  async signOut(tellServer: boolean): Promise<void> {
    const api = this.api;
    this.stopEngines();
    if (tellServer && api) await api.call('signOut').catch(() => undefined);
    this.cache?.destroy();
    this.cache = null;
    this.api = null;
    this.opts.tokens.save(null);
    this.state = 'signed_out';
    this.progress = 0;
    this.emitSession();
    this.emitEvent('unread', { count: 0 });
  }

  private stopEngines(): void {
    if (this.presenceTimer) clearInterval(this.presenceTimer);
    if (this.returnTimer) clearInterval(this.returnTimer);
    this.sync?.stop();
    this.outbox?.stop();
    this.sync?.removeAllListeners();
    this.outbox?.removeAllListeners();
    this.sync = null;
    this.outbox = null;
  }

  /**
   * Reading is reading: the conversation on screen in a focused window has its notifications marked
   * read as they come, so no unread dot on its row and no count on the bell for what the user sees.
   */
  private readOnScreen(): void {
    const { contactId, windowFocused } = this.focus;
    if (!contactId || !windowFocused || !this.cache || !this.outbox) return;
    const unread = this.cache.all<{ id: string }>('SELECT id FROM notifications WHERE contact_id = ? AND unread = 1', contactId);
    for (const n of unread) void this.handle({ kind: 'command', name: 'markNotificationRead', input: { id: n.id } });
  }

  /** An OS notification was clicked: bring that conversation up at the item, and mark it read. */
  async activate(alert: Pick<OsAlert, 'notificationId' | 'contactId' | 'commentId' | 'messageId'>): Promise<void> {
    if (!alert.contactId) return;
    this.emitEvent('open', { contact_id: alert.contactId, comment_id: alert.commentId, message_id: alert.messageId });
    if (alert.notificationId) await this.handle({ kind: 'command', name: 'markNotificationRead', input: { id: alert.notificationId } });
  }

  async shutdown(): Promise<void> {
    this.stopEngines();
    this.center.stop();
    this.cache?.close();
    this.cache = null;
  }
}
