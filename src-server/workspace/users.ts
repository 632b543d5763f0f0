// Users, sessions, activity status, preferences, access changes and workspace settings.
import { ApiError } from '../../src-shared/api/errors';
import { canManageUser, inboxesFor, showsRestrictions } from '../../src-shared/access/visibility';
import type { BodyOf, QueryOf } from '../../src-shared/api/routes';
import type { ChosenStatus, User, WorkspaceSettings, NotificationPrefs } from '../../src-shared/model';
import { hashPassword, hashToken, needsRehash, newToken, verifyPassword } from './passwords';
import { prefsOf, toUser, toClosingCategory, toChannel, type UserRow } from './rows';
import { getSettings } from './settings';
import { accessChanges } from './access-change';
import { loadUserRow, scopeOf } from './viewer';
import { newId } from './ids';
import type { Store } from './store';
import type { Tx } from './tx';
import { reconcileUsers, resetFeed, teamWatchers } from './visibility-changes';
import { assertAnotherOwnerRemains } from './owners';
import type { SqlRunner } from '../db/engine';
import { PresenceGate } from './presence';

const AVATAR_COLORS = ['#2563eb', '#16a34a', '#db2777', '#ea580c', '#7c3aed', '#0891b2', '#ca8a04', '#dc2626'];
export const avatarColorFor = (seed: string) => AVATAR_COLORS[[...seed].reduce((h, c) => (h * 31 + c.charCodeAt(0)) >>> 0, 7) % AVATAR_COLORS.length];

// Used to spend the same time on an unknown email as on a wrong password.
let decoyHash: Promise<string> | undefined;

export async function signIn(store: Store, email: string, password: string): Promise<{ token: string; user: User }> {
  const row = await store.db.get<UserRow>('SELECT * FROM users WHERE email = ?', [email]);
  if (!row) {
    decoyHash ??= hashPassword('decoy-password');
    await verifyPassword(password, await decoyHash);
    throw new ApiError('unauthorized', 'wrong email or password');
  }
  if (!(await verifyPassword(password, row.password_hash))) throw new ApiError('unauthorized', 'wrong email or password');
  if (Number(row.deactivated)) throw new ApiError('forbidden', 'this user is deactivated');
  // A hash made with older parameters is replaced now that the password is known to be right
  // (computed before the transaction: hashing is slow on purpose).
  const rehashed = needsRehash(row.password_hash) ? await hashPassword(password) : null;
  const token = newToken();
  const user = await store.write(async (tx) => {
    // Unless the password changed meanwhile.
    if (rehashed) await tx.run('UPDATE users SET password_hash = ? WHERE id = ? AND password_hash = ?', [rehashed, row.id, row.password_hash]);
    // This user's sessions unused too long, or too old (their tokens are refused anyway), go now.
    await tx.run('DELETE FROM sessions WHERE user_id = ? AND (last_seen_at < ? OR created_at < ?)', [
      row.id,
      tx.now - SESSION_IDLE_MS,
      tx.now - SESSION_MAX_MS,
    ]);
    await tx.run('INSERT INTO sessions (token_hash, user_id, created_at, last_seen_at) VALUES (?, ?, ?, ?)', [hashToken(token), row.id, tx.now, tx.now]);
    // Beyond the bound, the sessions signed in longest ago end (as a sign-out would: their streams close).
    const surplus = await tx.sql.all<{ token_hash: string }>(
      'SELECT token_hash FROM sessions WHERE user_id = ? AND token_hash <> ? ORDER BY created_at DESC, token_hash LIMIT 1000 OFFSET ?',
      [row.id, hashToken(token), MAX_SESSIONS_PER_USER - 1],
    );
    if (surplus.length) await endSessions(tx, row.id, { only: surplus.map((r) => r.token_hash) });
    await tx.run('UPDATE users SET status = chosen_status, last_active_at = ? WHERE id = ?', [tx.now, row.id]);
    return (await tx.emitRow('user', row.id)) as User;
  });
  return { token, user };
}

export async function signOut(store: Store, userId: string, tokenHash: string): Promise<void> {
  await store.write(async (tx) => {
    await endSessions(tx, userId, { only: [tokenHash] });
    await offlineWithoutSessions(tx, userId);
  });
}

