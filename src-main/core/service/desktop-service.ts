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
  type EventName,
  type EventPayload,
  type OutboxItem,
  type Reply,
  type Session,
} from '../../../src-shared/desktop/api';
import { inboxesFor, knownViewer, type Viewer } from '../../../src-shared/access/visibility';
import type { User } from '../../../src-shared/model';
import { Cache } from '../cache/cache';
import { JsonText } from '../cache/json-text';
import { CACHE_REBUILT, CACHE_TOO_NEW, CacheTooNewError, isDamage, keepUnsent, moveAside, openHealing, removeLeftovers } from '../cache/cache-healing';
import { makePrivateFolder } from '../storage/private-folder';
import * as q from '../cache/queries';
import { place, saveDraft, savePlace } from '../cache/drafts-and-place';
import { outboxItems } from '../cache/outbox-rows';
import { invalidInputMessage } from './invalid-input';
import { UserError } from './user-error';
import type { CommandHandlers, QueryHandlers, ServiceContext } from './handler-map';
import { reads } from './reads';
import { messageWrites } from './writes/messages';
import { commentWrites } from './writes/comments';
import { assignmentWrites } from './writes/assignment';
import { notificationWrites } from './writes/notifications';
import { supervisorWrites } from './writes/supervisor';
import { ownSettingsWrites } from './writes/own-settings';
import { integrationWrites } from './writes/integrations';
import { webhookWrites } from './writes/webhooks';
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

/** The commands the feature files implement (writes/). */
type FeatureCommands = ReturnType<typeof messageWrites> &
  ReturnType<typeof commentWrites> &
  ReturnType<typeof assignmentWrites> &
  ReturnType<typeof notificationWrites> &
  ReturnType<typeof supervisorWrites> &
  ReturnType<typeof ownSettingsWrites> &
  ReturnType<typeof integrationWrites> &
  ReturnType<typeof webhookWrites>;

/** How long "Send now" before signing out waits for the server. */
const SEND_UNSENT_WAIT_MS = 10_000;

const KIND_WORDS: Record<OutboxItem['kind'], string> = {
  message: 'a message',
  comment: 'a comment',
  assign: 'an assignment',
  close: 'a close',
  reopen: 'a reopen',
  notification_read: 'a notification marked read',
  notification_archive: 'an archived notification',
  notification_archive_all: 'notifications archived',
};

