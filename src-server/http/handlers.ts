// Each route of the contract bound to the workspace code that answers it.
import { createHash } from 'node:crypto';
import type { z } from 'zod';
import { ApiError } from '../../src-shared/api/errors';
import type { BodyOf, ParamsOf, QueryOf, RouteName, Routes } from '../../src-shared/api/routes';
import { hashPassword, hashToken, newToken, verifyPassword } from '../workspace/passwords';
import { oneTimePassword } from '../workspace/one-time-codes';
import { assertPasswordAllowed } from '../workspace/password-rule';
import * as people from '../workspace/people';
import * as setup from '../workspace/setup';
import * as teams from '../workspace/teams';
import { getSettings } from '../workspace/settings';
import { loadViewer, visibleContact, type ViewerCtx } from '../workspace/viewer';
import type { Store } from '../workspace/store';
import type { Tx } from '../workspace/tx';
import * as users from '../workspace/users';
import * as conv from '../workspace/conversations';
import * as notes from '../workspace/notifications';
import * as inboxes from '../workspace/custom-inboxes';
import * as dash from '../workspace/dashboard';
import * as tokens from '../workspace/access-tokens';
import * as details from '../workspace/contact-details';
import { customFieldsForApp } from '../workspace/contact-fields';
import * as webhooks from '../webhooks/endpoints';
import type { WebhookDispatcher } from '../webhooks/dispatcher';
import type { InboundBatcher } from '../workspace/ingest';
import { syncPageJson } from '../feed/sync';
import { snapshotPageJson } from '../feed/snapshot';

interface Ctx<N extends RouteName> {
  params: ParamsOf<N>;
  query: QueryOf<N>;
  body: BodyOf<N>;
  /** Present on session routes. */
  viewer: ViewerCtx;
  tokenHash: string;
  rawBody: string;
  headers: Record<string, string | string[] | undefined>;
  ip: string;
}

export interface Services {
  store: Store;
  /** Inbound channel messages, written in batches. */
  inbound: InboundBatcher;
  openapi: () => unknown;
  /** Sign-in attempts: `start` counts one (false: over a limit); `succeeded` takes back what only failures count. */
  signInLimit: { start: (ip: string, email: string) => Promise<boolean>; succeeded: (ip: string, email: string) => Promise<void> };
  /** Setup attempts, limited as sign-in is (the same table): `start` counts one (false: over a limit); `succeeded` takes back what only failures count. */
  setupLimit: { start: (ip: string) => Promise<boolean>; succeeded: (ip: string) => Promise<void> };
  /** Webhook delivery (nudged when a delivery is queued), and whether receivers may be private addresses. */
  webhooks: { dispatcher: WebhookDispatcher; allowPrivate: boolean };
}

/** An answer already serialised, as text or UTF-8 bytes (large pages are built from stored JSON, or JSON the database wrote). */
export class RawJson {
  constructor(readonly json: string | Buffer) {}
}

type Handler<N extends RouteName> = (ctx: Ctx<N>, s: Services) => Promise<z.input<Routes[N]['response']>>;
export type Handlers = { [N in RouteName]: Handler<N> };

/** What a command's client_id stands for: the first request made with it, which a replay must repeat. */
interface CommandKey {
  clientId: string;
  route: RouteName;
  /** The entity in the path (a contact, a user, a notification…), '' for none. */
  target?: string;
  /** The request's own fields (the body, or the query of a DELETE; never a password); client_id is left out. */
  request: Record<string, unknown>;
  /**
   * Re-checks, on a replay, what the handler checks before it writes (may the viewer still see the
   * contact?): a replay is answered only as a fresh request would be, never with what is now hidden.
   */
  guard?: (tx: Tx, viewer: ViewerCtx) => Promise<unknown>;
}