/** Sign out everywhere: every session of the user ends, and every stream on them closes. Answers how many ended. */
export async function signOutEverywhere(store: Store, userId: string): Promise<number> {
  return store.write(async (tx) => {
    const ended = await endSessions(tx, userId);
    await offlineWithoutSessions(tx, userId);
    return ended;
  });
}

/**
 * Ends sessions of the user (`only` those, or every one but `keep`): their tokens are refused from
 * now on, and a session_end record for each closes its streams, on every instance. Answers how many ended.
 */
export async function endSessions(tx: Tx, userId: string, which: { only?: string[]; keep?: string } = {}): Promise<number> {
  const sessions =
    which.only ?? (await tx.sql.all<{ token_hash: string }>('SELECT token_hash FROM sessions WHERE user_id = ?', [userId])).map((s) => s.token_hash);
  const ending = sessions.filter((h) => h !== which.keep);
  for (const tokenHash of ending) {
    await tx.run('DELETE FROM sessions WHERE token_hash = ?', [tokenHash]);
    tx.emit('user', 'session_end', userId, null, { token_hash: tokenHash }, userId);
  }
  return ending.length;
}

/** A user signed out of their last session shows as offline to everyone. */
async function offlineWithoutSessions(tx: Tx, userId: string): Promise<void> {
  const left = await tx.sql.get<{ n: number }>('SELECT COUNT(*) AS n FROM sessions WHERE user_id = ?', [userId]);
  if (Number(left?.n) === 0) {
    await tx.run("UPDATE users SET status = 'offline' WHERE id = ?", [userId]);
    await tx.emitRow('user', userId);
  }
}

/**
 * A session unused for this long ends: its token is refused (and the session removed, as a sign-out
 * would), so a token that leaked from a machine nobody uses any more stops working on its own. An
 * app in daily use never meets it.
 */
export const SESSION_IDLE_MS = 30 * 24 * 3600_000;
/** However much it is used, a session ends this long after its sign-in (a stolen token does not live forever). */
export const SESSION_MAX_MS = 90 * 24 * 3600_000;
/** Sessions one user may hold at once (devices, browsers); a sign-in beyond it ends the oldest. */
export const MAX_SESSIONS_PER_USER = 20;
/** A session's last use is written down at most this often (not on every request). */
export const SESSION_SEEN_EVERY_MS = 3600_000;

/** The user behind a session token, or 401. */
export async function authenticate(store: Store, token: string): Promise<{ user: UserRow; tokenHash: string }> {
  const tokenHash = hashToken(token);
  const row = await store.db.get<UserRow & { session_seen_at: number; session_created_at: number }>(
    'SELECT u.*, s.last_seen_at AS session_seen_at, s.created_at AS session_created_at FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.token_hash = ?',
    [tokenHash],
  );
  if (!row) throw new ApiError('unauthorized', 'sign in first: the session is missing, expired or ended');
  const { session_seen_at: seenAt, session_created_at: createdAt, ...user } = row;
  const idle = store.clock() - Number(seenAt);
  if (idle > SESSION_IDLE_MS) {
    await signOut(store, user.id, tokenHash);
    throw new ApiError('unauthorized', 'the session expired after 30 days unused: sign in again');
  }
  if (store.clock() - Number(createdAt) > SESSION_MAX_MS) {
    await signOut(store, user.id, tokenHash);
    throw new ApiError('unauthorized', 'the session expired 90 days after signing in: sign in again');
  }
  if (Number(user.deactivated)) throw new ApiError('unauthorized', 'this user is deactivated');
  if (idle > SESSION_SEEN_EVERY_MS) {
    await store.write((tx) => tx.run('UPDATE sessions SET last_seen_at = ? WHERE token_hash = ? AND last_seen_at < ?', [tx.now, tokenHash, tx.now]));
  }
  return { user: user as UserRow, tokenHash };
}

export async function me(sql: SqlRunner, user: UserRow) {
  const teams = await sql.all<{ id: string }>('SELECT id FROM teams ORDER BY name');
  const settings = await getSettings(sql);
  return {
    user: toUser(user),
    settings,
    preferences: { notifications: prefsOf(user) },
    inboxes: inboxesFor(
      { id: user.id, role: user.role, team_id: user.team_id, restrictions: { contact_visibility: user.contact_visibility } },
      teams.map((t) => t.id),
    ),
  };
}

