// Each route of the contract bound to the workspace code that answers it.
import type { z } from 'zod';
import { ApiError } from '../../src-shared/api/errors';
import type { BodyOf, ParamsOf, QueryOf, RouteName, Routes } from '../../src-shared/api/routes';
import { hashPassword } from '../workspace/passwords';
import { getSettings, loadViewer, type Store, type Tx, type ViewerCtx } from '../workspace/store';
import * as users from '../workspace/users';
import * as conv from '../workspace/conversations';
import * as notes from '../workspace/notifications';
import * as inboxes from '../workspace/custom-inboxes';
import * as dash from '../workspace/dashboard';
import type { InboundBatcher } from '../workspace/ingest';
import { syncPageJson, feedHead } from '../feed/sync';

export interface Ctx<N extends RouteName> {
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
}

/** An answer already serialised (large pages are built from stored JSON). */
export class RawJson {
  constructor(readonly json: string) {}
}

type Handler<N extends RouteName> = (ctx: Ctx<N>, s: Services) => Promise<z.input<Routes[N]['response']>>;
export type Handlers = { [N in RouteName]: Handler<N> };

/**
 * A command: runs once per (user, client_id). A replay answers the first result and changes nothing;
 * the result is stored in the same transaction as the write.
 */
async function command<T>(s: Services, viewer: ViewerCtx, clientId: string, route: RouteName, fn: (tx: Tx) => Promise<T>): Promise<T> {
  return s.store.write(async (tx) => {
    const prev = await tx.sql.get<{ route: string; body: string }>('SELECT route, body FROM idempotency WHERE user_id = ? AND client_id = ?', [
      viewer.user.id,
      clientId,
    ]);
    if (prev) {
      if (prev.route !== route) throw new ApiError('conflict', `client_id ${clientId} was already used for another request`);
      return JSON.parse(prev.body) as T;
    }
    const result = await fn(tx);
    await tx.run('INSERT INTO idempotency (user_id, client_id, route, status, body, created_at) VALUES (?, ?, ?, ?, ?, ?)', [
      viewer.user.id,
      clientId,
      route,
      200,
      JSON.stringify(result ?? null),
      tx.now,
    ]);
    return result;
  });
}

/** Re-reads the viewer inside the transaction, so a command sees the restrictions as they are now. */
async function fresh(tx: Tx, viewer: ViewerCtx): Promise<ViewerCtx> {
  return (await loadViewer(tx.sql, viewer.user.id)) ?? viewer;
}

const db = (s: Services) => s.store.db;