/** A digest of the request's fields, in a fixed key order. */
function requestHash(request: Record<string, unknown>): string {
  const canonical = (v: unknown): unknown =>
    Array.isArray(v)
      ? v.map(canonical)
      : v && typeof v === 'object'
        ? Object.fromEntries(
            Object.keys(v)
              .sort()
              .filter((k) => k !== 'client_id')
              .map((k) => [k, canonical((v as Record<string, unknown>)[k])]),
          )
        : v;
  return createHash('sha256')
    .update(JSON.stringify(canonical(request)))
    .digest('base64url');
}

/**
 * A command: runs once per (user, client_id). A replay (same route, target and fields) answers the
 * first result and changes nothing, after the same checks a fresh request meets; the same client_id
 * on another route or target, or with other fields, is refused (409). The result is stored in the
 * same transaction as the write. Keys are per user: another user's client ids never meet these.
 */
async function command<T>(s: Services, viewer: ViewerCtx, key: CommandKey, fn: (tx: Tx) => Promise<T>): Promise<T> {
  const target = key.target ?? '';
  const hash = requestHash(key.request);
  return s.store.write(async (tx) => {
    const prev = await tx.sql.get<{ route: string; target: string | null; request_hash: string | null; body: string }>(
      'SELECT route, target, request_hash, body FROM idempotency WHERE user_id = ? AND client_id = ?',
      [viewer.user.id, key.clientId],
    );
    if (prev) {
      if (prev.route !== key.route || (prev.target !== null && prev.target !== target)) {
        throw new ApiError('conflict', 'this client_id was already used for another request; send a new one');
      }
      if (prev.request_hash !== null && prev.request_hash !== hash) {
        throw new ApiError('idempotency_mismatch', 'this client_id was already used with other content; send a new one');
      }
      if (key.guard) await key.guard(tx, await fresh(tx, viewer));
      return JSON.parse(prev.body) as T;
    }
    const result = await fn(tx);
    await tx.run('INSERT INTO idempotency (user_id, client_id, route, target, request_hash, status, body, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)', [
      viewer.user.id,
      key.clientId,
      key.route,
      target,
      hash,
      200,
      JSON.stringify(result ?? null),
      tx.now,
    ]);
    return result;
  });
}

/** A command on one contact: a replay is answered only while the viewer may still see the contact (404 otherwise, as for any request). */
function onContact(c: { params: { id: string }; body: Record<string, unknown> & { client_id: string } }, route: RouteName): CommandKey {
  return { clientId: c.body.client_id, route, target: c.params.id, request: c.body, guard: (tx, v) => visibleContact(tx.sql, v, c.params.id) };
}

/** Re-reads the viewer inside the transaction, so a command sees the restrictions as they are now. */
async function fresh(tx: Tx, viewer: ViewerCtx): Promise<ViewerCtx> {
  return (await loadViewer(tx.sql, viewer.user.id)) ?? viewer;
}

/** A command on one of the viewer's notifications: a replay is answered only while its contact is visible. */
function onNotification(c: { params: { id: string }; body: { client_id: string } }, route: RouteName): CommandKey {
  return { clientId: c.body.client_id, route, target: c.params.id, request: c.body, guard: (tx, v) => notes.ownVisibleNotification(tx, v, c.params.id) };
}

const db = (s: Services) => s.store.db;

/** Sign-in's answer, with whether the password is still one someone else gave. */
async function signedIn(s: Services, email: string, password: string) {
  const { token, user } = await users.signIn(s.store, email, password);
  const row = await db(s).get<{ must_change_password: number }>('SELECT must_change_password FROM users WHERE id = ?', [user.id]);
  return { token, user, password_change_required: !!Number(row?.must_change_password) };
}