export async function setChosenStatus(tx: Tx, userId: string, status: ChosenStatus): Promise<User> {
  await tx.run('UPDATE users SET chosen_status = ?, status = ?, last_active_at = ? WHERE id = ?', [status, status, tx.now, userId]);
  return (await tx.emitRow('user', userId)) as User;
}

/** Last-active changes are published at most this often when the status itself does not change. */
const LAST_ACTIVE_GRANULARITY_MS = 60_000;

const presenceGates = new WeakMap<Store, PresenceGate>();

/** This store's presence reports coalesce with this gap (default PRESENCE_STATUS_GAP_MS). */
export function setPresenceGap(store: Store, gapMs: number): void {
  presenceGates.set(store, new PresenceGate(gapMs));
}

/** A presence report (OS idle time): sets the status offline past the inactivity timeout, back on return, coalesced (presence.ts). */
export async function reportPresence(store: Store, userId: string, idleSeconds: number): Promise<User> {
  let gate = presenceGates.get(store);
  if (!gate) presenceGates.set(store, (gate = new PresenceGate()));
  return gate.serial(userId, () => writePresence(store, gate, userId, idleSeconds));
}

async function writePresence(store: Store, gate: PresenceGate, userId: string, idleSeconds: number): Promise<User> {
  const now = store.clock();
  const mayChange = gate.mayChange(userId, now);
  const { user, wanted, changed } = await store.write(async (tx) => {
    const row = (await loadUserRow(tx.sql, userId))!;
    const settings = await getSettings(tx.sql);
    const idle = idleSeconds >= settings.inactivity_timeout_minutes * 60;
    const wanted = idle ? 'offline' : row.chosen_status;
    // Coming back is shown at once; going offline waits out the gap (presence.ts).
    const status = mayChange || wanted !== 'offline' ? wanted : row.status;
    const lastActive = Math.max(Number(row.last_active_at ?? 0), tx.now - Math.round(idleSeconds * 1000));
    const publish = status !== row.status || lastActive - Number(row.last_active_at ?? 0) >= LAST_ACTIVE_GRANULARITY_MS;
    await tx.run('UPDATE users SET status = ?, last_active_at = ? WHERE id = ?', [status, lastActive, userId]);
    const user = publish ? ((await tx.emitRow('user', userId)) as User) : toUser({ ...row, status, last_active_at: lastActive });
    return { user, wanted, changed: status !== row.status };
  });
  if (changed) gate.changed(userId, now);
  if (wanted !== user.status) {
    gate.hold(userId, now, idleSeconds, (idle) => void reportPresence(store, userId, idle).catch(() => {}));
  } else gate.settled(userId);
  return user;
}

/** Users active but silent past the workspace's inactivity timeout go offline (their app stopped reporting). */
export async function sweepInactive(store: Store): Promise<number> {
  return store.write(async (tx) => {
    const settings = await getSettings(tx.sql);
    const cutoff = tx.now - settings.inactivity_timeout_minutes * 60_000;
    const rows = await tx.sql.all<{ id: string }>("SELECT id FROM users WHERE status <> 'offline' AND (last_active_at IS NULL OR last_active_at < ?)", [
      cutoff,
    ]);
    for (const r of rows) {
      await tx.run("UPDATE users SET status = 'offline' WHERE id = ?", [r.id]);
      await tx.emitRow('user', r.id);
    }
    return rows.length;
  });
}

export async function setPreferences(tx: Tx, userId: string, patch: Partial<NotificationPrefs>) {
  const row = (await loadUserRow(tx.sql, userId))!;
  const prefs = { ...prefsOf(row), ...patch };
  await tx.run('UPDATE users SET notify_prefs = ? WHERE id = ?', [JSON.stringify(prefs), userId]);
  return { notifications: prefs };
}

/** A user as this viewer is shown them (the feed does the same: `redactsUser`). */
function userAsSeenBy(viewer: Pick<UserRow, 'id' | 'role'>, row: UserRow): User {
  const user = toUser(row);
  return showsRestrictions(viewer, row.id) ? user : { ...user, restrictions: null, access_change: null };
}

