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

/** The row's value last validated, and what it gave: the row is read every time (another instance may change it), the parse is not. */
let lastParsed: { value: string; settings: WorkspaceSettings } | null = null;

/** The settings a `meta` row's value holds (undefined: no row yet). */
export function settingsFrom(value: string | null | undefined): WorkspaceSettings {
  if (value === null || value === undefined) return { ...DEFAULT_SETTINGS };
  if (lastParsed?.value !== value) lastParsed = { value, settings: WorkspaceSettings.parse({ ...DEFAULT_SETTINGS, ...JSON.parse(value) }) };
  return { ...lastParsed.settings };
}

/** The statement that reads the settings row's value, for a query that reads it beside others. */
export const SETTINGS_VALUE_SQL = "SELECT value FROM meta WHERE key = 'settings'";

export async function getSettings(sql: SqlRunner): Promise<WorkspaceSettings> {
  return settingsFrom((await sql.get<{ value: string }>(SETTINGS_VALUE_SQL))?.value);
}