export const handlers: Handlers = {
  health: async () => ({ ok: true }),
  openapi: async (_c, s) => s.openapi() as Record<string, unknown>,
  signIn: async (c, s) => {
    if (!(await s.signInLimit.start(c.ip, c.body.email))) throw new ApiError('rate_limited', 'too many sign-in attempts; wait a minute and try again');
    const answer = await signedIn(s, c.body.email, c.body.password);
    await s.signInLimit.succeeded(c.ip, c.body.email);
    return answer;
  },
  setupStatus: async (_c, s) => ({ needed: await setup.setupNeeded(db(s)) }),
  setup: async (c, s) => {
    assertPasswordAllowed(c.body.password, c.body.email);
    if (!(await s.setupLimit.start(c.ip))) throw new ApiError('rate_limited', 'Too many setup attempts; wait a minute and try again.');
    const hash = await hashPassword(c.body.password);
    await s.store.write((tx) => setup.setUpWorkspace(tx, c.body, hash));
    await s.setupLimit.succeeded(c.ip);
    return signedIn(s, c.body.email, c.body.password);
  },
  signOut: async (c, s) => {
    await users.signOut(s.store, c.viewer.user.id, c.tokenHash);
    return { ok: true };
  },
  signOutEverywhere: async (c, s) => ({ ok: true, ended: await users.signOutEverywhere(s.store, c.viewer.user.id) }),
  me: async (c, s) => ({ ...(await users.me(db(s), c.viewer.user)), password_change_required: !!Number(c.viewer.user.must_change_password) }),
  changePassword: async (c, s) => {
    const me = c.viewer.user;
    // Guessing the current password from a stolen session is sign-in guessing: limited the same way.
    if (!(await s.signInLimit.start(c.ip, me.email))) throw new ApiError('rate_limited', 'Too many attempts; wait a minute and try again.');
    if (!(await verifyPassword(c.body.current_password, me.password_hash))) throw new ApiError('forbidden', 'The current password is not right.');
    await s.signInLimit.succeeded(c.ip, me.email);
    if (c.body.new_password === c.body.current_password) throw new ApiError('invalid_request', 'Choose a new password, not the current one.');
    assertPasswordAllowed(c.body.new_password, me.email);
    const hash = await hashPassword(c.body.new_password);
    await s.store.write((tx) => people.changeOwnPassword(tx, me.id, c.tokenHash, hash));
    return { ok: true };
  },
  setStatus: async (c, s) =>
    command(s, c.viewer, { clientId: c.body.client_id, route: 'setStatus', request: c.body }, (tx) =>
      users.setChosenStatus(tx, c.viewer.user.id, c.body.status),
    ),
  presence: async (c, s) => users.reportPresence(s.store, c.viewer.user.id, c.body.idle_seconds),
  setPreferences: async (c, s) =>
    command(s, c.viewer, { clientId: c.body.client_id, route: 'setPreferences', request: c.body }, (tx) =>
      users.setPreferences(tx, c.viewer.user.id, c.body.notifications),
    ),
  listUsers: async (c, s) => ({ items: await users.listUsers(db(s), c.viewer.user, c.query) }),
  getUser: async (c, s) => users.getUser(db(s), c.viewer.user, c.params.id),
  createUser: async (c, s) => {
    // The one-time password is made here and answered once: the request has no password (so none is
    // in the replay's digest), and the stored replay answer holds the user only (a replay answers
    // one_time_password null).
    const password = oneTimePassword();
    const hash = await hashPassword(password);
    let created = false;
    const user = await command(s, c.viewer, { clientId: c.body.client_id, route: 'createUser', request: c.body }, async (tx) => {
      created = true;
      return people.createUser(tx, (await fresh(tx, c.viewer)).user, c.body, hash);
    });
    return { user, one_time_password: created ? password : null };
  },
  resetPassword: async (c, s) => {
    const password = oneTimePassword();
    const hash = await hashPassword(password);
    const user = await s.store.write(async (tx) => people.resetPassword(tx, (await fresh(tx, c.viewer)).user, c.params.id, hash));
    return { user, one_time_password: password };
  },
  updateUser: async (c, s) =>
    command(s, c.viewer, { clientId: c.body.client_id, route: 'updateUser', target: c.params.id, request: c.body }, async (tx) =>
      users.updateUser(tx, (await fresh(tx, c.viewer)).user, c.params.id, c.body),
    ),
  listTeams: async (_c, s) => ({ items: await teams.listTeams(db(s)) }),
  createTeam: async (c, s) =>
    command(s, c.viewer, { clientId: c.body.client_id, route: 'createTeam', request: c.body }, (tx) => teams.createTeam(tx, c.body.name)),
  updateTeam: async (c, s) =>
    command(s, c.viewer, { clientId: c.body.client_id, route: 'updateTeam', target: c.params.id, request: c.body }, (tx) =>
      teams.renameTeam(tx, c.params.id, c.body.name),
    ),
  deleteTeam: async (c, s) =>
    command(s, c.viewer, { clientId: c.query.client_id, route: 'deleteTeam', target: c.params.id, request: c.query }, async (tx) => {
      const to = c.query.members_to;
      await teams.deleteTeam(tx, c.params.id, to === 'none' ? null : to);
      return { ok: true as const };
    }),
  getWorkspace: async (_c, s) => getSettings(db(s)),
  updateWorkspace: async (c, s) => {
    const { client_id, ...patch } = c.body;
    return command(s, c.viewer, { clientId: client_id, route: 'updateWorkspace', request: patch }, (tx) => users.updateSettings(tx, patch));
  },
  updateAlertRules: async (c, s) => {
    const { client_id, ...rules } = c.body;
    return command(s, c.viewer, { clientId: client_id, route: 'updateAlertRules', request: rules }, (tx) => users.updateSettings(tx, { alert_rules: rules }));
  },
  listClosingCategories: async (_c, s) => ({ items: await users.listClosingCategories(db(s)) }),
  createClosingCategory: async (c, s) =>
    command(s, c.viewer, { clientId: c.body.client_id, route: 'createClosingCategory', request: c.body }, (tx) => users.createClosingCategory(tx, c.body.name)),
  updateClosingCategory: async (c, s) => {
    const { client_id, ...patch } = c.body;
    return command(s, c.viewer, { clientId: client_id, route: 'updateClosingCategory', target: c.params.id, request: patch }, (tx) =>
      users.updateClosingCategory(tx, c.params.id, patch),
    );
  },
  listChannels: async (_c, s) => ({ items: await users.listChannels(db(s)) }),
  listInboxes: async (c, s) => ({ items: await conv.inboxSummaries(db(s), c.viewer, db(s).dialect) }),
  listConversations: async (c, s) => conv.listConversations(db(s), c.viewer, c.query),
  listContacts: async (c, s) => conv.listContacts(db(s), c.viewer, c.query),
  getContact: async (c, s) => conv.contactDetail(db(s), c.viewer, c.params.id),
  updateContact: async (c, s) =>
    command(s, c.viewer, onContact(c, 'updateContact'), async (tx) => conv.updateContact(tx, await fresh(tx, c.viewer), c.params.id, c.body)),
  setContactProfile: async (c, s) => {
    const change = { add_tags: c.body.add_tags, remove_tags: c.body.remove_tags, lifecycle: c.body.lifecycle, custom_fields: c.body.custom_fields };
    return command(s, c.viewer, onContact(c, 'setContactProfile'), async (tx) => details.setProfile(tx, await fresh(tx, c.viewer), c.params.id, change));
  },
  listLifecycleStages: async (_c, s) => ({ items: await details.listLifecycleStages(db(s)) }),
  listCustomFields: async (_c, s) => ({ items: await customFieldsForApp(db(s)) }),
  getThread: async (c, s) => conv.thread(db(s), c.viewer, c.params.id, c.query.cursor, c.query.limit),
  listMessages: async (c, s) => conv.listMessages(db(s), c.viewer, c.params.id, c.query.cursor, c.query.limit),
  sendMessage: async (c, s) =>
    command(s, c.viewer, onContact(c, 'sendMessage'), async (tx) =>
      conv.sendMessage(tx, await fresh(tx, c.viewer), c.params.id, c.body.text, c.body.client_id),
    ),
  listComments: async (c, s) => conv.listComments(db(s), c.viewer, c.params.id, c.query.cursor, c.query.limit),
  addComment: async (c, s) =>
    command(s, c.viewer, onContact(c, 'addComment'), async (tx) => conv.addComment(tx, await fresh(tx, c.viewer), c.params.id, c.body.text, c.body.client_id)),
  assign: async (c, s) =>
    command(s, c.viewer, onContact(c, 'assign'), async (tx) => conv.assign(tx, await fresh(tx, c.viewer), c.params.id, c.body.assignee_id)),
  close: async (c, s) => command(s, c.viewer, onContact(c, 'close'), async (tx) => conv.close(tx, await fresh(tx, c.viewer), c.params.id, c.body)),
  reopen: async (c, s) => command(s, c.viewer, onContact(c, 'reopen'), async (tx) => conv.reopen(tx, await fresh(tx, c.viewer), c.params.id)),
  listCustomInboxes: async (c, s) => ({ items: await inboxes.listCustomInboxes(db(s), c.viewer) }),
  createCustomInbox: async (c, s) =>
    command(s, c.viewer, { clientId: c.body.client_id, route: 'createCustomInbox', request: c.body }, async (tx) =>
      inboxes.createCustomInbox(tx, await fresh(tx, c.viewer), c.body),
    ),
  updateCustomInbox: async (c, s) =>
    command(s, c.viewer, { clientId: c.body.client_id, route: 'updateCustomInbox', target: c.params.id, request: c.body }, async (tx) =>
      inboxes.updateCustomInbox(tx, await fresh(tx, c.viewer), c.params.id, c.body),
    ),
  deleteCustomInbox: async (c, s) =>
    command(s, c.viewer, { clientId: c.query.client_id, route: 'deleteCustomInbox', target: c.params.id, request: c.query }, async (tx) => {
      await inboxes.deleteCustomInbox(tx, await fresh(tx, c.viewer), c.params.id);
      return { ok: true as const };
    }),
  listNotifications: async (c, s) => notes.listNotifications(db(s), c.viewer, c.query.tab, c.query.cursor, c.query.limit),
  markNotificationRead: async (c, s) =>
    command(s, c.viewer, onNotification(c, 'markNotificationRead'), async (tx) => notes.markRead(tx, await fresh(tx, c.viewer), c.params.id)),
  archiveNotification: async (c, s) =>
    command(s, c.viewer, onNotification(c, 'archiveNotification'), async (tx) => notes.archive(tx, await fresh(tx, c.viewer), c.params.id)),
  archiveAllNotifications: async (c, s) =>
    command(s, c.viewer, { clientId: c.body.client_id, route: 'archiveAllNotifications', request: c.body }, async (tx) => ({
      archived: await notes.archiveAll(tx, await fresh(tx, c.viewer)),
    })),
  dashboard: async (c, s) => dash.dashboardSummary(db(s), c.viewer, s.store.clock(), c.query.tz_offset_minutes),
  dashboardOpenConversations: async (c, s) => dash.openConversations(db(s), c.viewer, s.store.clock(), c.query),
  dashboardMembers: async (c, s) => dash.members(db(s), c.viewer, c.query),
  reportUsers: async (c, s) => ({ items: await dash.reportRows(db(s), c.viewer, c.query.from, c.query.to) }),
  reportLeaderboard: async (c, s) => ({
    metric: c.query.metric,
    items: dash.leaderboard(await dash.reportRows(db(s), c.viewer, c.query.from, c.query.to), c.query.metric),
  }),
  listAccessTokens: async (c, s) => {
    tokens.assertMayManageTokens(c.viewer.user);
    return { items: await tokens.listAccessTokens(db(s)) };
  },
  createAccessToken: async (c, s) => {
    tokens.assertMayManageTokens(c.viewer.user);
    // The secret is answered once: a replay answers the token with secret null (only its hash is kept).
    const secret = `ism_${newToken()}`;
    let created = false;
    const token = await command(s, c.viewer, { clientId: c.body.client_id, route: 'createAccessToken', request: c.body }, async (tx) => {
      created = true;
      return tokens.createAccessToken(tx, c.viewer.user, c.body.name, hashToken(secret));
    });
    return { token, secret: created ? secret : null };
  },
  revokeAccessToken: async (c, s) => {
    tokens.assertMayManageTokens(c.viewer.user);
    return command(s, c.viewer, { clientId: c.query.client_id, route: 'revokeAccessToken', target: c.params.id, request: c.query }, async (tx) => {
      await tokens.revokeAccessToken(tx, c.params.id);
      return { ok: true as const };
    });
  },
  listWebhooks: async (c, s) => {
    webhooks.assertMayManageWebhooks(c.viewer);
    return { items: await webhooks.listEndpoints(db(s)) };
  },
  addWebhook: async (c, s) => {
    webhooks.assertMayManageWebhooks(c.viewer);
    await webhooks.assertUsableUrl(c.body.url, s.webhooks.allowPrivate);
    // The signing key is answered once: a replay answers the endpoint with signing_key null (the idempotency table never holds it).
    let key: string | null = null;
    const endpoint = await command(s, c.viewer, { clientId: c.body.client_id, route: 'addWebhook', request: c.body }, async (tx) => {
      const added = await webhooks.addEndpoint(tx, c.viewer, c.body.url, c.body.events);
      key = added.key;
      return added.endpoint;
    });
    return { endpoint, signing_key: key };
  },
  pauseWebhook: async (c, s) => {
    webhooks.assertMayManageWebhooks(c.viewer);
    return command(s, c.viewer, { clientId: c.body.client_id, route: 'pauseWebhook', target: c.params.id, request: c.body }, (tx) =>
      webhooks.pauseEndpoint(tx, c.params.id, 'paused'),
    );
  },
  resumeWebhook: async (c, s) => {
    webhooks.assertMayManageWebhooks(c.viewer);
    const endpoint = await command(s, c.viewer, { clientId: c.body.client_id, route: 'resumeWebhook', target: c.params.id, request: c.body }, (tx) =>
      webhooks.resumeEndpoint(tx, c.params.id),
    );
    s.webhooks.dispatcher.notify();
    return endpoint;
  },
  rotateWebhookKey: async (c, s) => {
    webhooks.assertMayManageWebhooks(c.viewer);
    let key: string | null = null;
    const endpoint = await command(s, c.viewer, { clientId: c.body.client_id, route: 'rotateWebhookKey', target: c.params.id, request: c.body }, async (tx) => {
      const rotated = await webhooks.rotateKey(tx, c.params.id);
      key = rotated.key;
      return rotated.endpoint;
    });
    return { endpoint, signing_key: key };
  },
  deleteWebhook: async (c, s) => {
    webhooks.assertMayManageWebhooks(c.viewer);
    return command(s, c.viewer, { clientId: c.query.client_id, route: 'deleteWebhook', target: c.params.id, request: c.query }, async (tx) => {
      await webhooks.deleteEndpoint(tx, c.params.id);
      return { ok: true as const };
    });
  },
  webhookDeliveries: async (c, s) => {
    webhooks.assertMayManageWebhooks(c.viewer);
    return { items: await webhooks.deliveryLog(db(s), c.params.id) };
  },
  sendWebhookTest: async (c, s) => {
    webhooks.assertMayManageWebhooks(c.viewer);
    const delivery = await command(s, c.viewer, { clientId: c.body.client_id, route: 'sendWebhookTest', target: c.params.id, request: c.body }, (tx) =>
      webhooks.queueTestEvent(tx, c.params.id),
    );
    s.webhooks.dispatcher.notify();
    return delivery;
  },
  inbound: async (c, s) => s.inbound.submit(c.params.id, c.body),
  sync: async (c, s) => {
    const { after, limit, epoch, snapshot } = c.query;
    if (snapshot === undefined) return new RawJson(await syncPageJson(db(s), c.viewer, after, limit, epoch)) as never;
    if (after !== 0) throw new ApiError('invalid_request', 'a snapshot is asked with after=0');
    return new RawJson(await snapshotPageJson(db(s), c.viewer, snapshot, limit, s.store.clock())) as never;
  },
};