export async function listUsers(sql: SqlRunner, viewer: UserRow, q: QueryOf<'listUsers'>): Promise<User[]> {
  const where: string[] = ['api_token_id IS NULL'];
  const params: string[] = [];
  if (q.status) (where.push('status = ?'), params.push(q.status));
  if (q.team_id) (where.push('team_id = ?'), params.push(q.team_id));
  const rows = await sql.all<UserRow>(`SELECT * FROM users ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY name, id`, params);
  return rows.map((r) => userAsSeenBy(viewer, r));
}

export async function getUser(sql: SqlRunner, viewer: UserRow, id: string): Promise<User> {
  const row = await loadUserRow(sql, id);
  if (!row) throw new ApiError('not_found', 'user not found');
  return userAsSeenBy(viewer, row);
}

/** 400 unless the team exists (null: no team). */
export async function requireTeam(tx: Tx, teamId: string | null): Promise<void> {
  if (teamId === null) return;
  const t = await tx.sql.get('SELECT id FROM teams WHERE id = ?', [teamId]);
  if (!t) throw new ApiError('invalid_request', `team_id: no team ${teamId}`);
}

export async function updateUser(tx: Tx, actor: UserRow, targetId: string, body: BodyOf<'updateUser'>): Promise<User> {
  const target = await loadUserRow(tx.sql, targetId);
  if (!target || target.api_token_id) throw new ApiError('not_found', 'user not found');
  if (actor.id === target.id) throw new ApiError('forbidden', 'nobody edits their own access level, team or restrictions');
  if (!canManageUser(actor, target, body.role)) {
    throw new ApiError('forbidden', actor.role === 'manager' ? 'Managers manage Agents only' : 'not allowed');
  }
  if (body.team_id !== undefined) await requireTeam(tx, body.team_id);
  const stopsBeingOwner = (body.role !== undefined && body.role !== 'owner') || body.deactivated === true;
  if (target.role === 'owner' && !Number(target.deactivated) && stopsBeingOwner) await assertAnotherOwnerRemains(tx, target);
  const newTeam = body.team_id === undefined ? target.team_id : body.team_id;
  const changed = await accessChanges(tx.sql, target, body);
  const affected = [target.id, ...(await teamWatchers(tx, target.team_id)), ...(await teamWatchers(tx, newTeam))];
  await reconcileUsers(tx, affected, async () => {
    const r = body.restrictions ?? {};
    const sets: string[] = [];
    const params: (string | number | null)[] = [];
    const set = (col: string, v: string | number | null) => (sets.push(`${col} = ?`), params.push(v));
    if (body.name !== undefined) set('name', body.name);
    if (body.role !== undefined) set('role', body.role);
    if (body.team_id !== undefined) set('team_id', body.team_id);
    if (r.contact_visibility !== undefined) set('contact_visibility', r.contact_visibility);
    if (r.data_export !== undefined) set('restrict_export', r.data_export ? 1 : 0);
    if (r.contact_deletion !== undefined) set('restrict_deletion', r.contact_deletion ? 1 : 0);
    if (r.workspace_settings !== undefined) set('restrict_settings', r.workspace_settings ? 1 : 0);
    if (r.integrations !== undefined) set('restrict_integrations', r.integrations ? 1 : 0);
    if (body.deactivated !== undefined) {
      set('deactivated', body.deactivated ? 1 : 0);
      if (body.deactivated) set('status', 'offline');
    }
    if (changed.length) set('access_change', JSON.stringify({ by: actor.id, at: tx.now, what: changed }));
    if (sets.length) await tx.run(`UPDATE users SET ${sets.join(', ')} WHERE id = ?`, [...params, target.id]);
  });
  if (body.deactivated) await tx.run('DELETE FROM sessions WHERE user_id = ?', [target.id]);
  // Becoming an Agent or no longer one changes what the user is shown of everyone else: their
  // records again, for this user only (served with or without restrictions as the feed now decides).
  if (body.role !== undefined && (body.role === 'agent') !== (target.role === 'agent')) {
    for (const u of await tx.sql.all<{ id: string }>('SELECT id FROM users WHERE id <> ? ORDER BY id', [target.id])) await tx.emitRow('user', u.id, target.id);
  }
  // While deactivated, nobody worked out what the user lost (contacts reassigned away): a restricted
  // user coming back re-syncs from scratch instead of keeping what their cache still holds.
  if (body.deactivated === false && Number(target.deactivated)) {
    const now = await loadUserRow(tx.sql, target.id);
    if (now && (await scopeOf(tx.sql, now)).kind !== 'all') await resetFeed(tx, target.id);
  }
  return (await tx.emitRow('user', target.id)) as User;
}

