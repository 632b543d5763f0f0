// A workspace always keeps an active Owner (F17): the last one cannot be demoted or deactivated.
import { ApiError } from '../../src-shared/api/errors';
import type { UserRow } from './rows';
import type { Tx } from './tx';

/**
 * Before `target` stops being an active Owner (demoted or deactivated): another active Owner must
 * remain. On PostgreSQL the active Owners' rows are locked first, so two Owners demoting each other
 * from two instances at once cannot both succeed.
 */
export async function assertAnotherOwnerRemains(tx: Tx, target: UserRow): Promise<void> {
  const owners = await tx.sql.all<{ id: string }>(
    `SELECT id FROM users WHERE role = 'owner' AND deactivated = 0 ORDER BY id${tx.dialect === 'postgres' ? ' FOR UPDATE' : ''}`,
  );
  if (!owners.some((o) => o.id !== target.id)) {
    throw new ApiError('conflict', `${target.name} is the last active Owner: make another user Owner first.`);
  }
}
