// Supervisor alerts (F16): the server watches the workspace's rules all the time. A clock runs per
// open conversation and rule while the rule's condition holds (alert_clocks); when it is due, the
// breach is raised once (alert_breaches) as a Needs attention item for the Owners and Managers (and
// the assignee, for a first response overdue); when the condition ends, the breach and its items say so.
//
// A sweep reads only what changed since the last one (the change feed, from its own cursor) and the
// clocks now due (an index on due_at): its cost follows the workspace's activity, not its size.
import { dueAt, ruleWords, RULE_MINUTES, type AlertEnd, type AlertRule, type AlertRules } from '../../src-shared/alerts';
import { scopeAllows } from '../../src-shared/access/visibility';
import { inList, type Param, type SqlRunner } from '../db/engine';
import { newId } from './ids';
import { prefsOf, type UserRow } from './rows';
import { getSettings, SETTINGS_VALUE_SQL, settingsFrom } from './settings';
import type { Store } from './store';
import type { Tx } from './tx';
import { scopeOf } from './viewer';

/** Contacts recomputed per statement, and changes and due clocks taken per sweep (the next sweep takes the rest). */
const CONTACTS_PER_READ = 256;
const CHANGES_PER_SWEEP = 20_000;
const RECOMPUTED_PER_SWEEP = 512;
const DUE_PER_SWEEP = 500;
/** One evaluator at a time across PostgreSQL instances: a transaction-scoped advisory lock. */
const EVALUATOR_LOCK = 7_361_010;
const STATE_KEY = 'alerts_state';

interface State {
  /** The feed's seq up to which changes have been looked at. */
  cursor: number;
  /** The rules (and minute length) the clocks were computed with: another set recomputes them all. */
  rules: string;
  /** While they are recomputed, a few thousand contacts per sweep: the last contact id done ('' at first); null when done. */
  recompute: string | null;
}

interface ContactState {
  contact_id: string;
  assignee_id: string | null;
  conversation_id: string | null;
  conv_status: string | null;
  opened_at: number | null;
  first_response_at: number | null;
  unassigned_at: number | null;
}

interface ClockRow {
  conversation_id: string;
  rule: AlertRule;
  contact_id: string;
  started_at: number;
  due_at: number;
  breach_id: string | null;
}

export interface AlertWatchOptions {
  /** How long a rule's "minute" is: 60,000 ms, or less in tests (1,000 makes thresholds seconds). */
  minuteMs: number;
  /** How often the clocks are checked. */
  sweepMs: number;
  log: (msg: string, err?: unknown) => void;
}

const watching = (rules: AlertRules) => Object.values(RULE_MINUTES).some((key) => rules[key] !== null);

/** The clocks that should run for one contact now: a start per rule whose condition holds. */
function wantedClocks(s: ContactState, rules: AlertRules): Map<AlertRule, number> {
  const out = new Map<AlertRule, number>();
  if (!s.conversation_id || s.conv_status !== 'open' || s.opened_at === null) return out;
  const opened = Number(s.opened_at);
  if (rules.open_too_long_minutes !== null) out.set('open_too_long', opened);
  if (rules.first_response_minutes !== null && s.first_response_at === null) out.set('first_response_overdue', opened);
  if (rules.unassigned_minutes !== null && s.assignee_id === null) out.set('unassigned_too_long', Math.max(opened, Number(s.unassigned_at ?? 0)));
  return out;
}

/** Why a clock that stopped running stopped. */
function endOf(clock: ClockRow, s: ContactState | undefined): AlertEnd {
  if (!s || s.conversation_id !== clock.conversation_id || s.conv_status !== 'open') return 'closed';
  if (clock.rule === 'first_response_overdue' && s.first_response_at !== null) return 'replied';
  if (clock.rule === 'unassigned_too_long' && s.assignee_id !== null) return 'assigned';
  return 'rule_changed';
}

