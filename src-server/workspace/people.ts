// People in a workspace (F17): adding users with their restrictions from the first moment, one-time
// passwords, resets and changing one's own password.
import { ApiError } from '../../src-shared/api/errors';
import { canManageUser } from '../../src-shared/access/visibility';
import type { BodyOf } from '../../src-shared/api/routes';
import { DEFAULT_NOTIFICATION_PREFS, NO_RESTRICTIONS, type User } from '../../src-shared/model';
import type { UserRow } from './rows';
import { loadUserRow } from './viewer';
import { newId } from './ids';
import type { Tx } from './tx';
import { avatarColorFor, endSessions, requireTeam } from './users';
import { teamWatchers, reconcileUsers } from './visibility-changes';

/**
 * Adds a user with their access level, team and Advanced Restrictions in one write, so an agent is
 * never unrestricted for a moment. The password (hashed before the transaction) is a one-time one:
 * the user chooses their own at first sign-in.
 */
export async function createUser(tx: Tx, actor: UserRow, body: BodyOf<'createUser'>, passwordHash: string): Promise<User> {
  if (actor.role === 'manager' && body.role !== 'agent') throw new ApiError('forbidden', 'Managers may add Agents only.');
  await requireTeam(tx, body.team_id);
  const exists = await tx.sql.get('SELECT id FROM users WHERE email = ?', [body.email]);
  if (exists) throw new ApiError('conflict', 'A user with this email exists.');
  const r = { ...NO_RESTRICTIONS, ...body.restrictions };
  const id = newId('u');
  // Team-restricted agents of the new user's team see the new user's contacts (none yet) from now on.
  await reconcileUsers(tx, await teamWatchers(tx, body.team_id), async () => {
    await tx.run(
      `INSERT INTO users (id, email, name, password_hash, role, team_id, contact_visibility, restrict_export, restrict_deletion,
         restrict_settings, restrict_integrations, avatar_color, notify_prefs, must_change_password, created_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?)`,
      [
        id,
        body.email,
        body.name,
        passwordHash,
        body.role,
        body.team_id,
        r.contact_visibility,
        r.data_export ? 1 : 0,
        r.contact_deletion ? 1 : 0,
        r.workspace_settings ? 1 : 0,
        r.integrations ? 1 : 0,
        avatarColorFor(body.email),
        JSON.stringify(DEFAULT_NOTIFICATION_PREFS),
        tx.now,
      ],
    );
  });
  return (await tx.emitRow('user', id)) as User;
}

/** A supervisor gives a user a new one-time password: the user's sessions end, and they choose their own at next sign-in. */
export async function resetPassword(tx: Tx, actor: UserRow, targetId: string, passwordHash: string): Promise<User> {
  const target = await loadUserRow(tx.sql, targetId);
  if (!target || target.api_token_id) throw new ApiError('not_found', 'user not found');
  if (actor.id === target.id) throw new ApiError('forbidden', 'Change your own password in Profile.');
  if (!canManageUser(actor, target)) throw new ApiError('forbidden', actor.role === 'manager' ? "Managers reset Agents' passwords only." : 'not allowed');
  await tx.run("UPDATE users SET password_hash = ?, must_change_password = 1, status = 'offline' WHERE id = ?", [passwordHash, target.id]);
  await endSessions(tx, target.id);
  return (await tx.emitRow('user', target.id)) as User;
}

/**
 * The user's own new password (checked against the rule and the current password before): their
 * other sessions end, this one stays.
 */
export async function changeOwnPassword(tx: Tx, userId: string, keepTokenHash: string, passwordHash: string): Promise<void> {
  await tx.run('UPDATE users SET password_hash = ?, must_change_password = 0 WHERE id = ?', [passwordHash, userId]);
  await endSessions(tx, userId, { keep: keepTokenHash });
}