export const handlers: Handlers = {
  health: async (_c, s) => ({ ok: true, head: await feedHead(db(s)) }),
  openapi: async (_c, s) => s.openapi() as Record<string, unknown>,
  signIn: async (c, s) => {
    if (!(await s.signInLimit.start(c.ip, c.body.email))) throw new ApiError('rate_limited', 'too many sign-in attempts; wait a minute and try again');
    const signedIn = await users.signIn(s.store, c.body.email, c.body.password);
    await s.signInLimit.succeeded(c.ip, c.body.email);
    return signedIn;
  },
  signOut: async (c, s) => {
    await users.signOut(s.store, c.viewer.user.id, c.tokenHash);
    return { ok: true };
  },
  signOutEverywhere: async (c, s) => ({ ok: true, ended: await users.signOutEverywhere(s.store, c.viewer.user.id) }),
  me: async (c, s) => users.me(db(s), c.viewer.user),
  setStatus: async (c, s) => command(s, c.viewer, c.body.client_id, 'setStatus', (tx) => users.setChosenStatus(tx, c.viewer.user.id, c.body.status)),
  presence: async (c, s) => users.reportPresence(s.store, c.viewer.user.id, c.body.idle_seconds),
  setPreferences: async (c, s) =>
    command(s, c.viewer, c.body.client_id, 'setPreferences', (tx) => users.setPreferences(tx, c.viewer.user.id, c.body.notifications)),
  listUsers: async (c, s) => ({ items: await users.listUsers(db(s), c.query) }),
  getUser: async (c, s) => users.getUser(db(s), c.params.id),
  createUser: async (c, s) => {
    const hash = await hashPassword(c.body.password);
    return command(s, c.viewer, c.body.client_id, 'createUser', async (tx) => users.createUser(tx, (await fresh(tx, c.viewer)).user, c.body, hash));
  },
  updateUser: async (c, s) =>
    command(s, c.viewer, c.body.client_id, 'updateUser', async (tx) => users.updateUser(tx, (await fresh(tx, c.viewer)).user, c.params.id, c.body)),
  listTeams: async (_c, s) => ({ items: await users.listTeams(db(s)) }),
  createTeam: async (c, s) => command(s, c.viewer, c.body.client_id, 'createTeam', (tx) => users.createTeam(tx, c.body.name)),
  getWorkspace: async (_c, s) => getSettings(db(s)),
  updateWorkspace: async (c, s) => {
    const { client_id, ...patch } = c.body;
    return command(s, c.viewer, client_id, 'updateWorkspace', (tx) => users.updateSettings(tx, patch));
  },
  listClosingCategories: async (_c, s) => ({ items: await users.listClosingCategories(db(s)) }),
  createClosingCategory: async (c, s) => command(s, c.viewer, c.body.client_id, 'createClosingCategory', (tx) => users.createClosingCategory(tx, c.body.name)),
  updateClosingCategory: async (c, s) => {
    const { client_id, ...patch } = c.body;
    return command(s, c.viewer, client_id, 'updateClosingCategory', (tx) => users.updateClosingCategory(tx, c.params.id, patch));
  },
  listChannels: async (_c, s) => ({ items: await users.listChannels(db(s)) }),
  listInboxes: async (c, s) => ({ items: await conv.inboxSummaries(db(s), c.viewer) }),
  listConversations: async (c, s) => conv.listConversations(db(s), c.viewer, c.query),
  listContacts: async (c, s) => conv.listContacts(db(s), c.viewer, c.query),
  getContact: async (c, s) => conv.contactDetail(db(s), c.viewer, c.params.id),
  updateContact: async (c, s) =>
    command(s, c.viewer, c.body.client_id, 'updateContact', async (tx) => conv.updateContact(tx, await fresh(tx, c.viewer), c.params.id, c.body)),
  getThread: async (c, s) => conv.thread(db(s), c.viewer, c.params.id, c.query.cursor, c.query.limit),
  listMessages: async (c, s) => conv.listMessages(db(s), c.viewer, c.params.id, c.query.cursor, c.query.limit),
  sendMessage: async (c, s) =>
    command(s, c.viewer, c.body.client_id, 'sendMessage', async (tx) => conv.sendMessage(tx, await fresh(tx, c.viewer), c.params.id, c.body.text, c.body.client_id)),
  listComments: async (c, s) => conv.listComments(db(s), c.viewer, c.params.id, c.query.cursor, c.query.limit),
  addComment: async (c, s) =>
    command(s, c.viewer, c.body.client_id, 'addComment', async (tx) => conv.addComment(tx, await fresh(tx, c.viewer), c.params.id, c.body.text, c.body.client_id)),
  assign: async (c, s) =>
    command(s, c.viewer, c.body.client_id, 'assign', async (tx) => conv.assign(tx, await fresh(tx, c.viewer), c.params.id, c.body.assignee_id)),
  close: async (c, s) => command(s, c.viewer, c.body.client_id, 'close', async (tx) => conv.close(tx, await fresh(tx, c.viewer), c.params.id, c.body)),
  reopen: async (c, s) => command(s, c.viewer, c.body.client_id, 'reopen', async (tx) => conv.reopen(tx, await fresh(tx, c.viewer), c.params.id)),
  listCustomInboxes: async (c, s) => ({ items: await inboxes.listCustomInboxes(db(s), c.viewer) }),
  createCustomInbox: async (c, s) =>
    command(s, c.viewer, c.body.client_id, 'createCustomInbox', async (tx) => inboxes.createCustomInbox(tx, await fresh(tx, c.viewer), c.body)),
  updateCustomInbox: async (c, s) =>
    command(s, c.viewer, c.body.client_id, 'updateCustomInbox', async (tx) =>
      inboxes.updateCustomInbox(tx, await fresh(tx, c.viewer), c.params.id, c.body),
    ),
  deleteCustomInbox: async (c, s) =>
    command(s, c.viewer, c.query.client_id, 'deleteCustomInbox', async (tx) => {
      await inboxes.deleteCustomInbox(tx, await fresh(tx, c.viewer), c.params.id);
      return { ok: true as const };
    }),
  listNotifications: async (c, s) => notes.listNotifications(db(s), c.viewer, c.query.tab, c.query.cursor, c.query.limit),
  markNotificationRead: async (c, s) =>
    command(s, c.viewer, c.body.client_id, 'markNotificationRead', async (tx) => notes.markRead(tx, await fresh(tx, c.viewer), c.params.id)),
  archiveNotification: async (c, s) =>
    command(s, c.viewer, c.body.client_id, 'archiveNotification', async (tx) => notes.archive(tx, await fresh(tx, c.viewer), c.params.id)),
  archiveAllNotifications: async (c, s) =>
    command(s, c.viewer, c.body.client_id, 'archiveAllNotifications', async (tx) => ({ archived: await notes.archiveAll(tx, await fresh(tx, c.viewer)) })),
  dashboard: async (c, s) => dash.dashboardSummary(db(s), c.viewer, s.store.clock(), c.query.tz_offset_minutes),
  dashboardOpenConversations: async (c, s) => dash.openConversations(db(s), c.viewer, s.store.clock(), c.query),
  dashboardMembers: async (c, s) => dash.members(db(s), c.viewer, c.query),
  reportUsers: async (c, s) => ({ items: await dash.reportRows(db(s), c.viewer, c.query.from, c.query.to) }),
  reportLeaderboard: async (c, s) => ({
    metric: c.query.metric,
    items: dash.leaderboard(await dash.reportRows(db(s), c.viewer, c.query.from, c.query.to), c.query.metric),
  }),
  inbound: async (c, s) => s.inbound.submit(c.params.id, c.body),
  sync: async (c, s) => new RawJson(await syncPageJson(db(s), c.viewer, c.query.after, c.query.limit, c.query.epoch)) as never,
};