async function contactStates(sql: SqlRunner, contactIds: readonly string[]): Promise<Map<string, ContactState>> {
  const list = inList(contactIds);
  const rows = await sql.all<ContactState>(
    `SELECT c.id AS contact_id, c.assignee_id, v.id AS conversation_id, v.status AS conv_status, v.opened_at, v.first_response_at,
       (SELECT MAX(e.created_at) FROM events e WHERE e.contact_id = c.id AND e.kind = 'unassigned') AS unassigned_at
     FROM contacts c LEFT JOIN conversations v ON v.id = c.conversation_id WHERE c.id IN ${list.sql}`,
    list.params,
  );
  return new Map(rows.map((r) => [r.contact_id, r]));
}

export class AlertWatch {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private again = false;
  private stopped = false;

  constructor(
    private readonly store: Store,
    private readonly opts: AlertWatchOptions,
  ) {}

  start(): void {
    this.timer = setInterval(() => this.nudge(), this.opts.sweepMs);
    this.timer.unref();
    this.nudge();
  }

  /** A write committed (here or on another instance): a condition may have started or ended. */
  nudge(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.check()
      .then((more) => {
        if (more) this.again = true;
      })
      .catch((err) => this.opts.log('alert sweep failed', err))
      .finally(() => {
        this.running = null;
        if (this.again) {
          this.again = false;
          this.nudge();
        }
      });
  }

  /** Waits for the sweep under way (tests and close). */
  async settled(): Promise<void> {
    while (this.running) await this.running;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    await this.settled();
  }

  /** Whether a sweep has anything to do, read without a write transaction (every commit asks). */
  private async hasWork(): Promise<boolean> {
    const r = await this.store.db.get<{ head: number | null; state: string | null; due: number | null; settings: string | null }>(
      `SELECT (SELECT MAX(seq) FROM changes) AS head, (SELECT value FROM meta WHERE key = ?) AS state,
         (SELECT MIN(due_at) FROM alert_clocks WHERE breach_id IS NULL) AS due, (${SETTINGS_VALUE_SQL}) AS settings`,
      [STATE_KEY],
    );
    if (!r?.state) return true;
    const state = JSON.parse(r.state) as State;
    const rules = settingsFrom(r.settings).alert_rules;
    if (state.rules !== this.rulesKey(rules) || state.recompute !== null) return true;
    if (r.due !== null && Number(r.due) <= this.store.clock()) return true;
    return watching(rules) && Number(r.head ?? 0) > state.cursor;
  }

  private rulesKey(rules: AlertRules): string {
    return JSON.stringify([rules, this.opts.minuteMs]);
  }

