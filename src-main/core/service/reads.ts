// The desktop API's queries over the cache (cache/queries.ts), and the few asked of the server
// (reports, the workspace's notification settings, integrations' lists).
import { inboxesFor } from '../../../src-shared/access/visibility';
import * as q from '../cache/queries';
import { drafts, place } from '../cache/drafts-and-place';
import { outboxItems } from '../cache/outbox-rows';
import type { QueryHandlers, ServiceContext } from './handler-map';

type CacheReads = Omit<QueryHandlers, 'session' | 'prefs' | 'setupStatus'>;

export function reads(ctx: ServiceContext): CacheReads {
  const inboxKeys = () =>
    inboxesFor(
      ctx.viewer(),
      q.teams(ctx.cache()).map((t) => t.id),
    );
  return {
    me() {
      const user = ctx.me();
      const settings = q.settings(ctx.cache());
      return settings ? { user, settings, inboxes: inboxKeys() } : null;
    },
    inboxes: () => q.inboxSummaries(ctx.cache(), ctx.me().id, inboxKeys()),
    conversations: (i) => q.conversations(ctx.cache(), ctx.me().id, i),
    conversationPosition: (i) => ({ index: q.positionInList(ctx.cache(), ctx.me().id, i, i.contact_id) }),
    contact: ({ id }) => q.contactDetail(ctx.cache(), id),
    thread: ({ contact_id, limit }) => q.thread(ctx.cache(), contact_id, limit),
    search: ({ q: text, limit }) => q.search(ctx.cache(), text, limit),
    users: () => q.users(ctx.cache()),
    teams: () => q.teams(ctx.cache()),
    closingCategories: () => q.closingCategories(ctx.cache()),
    channels: () => q.channels(ctx.cache()),
    customInboxes: () => q.customInboxes(ctx.cache()),
    notifications: ({ tab, limit }) => q.notifications(ctx.cache(), tab, limit),
    outbox: () => outboxItems(ctx.cache()),
    drafts: () => drafts(ctx.cache()),
    place: () => place(ctx.cache()),
    dashboardOpen: ({ team_id, assignee, limit }) => q.dashboardOpen(ctx.cache(), ctx.now(), { teamId: team_id, assignee }, limit),
    dashboardMembers: ({ team_id, status }) => q.dashboardMembers(ctx.cache(), team_id, status),
    dashboardSummary: ({ tz_offset_minutes }) => q.dashboardSummary(ctx.cache(), ctx.now(), tz_offset_minutes),
    // The workspace's copy, the one that decides what is created: asked of the server.
    serverNotificationPrefs: async () => (await ctx.online().call('me')).preferences.notifications,
    // Integrations' lists live on the server only.
    accessTokens: async () => (await ctx.online().call('listAccessTokens')).items,
    webhooks: async () => (await ctx.online().call('listWebhooks')).items,
    webhookDeliveries: async ({ id }) => (await ctx.online().call('webhookDeliveries', { params: { id } })).items,
    lifecycleStages: async () => (await ctx.online().call('listLifecycleStages')).items,
    customFields: async () => (await ctx.online().call('listCustomFields')).items,
    async reports({ from, to, metric }) {
      // Reports are figures over everyone's history: asked of the server, not kept offline.
      const api = ctx.online();
      const rows = (await api.call('reportUsers', { query: { from, to } })).items;
      const leaderboard = metric ? (await api.call('reportLeaderboard', { query: { from, to, metric } })).items : [];
      return { rows, leaderboard };
    },
  };
}