/** "3 changes are not sent yet: a message to Grace Larsen, a comment, an assignment." */
function unsentSummary(items: OutboxItem[]): string {
  const shown = items.slice(0, 5).map((i) => `${KIND_WORDS[i.kind]}${i.contact_name ? ` to ${i.contact_name}` : ''}${i.state === 'failed' ? ' (failed)' : ''}`);
  const more = items.length > shown.length ? ` and ${items.length - shown.length} more` : '';
  return `${items.length === 1 ? '1 change is' : `${items.length} changes are`} not sent yet: ${shown.join(', ')}${more}.`;
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
  /**
   * Signed in with a one-time password (state password_change): kept in memory only, until the user
   * has chosen their own; nothing is cached or synced before. A restart asks to sign in again.
   */
  private pending: { serverUrl: string; api: ServerApi; token: string; user: User; password: string } | null = null;
  private notice: Session['notice'] = null;
  private healing = false;
  private progress = 0;
  private focus = { contactId: null as string | null, windowFocused: false };
  private lastActivity = 0;
  private presenceTimer: NodeJS.Timeout | null = null;
  private returnTimer: NodeJS.Timeout | null = null;
  private readonly clock: () => number;
  private readonly log: (msg: string, err?: unknown) => void;
  /** Where idle time comes from: Electron's powerMonitor, or the renderer's reports in host mode. */
  idleSeconds: () => number;
  private readonly queries: QueryHandlers;
  private readonly commands: CommandHandlers;

  constructor(private readonly opts: DesktopOptions) {
    super();
    this.clock = opts.clock ?? Date.now;
    this.log = opts.log ?? (() => {});
    this.lastActivity = this.clock();
    this.idleSeconds = () => Math.max(0, (this.clock() - this.lastActivity) / 1000);
    makePrivateFolder(opts.dataDir, { recursive: true });
    this.center = new NotificationCenter(
      opts.notifier,
      () => ({
        prefs: this.prefs(),
        focus: this.focus,
        contactName: (id) => this.cache?.entities.get('contact', id)?.name ?? null,
        userName: (id) => (this.cache ? (q.user(this.cache, id)?.name ?? null) : null),
      }),
      this.clock,
      opts.alertBurst,
    );
    const ctx: ServiceContext = {
      cache: () => this.requireCache(),
      outbox: () => this.requireOutbox(),
      me: () => this.me(),
      viewer: () => this.meAsViewer(),
      online: () => this.online(),
      now: () => this.clock(),
      emitUnread: () => this.emitUnread(),
    };
    this.queries = {
      session: () => this.session(),
      prefs: () => this.prefs(),
      setupStatus: ({ server_url }) => this.unauthenticated(this.allowedServer(server_url), (api) => api.call('setupStatus')),
      ...reads(ctx),
    };
    this.commands = {
      ...this.ownCommands(),
      ...messageWrites(ctx),
      ...commentWrites(ctx),
      ...assignmentWrites(ctx),
      ...notificationWrites(ctx),
      ...supervisorWrites(ctx),
      ...ownSettingsWrites(ctx),
      ...integrationWrites(ctx),
      ...webhookWrites(ctx),
    };
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
    const opened = this.openCache();
    if (!opened) return this.emitSession();
    this.cache = opened.cache;
    if (opened.rebuilt && !this.cache.getMeta('user_id')) await this.whoAmI(serverUrl, token);
    if (!this.cache.getMeta('user_id')) {
      if (opened.rebuilt) keepUnsent(this.cache);
      this.cache.destroy();
      this.cache = null;
      return this.emitSession();
    }
    if (opened.rebuilt) this.notice = { kind: 'cache_rebuilt', message: CACHE_REBUILT };
    this.connect(serverUrl, token);
    this.state = this.bootstrapped(this.cache) ? 'ready' : 'bootstrapping';
    this.expectLists();
    this.emitSession();
  }

  /**
   * The cache, healed if it was damaged (cache-healing.ts); null when it was written by a newer
   * version of the app, which is refused and said so in the session's notice.
   */
  private openCache(forUser?: string): { cache: Cache; rebuilt: boolean } | null {
    try {
      const opened = openHealing(this.cacheFile, { log: this.log, forUser });
      if (this.notice?.kind === 'cache_too_new') this.notice = null;
      return opened;
    } catch (err) {
      if (!(err instanceof CacheTooNewError)) throw err;
      this.log('refusing the cache file', err);
      this.notice = { kind: 'cache_too_new', message: CACHE_TOO_NEW };
      return null;
    }
  }

  /** A cache rebuilt without even the user's id readable in the old one: the server says whose session it is. */
  private async whoAmI(serverUrl: string, token: string): Promise<void> {
    const api = new ServerApi(serverUrl);
    api.token = token;
    try {
      const { user } = await api.call('me');
      this.cache!.setMeta('user_id', user.id);
      this.cache!.entities.put('user', user);
    } catch (err) {
      this.log('the rebuilt cache could not learn whose session it is', err);
    }
  }

  /**
   * The cache turned out damaged while in use: stop, rescue its writes, move it aside and sync a new
   * one from the server, with the same session.
   */
  private async heal(err: unknown): Promise<void> {
    if (this.healing || !this.cache) return;
    this.healing = true;
    try {
      this.log('the cache file is damaged: rebuilding it', err);
      const token = this.opts.tokens.load() ?? this.api?.token ?? null;
      const serverUrl = this.opts.settings.get('server_url') as string | undefined;
      this.stopEngines();
      this.cache.close();
      this.cache = null;
      moveAside(this.cacheFile);
      const opened = this.openCache();
      if (!opened || !token || !serverUrl) return void (await this.signOut(false, 'keep_unsent'));
      this.cache = opened.cache;
      this.notice = { kind: 'cache_rebuilt', message: CACHE_REBUILT };
      this.state = 'bootstrapping';
      this.progress = 0;
      this.connect(serverUrl, token);
      this.emitSession();
      this.emitEvent('changed', { entities: ['*'], contact_ids: [] });
    } finally {
      this.healing = false;
    }
  }

  /** Signs out of the saved session without telling its server, deleting the cache file (its unsent writes kept for the next sign-in). */
  private async dropSavedSession(why: string): Promise<void> {
    this.log(why);
    try {
      this.cache = this.openCache()?.cache ?? null; // so that signing out deletes it
    } catch {
      this.cache = null;
    }
    await this.signOut(false, 'keep_unsent');
  }

  private connect(serverUrl: string, token: string): void {
    const cache = this.cache!;
    this.api = new ServerApi(serverUrl);
    this.api.token = token;
    this.sync = new SyncEngine(cache, this.api, this.opts.sync);
    this.outbox = new Outbox(cache, this.api, this.clock);
    this.sync.on('applied', (applied, live) => {
      if (live) this.center.consider(applied.notifications);
      if (applied.entities.has('user') || applied.entities.has('*')) this.noticeAccessChange(live);
      if (applied.notifications.length) this.readOnScreen();
      // A lost contact's waiting writes turn failed in the outbox (cache.removeContact).
      this.emitEvent('changed', {
        entities: [...applied.entities, ...(applied.removedContacts.length ? ['outbox' as const] : [])],
        contact_ids: [...applied.contactIds],
      });
      if (applied.entities.has('notification') || applied.removedContacts.length || applied.entities.has('*')) this.emitUnread();
    });
    this.sync.on('progress', (loaded, total) => {
      this.progress = total ? loaded / total : 1;
      if (this.state === 'bootstrapping' && loaded >= total) {
        this.state = 'ready';
        this.expectLists();
      }
      this.emitSession();
    });
    this.sync.on('connection', (s) => {
      this.outbox?.setOnline(s === 'online');
      if (s === 'online') this.reportPresence();
      this.emitSession();
    });
    this.sync.on('unauthorized', (reason) => {
      this.log(`session ended: ${reason}`);
      void this.signOut(false, 'keep_unsent');
    });
    this.sync.on('error', (err) => {
      if (isDamage(err)) return void this.heal(err);
      this.log('sync error', err);
    });
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
      server_url:
        this.policy.serverUrlLocked && this.policy.serverUrl
          ? this.policy.serverUrl
          : ((this.opts.settings.get('server_url') as string | undefined) ?? this.policy.serverUrl),
      user: this.pending?.user ?? (this.cache && userId ? q.user(this.cache, userId) : null),
      progress: this.state === 'ready' ? 1 : this.progress,
      locked: [...this.policy.locked, ...(this.policy.serverUrlLocked ? ['server_url'] : [])],
      notice: this.notice,
    };
  }

  private emitEvent<N extends EventName>(name: N, payload: EventPayload<N>): void {
    this.emit('event', name, payload);
  }

  private emitSession(): void {
    this.emitEvent('session', this.session());
  }

  /**
   * The user's access level, team or restrictions changed while the app runs: who changed what, in
   * the session's notice. The change last seen is kept in the cache, so one is said once; changes
   * that came with a first sync are not news.
   */
  private noticeAccessChange(live: boolean): void {
    const cache = this.cache;
    if (!cache) return;
    const at = this.session().user?.access_change?.at ?? 0;
    const kept = cache.getMeta('access_seen_at');
    if (kept !== null && at <= Number(kept)) return;
    cache.setMeta('access_seen_at', String(at));
    const change = this.session().user?.access_change;
    if (!live || kept === null || !change) return;
    const by = q.user(cache, change.by)?.name ?? 'A supervisor';
    this.notice = { kind: 'access_changed', message: `${by} changed your access: ${change.what.join(', ')}.` };
    this.emitSession();
  }

  private emitUnread(): void {
    if (!this.cache) return;
    const role = this.session().user?.role;
    const supervisor = role === 'owner' || role === 'manager';
    this.emitEvent('unread', { count: q.unreadCount(this.cache), ...(supervisor && { attention: q.openBreachCount(this.cache) }) });
  }

  unreadCount(): number {
    return this.cache ? q.unreadCount(this.cache) : 0;
  }

  /** Validates and runs one call from the renderer: the answer as objects (Electron's IPC passes objects). */
  async handle(raw: unknown): Promise<Reply> {
    const reply = await this.answer(raw);
    return reply.ok && reply.value instanceof JsonText ? { ok: true, value: reply.value.value() } : reply;
  }

  /** `handle`, the answer written as JSON (host mode's frames): a page of stored rows is joined, not parsed and written again. */
  async handleAsJson(raw: unknown): Promise<string> {
    const reply = await this.answer(raw);
    return reply.ok && reply.value instanceof JsonText ? `{"ok":true,"value":${reply.value.text}}` : JSON.stringify(reply);
  }

  private async answer(raw: unknown): Promise<Reply> {
    const call = Call.safeParse(raw);
    if (!call.success) return { ok: false, code: 'invalid_request', message: 'not a desktop API call' };
    const { kind, name } = call.data;
    const def = kind === 'query' ? queries[name] : commands[name];
    const input = (def.input as z.ZodType).safeParse(call.data.input ?? {});
    if (!input.success) {
      return { ok: false, code: 'invalid_request', message: invalidInputMessage(name, input.error.issues[0]) };
    }
    try {
      // The one cast: the name was checked against the contract above, and the input parsed with its schema.
      const handler = (kind === 'query' ? this.queries[name] : this.commands[name]) as (input: unknown) => unknown;
      const cache = this.cache;
      // A write waits while the cache file is being rewritten or scrubbed in a worker; a read does not.
      if (kind === 'command') await cache?.idle();
      const value = await (kind === 'query' && cache ? cache.timed(name, () => handler(input.data)) : handler(input.data));
      return { ok: true, value };
    } catch (err) {
      if (err instanceof UserError) return { ok: false, code: err.code, message: err.message };
      if (err instanceof ServerError) return { ok: false, code: err.code, message: err.message };
      if (err instanceof OfflineError) return { ok: false, code: 'offline', message: 'You are offline: this needs a connection to the server.' };
      if (isDamage(err)) {
        await this.heal(err);
        return { ok: false, code: 'cache_rebuilt', message: CACHE_REBUILT };
      }
      this.log(`${name} failed`, err);
      return { ok: false, code: 'internal', message: 'Something went wrong; nothing was changed.' };
    }
  }

  private requireOutbox(): Outbox {
    if (!this.outbox) throw new UserError('signed_out', 'Sign in first.');
    return this.outbox;
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

  /**
   * Ready: the lists the inbox opens on (the user's inboxes, the last one first) are walked ahead while the app is idle, so
   * their first pages are read from memory rather than from the file (cache/list-positions.ts).
   */
  private expectLists(): void {
    if (this.state !== 'ready' || !this.cache) return;
    try {
      const inboxes = inboxesFor(
        this.meAsViewer(),
        q.teams(this.cache).map((t) => t.id),
      );
      const last = place(this.cache);
      q.expectLists(this.cache, this.me().id, inboxes, last && inboxes.includes(last.inbox as never) ? last : undefined);
    } catch (err) {
      // Only a head start: the lists are walked when asked anyway (a damaged file is healed when a query meets it).
      this.log('the lists could not be walked ahead', err);
    }
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

  /** The handlers of the session, of what stays on this computer, and of the outbox itself. */
  private ownCommands(): Omit<CommandHandlers, keyof FeatureCommands> {
    return {
      signIn: (i) => this.signIn(i.server_url, i.email, i.password),
      signOut: async ({ discard_unsent }) => {
        await this.signOut(true, discard_unsent ? 'discard' : 'ask');
        return { ok: true };
      },
      sendUnsent: () => (this.outbox ? this.outbox.flush(SEND_UNSENT_WAIT_MS) : []),
      dismissNotice: () => {
        this.notice = null;
        this.emitSession();
        return { ok: true };
      },
      signOutEverywhere: async ({ discard_unsent }) => {
        this.refuseWithUnsent(discard_unsent);
        // The server ends this session too; what is left here goes as at any sign-out. Offline, nothing changes.
        const { ended } = await this.online().call('signOutEverywhere');
        await this.signOut(false, 'discard');
        return { ok: true, ended };
      },
      setUpWorkspace: async ({ server_url: address, ...body }) => {
        const serverUrl = this.allowedServer(address);
        if (this.cache || this.pending) await this.signOut(true, 'keep_unsent');
        const answer = await this.unauthenticated(serverUrl, (api) => api.call('setup', { body }));
        return this.begin(serverUrl, answer);
      },
      changePassword: (i) => this.changePassword(i.current_password, i.new_password),
      setPrefs: (input) => {
        for (const k of Object.keys(input)) if (this.policy.locked.includes(k)) throw new UserError('locked', `${k} is managed by your organization`);
        // Only what the user chose is stored, so a later change of the policy's defaults still reaches the rest.
        this.opts.settings.set('prefs', LocalPrefs.partial().parse({ ...userPrefs(this.opts.settings.get('prefs')), ...input }));
        return this.prefs();
      },
      saveDraft: (draft) => {
        saveDraft(this.requireCache(), draft, this.clock());
        return { ok: true };
      },
      savePlace: (p) => {
        savePlace(this.requireCache(), p);
        return { ok: true };
      },
      setFocus: ({ contact_id, window_focused }) => {
        this.focus = { contactId: contact_id, windowFocused: window_focused };
        if (window_focused) this.lastActivity = this.clock();
        this.readOnScreen();
        return { ok: true };
      },
      reportActivity: ({ idle_seconds }) => {
        const before = this.idleSeconds();
        this.lastActivity = this.clock() - idle_seconds * 1000;
        // Coming back from idle: tell the server at once so the status returns.
        if (before > RETURNED_AFTER_S && idle_seconds < RETURNED_WITHIN_S) this.reportPresence();
        return { ok: true };
      },
      retryOutbox: ({ client_id }) => {
        this.requireOutbox().retry(client_id);
        return { ok: true };
      },
      discardOutbox: ({ client_id }) => {
        this.requireOutbox().discard(client_id);
        return { ok: true };
      },
    };
  }

  /**
   * The server address typed in, checked before anything is sent to it (sign-in, setup, whether it
   * needs setup): a password goes only where it travels encrypted (or stays on this machine), and
   * only to the server the machine policy requires, if it requires one.
   */
  private allowedServer(address: string): string {
    const checked = checkServerAddress(address, this.policy.insecureServers);
    if (!checked.ok) throw new UserError('insecure_server', checked.reason);
    if (!this.serverAllowed(checked.url)) throw new UserError('locked', `Your organization requires the server ${this.policy.serverUrl}.`);
    return checked.url;
  }

  async signIn(address: string, email: string, password: string): Promise<Session> {
    const serverUrl = this.allowedServer(address);
    if (this.cache || this.pending) await this.signOut(true, 'keep_unsent');
    const api = new ServerApi(serverUrl);
    let answer;
    try {
      answer = await api.call('signIn', { body: { email, password } });
    } catch (err) {
      if (err instanceof OfflineError)
        throw new UserError('unreachable', `The server at ${serverUrl} cannot be reached. Check the address and your connection.`);
      if (err instanceof ServerError && err.status === 401) throw new UserError('wrong_password', 'Wrong email or password.');
      throw err;
    }
    if (answer.password_change_required) {
      api.token = answer.token;
      this.pending = { serverUrl, api, token: answer.token, user: answer.user, password };
      this.state = 'password_change';
      this.emitSession();
      return this.session();
    }
    return this.begin(serverUrl, answer);
  }

  /** A call to a server not signed in to (setup); no answer is 'unreachable'. */
  private async unauthenticated<T>(serverUrl: string, fn: (api: ServerApi) => Promise<T>): Promise<T> {
    try {
      return await fn(new ServerApi(serverUrl));
    } catch (err) {
      if (err instanceof OfflineError)
        throw new UserError('unreachable', `The server at ${serverUrl} cannot be reached. Check the address and your connection.`);
      throw err;
    }
  }

  /** Signed in: the cache opens (a previous user's is wiped), the token is kept, sync starts. */
  private begin(serverUrl: string, answer: { token: string; user: User }): Session {
    this.pending = null;
    const opened = this.openCache(answer.user.id);
    if (!opened) throw new UserError('cache_too_new', CACHE_TOO_NEW);
    this.cache = opened.cache;
    if (this.cache.getMeta('user_id') && this.cache.getMeta('user_id') !== answer.user.id) {
      this.cache.destroy();
      this.cache = this.openCache(answer.user.id)!.cache;
    }
    this.cache.setMeta('user_id', answer.user.id);
    this.cache.entities.put('user', answer.user);
    this.opts.settings.set('server_url', serverUrl);
    this.opts.tokens.save(answer.token);
    this.state = this.bootstrapped(this.cache) ? 'ready' : 'bootstrapping';
    this.progress = 0;
    this.connect(serverUrl, answer.token);
    this.expectLists();
    this.emitSession();
    return this.session();
  }

  /** One's own new password: right after a one-time sign-in (then the app opens), or from Profile. */
  private async changePassword(current: string | undefined, next: string): Promise<{ ok: true }> {
    const pending = this.pending;
    if (pending) {
      await pending.api.call('changePassword', { body: { current_password: current ?? pending.password, new_password: next } });
      this.begin(pending.serverUrl, { token: pending.token, user: pending.user });
      return { ok: true };
    }
    if (!current) throw new UserError('invalid_request', 'Enter your current password.');
    await this.online().call('changePassword', { body: { current_password: current, new_password: next } });
    return { ok: true };
  }

  /** Synced at least once, and not in the middle of a bootstrap's bulk load cut short by a restart. */
  private bootstrapped(cache: Cache): boolean {
    return cache.cursor > 0 && !cache.bulkLoading;
  }

  private serverAllowed(serverUrl: string): boolean {
    const required = this.policy.serverUrlLocked ? this.policy.serverUrl : null;
    return !required || serverUrl.replace(/\/+$/, '') === required.replace(/\/+$/, '');
  }

  /**
   * Sign-out deletes the cache file and the token. The writes not yet delivered go with the cache only
   * when the user chose so: `ask` refuses while there are any (the UI asks), `discard` drops them,
   * `keep_unsent` (a sign-out the user did not ask for) keeps them for the same user's next sign-in.
   */
  async signOut(tellServer: boolean, unsent: 'ask' | 'discard' | 'keep_unsent'): Promise<void> {
    if (unsent === 'ask') this.refuseWithUnsent(false);
    const api = this.api ?? this.pending?.api ?? null;
    this.pending = null;
    this.stopEngines();
    if (tellServer && api) await api.call('signOut').catch(() => undefined);
    await this.cache?.idle(); // a worker still writing to the file is let finish before it is deleted
    if (this.cache && unsent === 'keep_unsent') keepUnsent(this.cache);
    else removeLeftovers(this.cacheFile);
    this.cache?.destroy();
    this.cache = null;
    this.api = null;
    this.opts.tokens.save(null);
    this.state = 'signed_out';
    this.progress = 0;
    this.emitSession();
    this.emitEvent('unread', { count: 0 });
  }

  /** Refuses a sign-out that would delete writes not yet delivered, saying how many and what they are. */
  private refuseWithUnsent(discard: boolean): void {
    if (discard || !this.cache) return;
    const items = outboxItems(this.cache);
    if (!items.length) return;
    throw new UserError(
      'unsent_writes',
      `${unsentSummary(items)} Send ${items.length === 1 ? 'it' : 'them'} now, or discard ${items.length === 1 ? 'it' : 'them'} to sign out.`,
    );
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
    for (const id of q.unreadNotificationsOf(this.cache, contactId)) void this.handle({ kind: 'command', name: 'markNotificationRead', input: { id } });
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
    // A clean stop ends the work on the file under way, and leaves no trace of a removal whose scrub
    // was still to come (SyncEngine.scrubLater).
    await this.cache?.idle();
    if (this.cache?.needsScrub) this.cache.scrub();
    this.cache?.close();
    this.cache = null;
  }
}