  /** One sweep: clocks brought up to date with what changed, then the due ones raised. Answers whether work was left for the next. */
  async check(): Promise<boolean> {
    if (!(await this.hasWork())) return false;
    return this.store.write(async (tx) => {
      if (tx.dialect === 'postgres') {
        const got = await tx.sql.get<{ locked: boolean }>(`SELECT pg_try_advisory_xact_lock(${EVALUATOR_LOCK}) AS locked`);
        if (!got?.locked) return false;
      }
      const settings = await getSettings(tx.sql);
      const rules = settings.alert_rules;
      const rulesKey = this.rulesKey(rules);
      const saved = await tx.sql.get<{ value: string }>('SELECT value FROM meta WHERE key = ?', [STATE_KEY]);
      const before: State | null = saved ? (JSON.parse(saved.value) as State) : null;
      // Everything committed up to the head is visible now (the feed commits in seq order).
      const head = Number((await tx.sql.get<{ seq: number | null }>('SELECT MAX(seq) AS seq FROM changes'))?.seq ?? 0);
      // New rules: every open conversation's clocks, and every running clock, computed again, in
      // slices; that covers every change up to now.
      const state: State = before && before.rules === rulesKey ? { ...before } : { cursor: head, rules: rulesKey, recompute: '' };
      const touched = new Set<string>();
      if (state.recompute !== null) {
        // The open contacts and the contacts with clocks, next in id order: two index scans, merged.
        const after = state.recompute;
        const lists = await Promise.all([
          tx.sql.all<{ id: string }>("SELECT id FROM contacts WHERE status = 'open' AND id > ? ORDER BY id LIMIT ?", [after, RECOMPUTED_PER_SWEEP]),
          tx.sql.all<{ id: string }>('SELECT DISTINCT contact_id AS id FROM alert_clocks WHERE contact_id > ? ORDER BY contact_id LIMIT ?', [
            after,
            RECOMPUTED_PER_SWEEP,
          ]),
        ]);
        // A full list may have more after its last id: this slice ends at the first such id.
        const ends = lists.filter((l) => l.length === RECOMPUTED_PER_SWEEP).map((l) => l[l.length - 1].id);
        const end = ends.length ? ends.reduce((a, b) => (a < b ? a : b)) : null;
        for (const l of lists) for (const r of l) if (end === null || r.id <= end) touched.add(r.id);
        state.recompute = end;
      }
      // With no rule watched there are no clocks to keep (the recompute for those rules stopped them).
      const changed = !watching(rules)
        ? []
        : await tx.sql.all<{ seq: number; contact_id: string }>(
            `SELECT seq, contact_id FROM changes WHERE seq > ? AND seq <= ? AND entity IN ('contact', 'conversation') AND contact_id IS NOT NULL
         ORDER BY seq LIMIT ?`,
            [state.cursor, head, CHANGES_PER_SWEEP],
          );
      for (const r of changed) touched.add(r.contact_id);
      state.cursor = changed.length === CHANGES_PER_SWEEP ? Number(changed[changed.length - 1].seq) : head;
      const ids = [...touched];
      for (let i = 0; i < ids.length; i += CONTACTS_PER_READ) await this.recompute(tx, ids.slice(i, i + CONTACTS_PER_READ), rules);
      // Clocks of the old rules not yet recomputed are not raised.
      const raised = state.recompute === null ? await this.raiseDue(tx, rules) : 0;
      if (JSON.stringify(state) !== saved?.value) {
        await tx.run('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value', [STATE_KEY, JSON.stringify(state)]);
      }
      return state.cursor < head || state.recompute !== null || raised === DUE_PER_SWEEP;
    });
  }

  /** Starts the clocks these contacts' conditions call for, and stops (ending their breaches) those they no longer do. */
  private async recompute(tx: Tx, contactIds: readonly string[], rules: AlertRules): Promise<void> {
    const states = await contactStates(tx.sql, contactIds);
    const list = inList(contactIds);
    const clocks = await tx.sql.all<ClockRow>(`SELECT * FROM alert_clocks WHERE contact_id IN ${list.sql}`, list.params);
    const running = new Map(clocks.map((c) => [`${c.conversation_id} ${c.rule}`, c]));
    for (const s of states.values()) {
      for (const [rule, started] of wantedClocks(s, rules)) {
        const key = `${s.conversation_id} ${rule}`;
        const clock = running.get(key);
        if (clock && Number(clock.started_at) === started) {
          running.delete(key);
          continue;
        }
        const due = dueAt(started, rules[RULE_MINUTES[rule]]! * this.opts.minuteMs, rules.business_hours);
        await tx.run(
          `INSERT INTO alert_clocks (conversation_id, rule, contact_id, started_at, due_at, breach_id) VALUES (?, ?, ?, ?, ?, NULL)
           ON CONFLICT (conversation_id, rule) DO UPDATE SET started_at = excluded.started_at, due_at = excluded.due_at, breach_id = NULL`,
          [s.conversation_id, rule, s.contact_id, started, due],
        );
        if (clock) {
          // The same rule's condition started again (unassigned once more): the earlier breach ended in between.
          running.delete(key);
          if (clock.breach_id) await this.endBreach(tx, clock.breach_id, rule === 'unassigned_too_long' ? 'assigned' : 'closed');
        }
      }
    }
    for (const clock of running.values()) {
      await tx.run('DELETE FROM alert_clocks WHERE conversation_id = ? AND rule = ?', [clock.conversation_id, clock.rule]);
      if (clock.breach_id) await this.endBreach(tx, clock.breach_id, endOf(clock, states.get(clock.contact_id)));
    }
  }

