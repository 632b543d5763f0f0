// The workspace's settings: one JSON row in `meta`, defaults filled in for keys added later.
import { WorkspaceSettings } from '../../src-shared/model';
import { NO_ALERT_RULES } from '../../src-shared/alerts';
import type { SqlRunner } from '../db/engine';

export const DEFAULT_SETTINGS: WorkspaceSettings = {
  name: 'IS-Messenger workspace',
  inactivity_timeout_minutes: 15,
  closing_note_required: false,
  open_too_long_hours: 2,
  alert_rules: NO_ALERT_RULES,
};

export async function getSettings(sql: SqlRunner): Promise<WorkspaceSettings> {
  const r = await sql.get<{ value: string }>("SELECT value FROM meta WHERE key = 'settings'");
  if (!r) return { ...DEFAULT_SETTINGS };
  return WorkspaceSettings.parse({ ...DEFAULT_SETTINGS, ...JSON.parse(r.value) });
}