export async function updateSettings(tx: Tx, patch: Partial<WorkspaceSettings>): Promise<WorkspaceSettings> {
  const settings = { ...(await getSettings(tx.sql)), ...patch };
  await tx.run("INSERT INTO meta (key, value) VALUES ('settings', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value", [JSON.stringify(settings)]);
  tx.emit('settings', 'upsert', 'workspace', null, settings);
  return settings;
}

export async function listClosingCategories(sql: SqlRunner) {
  return (await sql.all('SELECT * FROM closing_categories ORDER BY position, id')).map(toClosingCategory);
}

/**
 * Two categories on offer may not share a name (in any letter case); an archived one's name is free.
 * (The unique index closing_categories_on_offer, migration 3, holds it also for two Owners at once:
 * the second's insert then fails, is run again, and lands here.)
 */
async function assertCategoryNameFree(tx: Tx, name: string, except: string | null): Promise<void> {
  const taken = await tx.sql.get<{ id: string }>('SELECT id FROM closing_categories WHERE lower(name) = lower(?) AND archived = 0 AND id <> ?', [
    name,
    except ?? '',
  ]);
  if (taken) throw new ApiError('conflict', `a closing category is already called ${JSON.stringify(name)}`);
}

export async function createClosingCategory(tx: Tx, name: string) {
  await assertCategoryNameFree(tx, name, null);
  const last = await tx.sql.get<{ position: number | null }>('SELECT MAX(position) AS position FROM closing_categories');
  const id = newId('cc');
  await tx.run('INSERT INTO closing_categories (id, name, position, archived) VALUES (?, ?, ?, 0)', [id, name, Number(last?.position ?? -1) + 1]);
  return toClosingCategory((await tx.emitRow('closing_category', id)) as never);
}

/** Renames, moves (`position`: its place in the list, the others renumbered) or archives/restores a category. */
export async function updateClosingCategory(tx: Tx, id: string, patch: { name?: string; position?: number; archived?: boolean }) {
  const current = await tx.sql.get<{ name: string; archived: number }>('SELECT name, archived FROM closing_categories WHERE id = ?', [id]);
  if (!current) throw new ApiError('not_found', `no closing category ${id}`);
  const archived = patch.archived ?? !!Number(current.archived);
  // On offer, its name must be free: when renamed, and when brought back from the archive.
  if (!archived && (patch.name !== undefined || patch.archived === false)) await assertCategoryNameFree(tx, patch.name ?? current.name, id);
  if (patch.name !== undefined) await tx.run('UPDATE closing_categories SET name = ? WHERE id = ?', [patch.name, id]);
  if (patch.archived !== undefined) await tx.run('UPDATE closing_categories SET archived = ? WHERE id = ?', [patch.archived ? 1 : 0, id]);
  const moved = new Set<string>();
  if (patch.position !== undefined) {
    const order = (await tx.sql.all<{ id: string; position: number }>('SELECT id, position FROM closing_categories ORDER BY position, id')).filter(
      (r) => r.id !== id,
    );
    order.splice(Math.min(patch.position, order.length), 0, { id, position: -1 });
    for (const [i, r] of order.entries()) {
      if (Number(r.position) === i) continue;
      await tx.run('UPDATE closing_categories SET position = ? WHERE id = ?', [i, r.id]);
      if (r.id !== id) moved.add(r.id);
    }
  }
  for (const other of moved) await tx.emitRow('closing_category', other);
  return toClosingCategory((await tx.emitRow('closing_category', id)) as never);
}

export async function listChannels(sql: SqlRunner) {
  return (await sql.all('SELECT id, name FROM channels ORDER BY name, id')).map(toChannel);
}
