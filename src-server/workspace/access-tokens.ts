// Developer API access tokens (F15): a workspace holds at most 10; only their hashes are kept. A
// token acts through a user row of its own (its actor: "API · <name>", deactivated, no password,
// api_token_id set), so its writes are attributed like anyone's in threads, notifications and reports.
import { ApiError } from '../../src-shared/api/errors';
import type { AccessToken } from '../../src-shared/api/routes';
import { API_ACTOR_EMAIL_DOMAIN } from '../../src-shared/model';
import type { SqlRunner } from '../db/engine';
import { hashToken } from './passwords';
import type { UserRow } from './rows';
import { loadViewer, type ViewerCtx } from './viewer';
import { newId } from './ids';
import type { Store } from './store';
import type { Tx } from './tx';
import { avatarColorFor } from './users';

export const MAX_ACCESS_TOKENS = 10;
/** A token's last use is written down at most this often. */
const LAST_USED_EVERY_MS = 60_000;

/** The name a token's writes carry. */
export const actorName = (tokenName: string) => `API · ${tokenName}`;

/** Owners and Managers manage tokens, unless restricted from integrations. */
export function assertMayManageTokens(user: UserRow): void {
  if (Number(user.restrict_integrations)) throw new ApiError('forbidden', 'Your access to integrations is restricted.');
}

interface TokenRow {
  id: string;
  name: string;
  created_by: string;
  creator_name: string;
  created_at: number;
  last_used_at: number | null;
}

const toAccessToken = (r: TokenRow): AccessToken => ({
  id: r.id,
  name: r.name,
  created_by: { id: r.created_by, name: r.creator_name },
  created_at: Number(r.created_at),
  last_used_at: r.last_used_at === null ? null : Number(r.last_used_at),
});

const TOKEN_COLUMNS = 't.id, t.name, t.created_by, u.name AS creator_name, t.created_at, t.last_used_at';

export async function listAccessTokens(sql: SqlRunner): Promise<AccessToken[]> {
  const rows = await sql.all<TokenRow>(
    `SELECT ${TOKEN_COLUMNS} FROM access_tokens t JOIN users u ON u.id = t.created_by WHERE t.revoked_at IS NULL ORDER BY t.created_at, t.id`,
  );
  return rows.map(toAccessToken);
}

/** Adds a token whose secret hashes to secretHash, with its actor; 409 past the tenth. */
export async function createAccessToken(tx: Tx, creator: UserRow, name: string, secretHash: string): Promise<AccessToken> {
  const live = await tx.sql.get<{ n: number }>('SELECT COUNT(*) AS n FROM access_tokens WHERE revoked_at IS NULL');
  if (Number(live?.n) >= MAX_ACCESS_TOKENS) throw new ApiError('limit_reached', `A workspace holds at most ${MAX_ACCESS_TOKENS} tokens: revoke one first.`);
  const id = newId('tk');
  const actorId = newId('u');
  await tx.run(
    `INSERT INTO users (id, email, name, password_hash, role, team_id, status, chosen_status, deactivated, avatar_color, notify_prefs, api_token_id, created_at)
     VALUES (?, ?, ?, '!', 'manager', NULL, 'offline', 'online', 1, ?, '{}', ?, ?)`,
    [actorId, `${id.toLowerCase()}@${API_ACTOR_EMAIL_DOMAIN}`, actorName(name), avatarColorFor(id), id, tx.now],
  );
  await tx.emitRow('user', actorId);
  await tx.run('INSERT INTO access_tokens (id, name, token_hash, actor_id, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?)', [
    id,
    name,
    secretHash,
    actorId,
    creator.id,
    tx.now,
  ]);
  return toAccessToken({ id, name, created_by: creator.id, creator_name: creator.name, created_at: tx.now, last_used_at: null });
}

export async function revokeAccessToken(tx: Tx, id: string): Promise<void> {
  const n = await tx.run('UPDATE access_tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL', [tx.now, id]);
  if (n === 0) throw new ApiError('not_found', 'no such token (it may have been revoked already)');
}

/**
 * The viewer a token acts as, looked up on every request (no cache: a revoked token is refused by
 * every instance from its next request), or 401.
 */
export async function tokenViewer(store: Store, secret: string): Promise<{ viewer: ViewerCtx; tokenId: string; lastUsedAt: number | null }> {
  const row = await store.db.get<{ id: string; actor_id: string; last_used_at: number | null }>(
    'SELECT id, actor_id, last_used_at FROM access_tokens WHERE token_hash = ? AND revoked_at IS NULL',
    [hashToken(secret)],
  );
  const viewer = row ? await loadViewer(store.db, row.actor_id) : undefined;
  if (!row || !viewer) throw new ApiError('unauthorized', 'the access token is not valid: it may have been revoked');
  return { viewer, tokenId: row.id, lastUsedAt: row.last_used_at === null ? null : Number(row.last_used_at) };
}

/** Writes the token's last use down (at most once a minute), in the caller's transaction. */
export async function noteTokenUse(tx: Tx, tokenId: string, lastUsedAt: number | null): Promise<void> {
  if (lastUsedAt !== null && tx.now - lastUsedAt < LAST_USED_EVERY_MS) return;
  await tx.run('UPDATE access_tokens SET last_used_at = ? WHERE id = ?', [tx.now, tokenId]);
}
