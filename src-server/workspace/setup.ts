// A workspace of one's own (F17): an empty database becomes an empty workspace waiting for its first
// Owner, who proves they run the server with a setup code the server printed at its start.
import { ApiError } from '../../src-shared/api/errors';
import type { BodyOf } from '../../src-shared/api/routes';
import { DEFAULT_NOTIFICATION_PREFS } from '../../src-shared/model';
import type { SqlRunner } from '../db/engine';
import { readableCode } from './one-time-codes';
import { hashToken } from './passwords';
import { DEFAULT_SETTINGS, getSettings } from './settings';
import { newId } from './ids';
import type { Store } from './store';
import type { Tx } from './tx';
import { avatarColorFor } from './users';

/** The closing categories a new workspace starts with (the Owner edits them in Settings). */
export const DEFAULT_CLOSING_CATEGORIES = ['Resolved', 'Sale closed', 'Not interested', 'Spam', 'Follow-up later'];

/** How long a setup code works after the start that printed it. */
export const SETUP_CODE_TTL_MS = 24 * 3600_000;

/** Nothing in it yet: no users and no settings (a database the server has only migrated). */
export async function databaseEmpty(sql: SqlRunner): Promise<boolean> {
  const user = await sql.get('SELECT id FROM users LIMIT 1');
  const settings = await sql.get("SELECT key FROM meta WHERE key = 'settings'");
  return !user && !settings;
}

/** A workspace waits for setup while it has nobody in it. */
export async function setupNeeded(sql: SqlRunner): Promise<boolean> {
  return !(await sql.get('SELECT id FROM users LIMIT 1'));
}

/** An empty workspace: its settings and the default closing categories; no users, no contacts. */
export async function createEmptyWorkspace(store: Store): Promise<void> {
  await store.write(async (tx) => {
    await tx.run("INSERT INTO meta (key, value) VALUES ('settings', ?)", [JSON.stringify(DEFAULT_SETTINGS)]);
    tx.emit('settings', 'upsert', 'workspace', null, DEFAULT_SETTINGS);
    for (const [position, name] of DEFAULT_CLOSING_CATEGORIES.entries()) {
      const id = newId('cc');
      await tx.run('INSERT INTO closing_categories (id, name, position, archived) VALUES (?, ?, ?, 0)', [id, name, position]);
      await tx.emitRow('closing_category', id);
    }
  });
}

/** Typed by hand: letter case, spaces and dashes do not matter. */
const codeHash = (code: string) => hashToken(`setup:${code.toLowerCase().replace(/[^a-z0-9]/g, '')}`);

/** A fresh setup code for this start (only its hash is stored); the caller prints it. */
export async function issueSetupCode(store: Store): Promise<string> {
  const code = readableCode(4);
  await store.write((tx) =>
    tx.run('INSERT INTO setup_codes (code_hash, created_at, expires_at) VALUES (?, ?, ?)', [codeHash(code), tx.now, tx.now + SETUP_CODE_TTL_MS]),
  );
  return code;
}

/**
 * Creates the first Owner with a valid, unused setup code, names the workspace, and uses the code up.
 * passwordHash is computed before the transaction (hashing is slow on purpose).
 */
export async function setUpWorkspace(tx: Tx, body: BodyOf<'setup'>, passwordHash: string): Promise<void> {
  // Two setups at once (two instances, two codes): the settings row serialises them, so the second
  // finds the Owner the first created. (SQLite has one writer.)
  if (tx.dialect === 'postgres') await tx.sql.get("SELECT key FROM meta WHERE key = 'settings' FOR UPDATE");
  const code = await tx.sql.get<{ expires_at: number; used_at: number | null }>('SELECT expires_at, used_at FROM setup_codes WHERE code_hash = ?', [
    codeHash(body.code),
  ]);
  if (!code || Number(code.expires_at) <= tx.now) {
    throw new ApiError('forbidden', 'This setup code is wrong or has expired. Use the code the server printed at its latest start (restart it for a new one).');
  }
  if (code.used_at !== null) throw new ApiError('forbidden', 'This setup code has already been used.');
  if (!(await setupNeeded(tx.sql))) throw new ApiError('conflict', 'This workspace is already set up: sign in instead.');
  const id = newId('u');
  await tx.run(
    `INSERT INTO users (id, email, name, password_hash, role, team_id, avatar_color, notify_prefs, created_at)
     VALUES (?, ?, ?, ?, 'owner', NULL, ?, ?, ?)`,
    [id, body.email, body.name, passwordHash, avatarColorFor(body.email), JSON.stringify(DEFAULT_NOTIFICATION_PREFS), tx.now],
  );
  await tx.emitRow('user', id);
  const settings = { ...(await getSettings(tx.sql)), name: body.workspace_name };
  await tx.run("UPDATE meta SET value = ? WHERE key = 'settings'", [JSON.stringify(settings)]);
  tx.emit('settings', 'upsert', 'workspace', null, settings);
  await tx.run('UPDATE setup_codes SET used_at = ? WHERE code_hash = ?', [tx.now, codeHash(body.code)]);
}