  /** The breach is over: recorded, and each of its Needs attention items says so. */
  private async endBreach(tx: Tx, breachId: string, ended: AlertEnd): Promise<void> {
    await tx.run('UPDATE alert_breaches SET ended_at = ?, ended = ? WHERE id = ? AND ended_at IS NULL', [tx.now, ended, breachId]);
    const items = await tx.sql.all<Record<string, unknown>>(
      'UPDATE notifications SET alert_ended_at = ?, alert_ended = ? WHERE alert_id = ? AND alert_ended_at IS NULL RETURNING *',
      [tx.now, ended, breachId],
    );
    for (const n of items) tx.upserted('notification', n);
  }

  /** Raises the clocks due now, once each: a breach record, and the items for those who are told. */
  private async raiseDue(tx: Tx, rules: AlertRules): Promise<number> {
    const due = await tx.sql.all<ClockRow>('SELECT * FROM alert_clocks WHERE breach_id IS NULL AND due_at <= ? ORDER BY due_at LIMIT ?', [
      tx.now,
      DUE_PER_SWEEP,
    ]);
    if (due.length === 0) return 0;
    const supervisors = await tx.sql.all<UserRow>("SELECT * FROM users WHERE deactivated = 0 AND role IN ('owner', 'manager')");
    let raised = 0;
    for (const clock of due) {
      const id = newId('al');
      const inserted = await tx.sql.get<{ id: string }>(
        `INSERT INTO alert_breaches (id, conversation_id, contact_id, rule, started_at, due_at, raised_at) VALUES (?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (conversation_id, rule, started_at) DO NOTHING RETURNING id`,
        [id, clock.conversation_id, clock.contact_id, clock.rule, clock.started_at, clock.due_at, tx.now],
      );
      const breachId = inserted?.id ?? (await this.existingBreach(tx.sql, clock));
      await tx.run('UPDATE alert_clocks SET breach_id = ? WHERE conversation_id = ? AND rule = ?', [breachId, clock.conversation_id, clock.rule]);
      if (!inserted) continue;
      raised++;
      await this.notify(tx, clock, breachId, rules, supervisors);
    }
    return raised;
  }

  private async existingBreach(sql: SqlRunner, clock: ClockRow): Promise<string> {
    const row = await sql.get<{ id: string }>('SELECT id FROM alert_breaches WHERE conversation_id = ? AND rule = ? AND started_at = ?', [
      clock.conversation_id,
      clock.rule,
      clock.started_at,
    ]);
    return row!.id;
  }

  /** The Owners and Managers who may see the contact and want these items, and for a first response the assignee. */
  private async notify(tx: Tx, clock: ClockRow, breachId: string, rules: AlertRules, supervisors: readonly UserRow[]): Promise<void> {
    const contact = await tx.sql.get<{ assignee_id: string | null }>('SELECT assignee_id FROM contacts WHERE id = ?', [clock.contact_id]);
    const assigneeId = contact?.assignee_id ?? null;
    const told = new Map(supervisors.map((u) => [u.id, u]));
    if (clock.rule === 'first_response_overdue' && assigneeId && !told.has(assigneeId)) {
      const assignee = await tx.sql.get<UserRow>('SELECT * FROM users WHERE id = ? AND deactivated = 0', [assigneeId]);
      if (assignee) told.set(assignee.id, assignee);
    }
    const excerpt = ruleWords(clock.rule, rules[RULE_MINUTES[clock.rule]] ?? 0);
    for (const user of told.values()) {
      if (!prefsOf(user).needs_attention) continue;
      if (!scopeAllows(await scopeOf(tx.sql, user), assigneeId)) continue;
      const params: Param[] = [newId('n'), user.id, clock.contact_id, clock.conversation_id, excerpt, tx.now, breachId, clock.rule, clock.due_at];
      await tx.writeRow(
        'notification',
        `INSERT INTO notifications (id, user_id, kind, contact_id, conversation_id, comment_id, message_id, actor_id, excerpt, count, created_at, alert_id, alert_rule, alert_due_at)
         VALUES (?, ?, 'needs_attention', ?, ?, NULL, NULL, NULL, ?, 1, ?, ?, ?, ?) RETURNING *`,
        params,
      );
    }
  }
}
