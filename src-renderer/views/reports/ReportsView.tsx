// F11 Reports (Owners and Managers): per-user figures for a date range, sortable by any column, and
// the top ten for one chosen figure. Reports are computed by the server over everyone's history, so
// they need a connection; offline, the view says so plainly.
import { useEffect, useId, useState, type ReactNode } from 'react';
import type { ReportMetric, ReportRow } from '../../../src-shared/api/routes';
import type { User } from '../../../src-shared/model';
import { useQuery } from '../../bridge';
import { Avatar, EmptyState, ErrorState, formatClock, formatCount, formatDuration, IconButton, LoadingState, Skeleton } from '../../ui';
import { useDirectory } from '../../workspace/directory-store';
import { ConnectionPill, FilterSelect, Panel, useServerOnline, ViewHeader } from '../dashboard/layout';
import { useSession } from '../session/session-store';
import { describeRange, PRESET_LABEL, rangeFor, toDateInput, type RangePreset } from './range';
import './reports.css';

interface Figure {
  key: ReportMetric;
  label: string;
  /** The column header (shorter). */
  short: string;
  kind: 'count' | 'duration';
}

const FIGURES: readonly Figure[] = [
  { key: 'conversations_assigned', label: 'Conversations assigned', short: 'Assigned', kind: 'count' },
  { key: 'conversations_closed', label: 'Conversations closed', short: 'Closed', kind: 'count' },
  { key: 'messages_sent', label: 'Messages sent', short: 'Messages', kind: 'count' },
  { key: 'comments_added', label: 'Comments added', short: 'Comments', kind: 'count' },
  { key: 'avg_first_response_ms', label: 'Average first response time', short: 'First response', kind: 'duration' },
  { key: 'avg_resolution_ms', label: 'Average resolution time', short: 'Resolution', kind: 'duration' },
];

const formatFigure = (f: Figure, v: number | null) => (f.kind === 'duration' ? formatDuration(v) : v === null ? '—' : formatCount(v));

type SortKey = 'name' | ReportMetric;
interface Sort {
  key: SortKey;
  dir: 'asc' | 'desc';
}

export function ReportsView() {
  const role = useSession((s) => s.me?.user.role ?? s.session?.user?.role);
  if (role === 'agent') {
    return (
      <section className="sv-view" aria-label="Reports">
        <EmptyState icon="lock" title="Reports are for Owners and Managers" />
      </section>
    );
  }
  return <Reports />;
}

function Reports() {
  const online = useServerOnline();
  const { usersById, loaded, load } = useDirectory();
  useEffect(() => {
    if (!loaded) void load();
  }, [loaded, load]);

  const [preset, setPreset] = useState<RangePreset>('last_7_days');
  const [custom, setCustom] = useState(() => ({ from: toDateInput(Date.now() - 13 * 86_400_000), to: toDateInput(Date.now()) }));
  const [metric, setMetric] = useState<ReportMetric>('conversations_closed');
  const [sort, setSort] = useState<Sort>({ key: 'conversations_closed', dir: 'desc' });
  const [updatedAt, setUpdatedAt] = useState<number | null>(null);

  const range = rangeFor(preset, custom);
  const from = range.ok ? range.from : 0;
  const to = range.ok ? range.to : 1;
  // Reports are asked of the server: run them when the range or figure changes, when the connection
  // returns, and on Refresh; not on every change in the cache.
  const report = useQuery('reports', { from, to, metric }, [from, to, metric, online], { entities: [], enabled: online && range.ok });
  useEffect(() => {
    if (report.data && !report.fetching) setUpdatedAt(Date.now());
  }, [report.data, report.fetching]);

  return (
    <section className="sv-view reports" aria-labelledby="reports-title">
      <ViewHeader
        titleId="reports-title"
        title="Reports"
        subtitle={range.ok ? `How each person worked, ${describeRange(range.from, range.to)}` : 'How each person worked over a date range'}
        actions={<ConnectionPill />}
      />

      <RangePicker preset={preset} onPreset={setPreset} custom={custom} onCustom={setCustom} error={range.ok ? null : range.error}>
        {online && range.ok && (
          <div className="reports-updated">
            {updatedAt && <span className="sv-muted">{report.fetching ? 'Updating…' : `Updated ${formatClock(updatedAt)}`}</span>}
            <IconButton icon="reopen" label="Refresh the report" size="sm" onClick={report.refresh} disabled={report.fetching} />
          </div>
        )}
      </RangePicker>

      {!online ? (
        <div className="sv-card">
          <EmptyState icon="wifiOff" tone="offline" title="Reports need a connection">
            Reports are worked out by the workspace server over everyone's history, so they can't be shown offline. They load again as soon as the connection
            returns.
          </EmptyState>
        </div>
      ) : !range.ok ? null : report.error && !report.data ? (
        <div className="sv-card">
          <ErrorState error={report.error} onRetry={report.refresh} what="the report" />
        </div>
      ) : (
        <div className="reports-grid">
          <Panel
            title="Per user"
            meta={report.data && `${visibleRows(report.data.rows, usersById).length} people · times are averages`}
            flush
            className="reports-table-panel"
          >
            {report.loading || !report.data ? (
              <LoadingState label="Loading the report…" />
            ) : (
              <UserTable rows={visibleRows(report.data.rows, usersById)} usersById={usersById} sort={sort} onSort={setSort} />
            )}
          </Panel>
          <Panel
            title="Top ten"
            className="reports-leaderboard"
            actions={
              <FilterSelect<ReportMetric> label="Figure" value={metric} onChange={setMetric} options={FIGURES.map((f) => ({ value: f.key, label: f.label }))} />
            }
          >
            {report.loading || !report.data ? (
              <div role="status">
                <span className="visually-hidden">Loading the leaderboard…</span>
                {Array.from({ length: 5 }, (_, i) => (
                  <div key={i} className="reports-skeleton-row">
                    <Skeleton width={24} height={24} />
                    <Skeleton width="60%" />
                  </div>
                ))}
              </div>
            ) : (
              <Leaderboard rows={report.data.leaderboard} figure={FIGURES.find((f) => f.key === metric)!} usersById={usersById} />
            )}
          </Panel>
        </div>
      )}
    </section>
  );
}

/** Everyone active in the workspace, and deactivated people only when they did something in the range. */
function visibleRows(rows: ReportRow[], usersById: Map<string, User>): ReportRow[] {
  return rows.filter((r) => {
    const u = usersById.get(r.user_id);
    if (!u?.deactivated) return true;
    return FIGURES.some((f) => (r[f.key] ?? 0) > 0);
  });
}

function RangePicker({
  preset,
  onPreset,
  custom,
  onCustom,
  error,
  children,
}: {
  children?: ReactNode;
  preset: RangePreset;
  onPreset: (p: RangePreset) => void;
  custom: { from: string; to: string };
  onCustom: (c: { from: string; to: string }) => void;
  error: string | null;
}) {
  const name = useId();
  const fromId = useId();
  const toId = useId();
  const errorId = useId();
  const today = toDateInput(Date.now());
  return (
    <div className="sv-card reports-range">
      <fieldset className="reports-presets">
        <legend className="visually-hidden">Date range</legend>
        {(Object.keys(PRESET_LABEL) as RangePreset[]).map((p) => (
          <label key={p} className={`reports-preset${preset === p ? ' reports-preset--on' : ''}`}>
            <input type="radio" name={name} value={p} checked={preset === p} onChange={() => onPreset(p)} className="reports-preset__input" />
            {PRESET_LABEL[p]}
          </label>
        ))}
      </fieldset>
      {preset === 'custom' && (
        <div className="reports-custom">
          <label htmlFor={fromId} className="reports-custom__label">
            From
          </label>
          <input
            id={fromId}
            type="date"
            className="reports-date"
            value={custom.from}
            max={custom.to || today}
            aria-invalid={error ? true : undefined}
            aria-describedby={error ? errorId : undefined}
            onChange={(e) => onCustom({ ...custom, from: e.target.value })}
          />
          <label htmlFor={toId} className="reports-custom__label">
            To
          </label>
          <input
            id={toId}
            type="date"
            className="reports-date"
            value={custom.to}
            min={custom.from}
            max={today}
            aria-invalid={error ? true : undefined}
            aria-describedby={error ? errorId : undefined}
            onChange={(e) => onCustom({ ...custom, to: e.target.value })}
          />
        </div>
      )}
      {children}
      {error && (
        <p id={errorId} className="reports-range__error" role="alert">
          {error}
        </p>
      )}
    </div>
  );
}

function compare(a: ReportRow, b: ReportRow, sort: Sort, names: (id: string) => string): number {
  if (sort.key === 'name') {
    const c = names(a.user_id).localeCompare(names(b.user_id));
    return sort.dir === 'asc' ? c : -c;
  }
  const va = a[sort.key];
  const vb = b[sort.key];
  // People without a figure go last whichever way the column is sorted.
  if (va === null && vb === null) return names(a.user_id).localeCompare(names(b.user_id));
  if (va === null) return 1;
  if (vb === null) return -1;
  const c = va - vb;
  return (sort.dir === 'asc' ? c : -c) || names(a.user_id).localeCompare(names(b.user_id));
}

function UserTable({ rows, usersById, sort, onSort }: { rows: ReportRow[]; usersById: Map<string, User>; sort: Sort; onSort: (s: Sort) => void }) {
  if (rows.length === 0) {
    return (
      <EmptyState icon="chart" title="Nobody to report on" compact>
        There are no users in this workspace yet.
      </EmptyState>
    );
  }
  const names = (id: string) => usersById.get(id)?.name ?? 'A former user';
  const sorted = [...rows].sort((a, b) => compare(a, b, sort, names));
  const anyActivity = rows.some((r) => FIGURES.some((f) => (r[f.key] ?? 0) > 0));
  // A first click sorts names A-Z, counts highest first and times fastest first.
  const header = (key: SortKey, label: string, numeric: boolean, title?: string) => {
    const active = sort.key === key;
    const next: Sort = active ? { key, dir: sort.dir === 'asc' ? 'desc' : 'asc' } : { key, dir: key === 'name' || key.startsWith('avg') ? 'asc' : 'desc' };
    return (
      <th key={key} scope="col" className={numeric ? 'sv-num' : undefined} aria-sort={active ? (sort.dir === 'asc' ? 'ascending' : 'descending') : undefined}>
        <button type="button" className={`reports-sort${active ? ' reports-sort--active' : ''}`} title={title} onClick={() => onSort(next)}>
          {label}
          <span className="reports-sort__arrow" aria-hidden="true">
            {active ? (sort.dir === 'asc' ? '▲' : '▼') : '↕'}
          </span>
        </button>
      </th>
    );
  };
  const total = (key: ReportMetric) => rows.reduce((n, r) => n + (r[key] ?? 0), 0);

  return (
    <div className="reports-table-wrap">
      {!anyActivity && <p className="reports-quiet">Nothing happened in this range: every figure is zero.</p>}
      <table className="sv-table reports-table">
        <caption className="visually-hidden">Figures per user for the chosen date range. Column headers sort the table.</caption>
        <thead>
          <tr>
            {header('name', 'User', false)}
            {FIGURES.map((f) => header(f.key, f.short, true, f.label))}
          </tr>
        </thead>
        <tbody>
          {sorted.map((r) => {
            const u = usersById.get(r.user_id);
            return (
              <tr key={r.user_id}>
                <th scope="row" className="reports-user">
                  <Avatar name={u?.name ?? 'Former user'} color={u?.avatar_color} size="xs" />
                  <span>{u?.name ?? 'A former user'}</span>
                  {u?.deactivated && <span className="sv-chip sv-chip--muted">Deactivated</span>}
                </th>
                {FIGURES.map((f) => (
                  <td key={f.key} className={`sv-num${r[f.key] === null || r[f.key] === 0 ? ' sv-muted' : ''}`}>
                    {formatFigure(f, r[f.key])}
                  </td>
                ))}
              </tr>
            );
          })}
        </tbody>
        <tfoot>
          <tr>
            <th scope="row">All users</th>
            {FIGURES.map((f) => (
              <td key={f.key} className="sv-num">
                {f.kind === 'count' ? formatCount(total(f.key)) : ''}
              </td>
            ))}
          </tr>
        </tfoot>
      </table>
    </div>
  );
}

function Leaderboard({ rows, figure, usersById }: { rows: ReportRow[]; figure: Figure; usersById: Map<string, User> }) {
  if (rows.length === 0) {
    return (
      <EmptyState icon="chart" title="No one to rank yet" compact>
        Nobody has a figure for {figure.label.toLowerCase()} in this range.
      </EmptyState>
    );
  }
  const values = rows.map((r) => r[figure.key] ?? 0);
  const max = Math.max(...values, 1);
  return (
    <>
      <p className="reports-leaderboard__hint">{figure.kind === 'duration' ? 'Fastest first: lower is better.' : 'Highest first.'}</p>
      <ol className="reports-board">
        {rows.map((r, i) => {
          const u = usersById.get(r.user_id);
          const v = r[figure.key] ?? 0;
          return (
            <li key={r.user_id} className={`reports-board__item${i < 3 ? ` reports-board__item--top${i + 1}` : ''}`}>
              <span className="reports-board__rank" aria-hidden="true">
                {i + 1}
              </span>
              <Avatar name={u?.name ?? 'Former user'} color={u?.avatar_color} size="sm" />
              <span className="reports-board__main">
                <span className="reports-board__line">
                  <span className="reports-board__name">
                    <span className="visually-hidden">Number {i + 1}: </span>
                    {u?.name ?? 'A former user'}
                  </span>
                  <span className="reports-board__value">{formatFigure(figure, v)}</span>
                </span>
                <span className="reports-board__bar" aria-hidden="true">
                  <span style={{ width: `${Math.max(3, (v / max) * 100)}%` }} />
                </span>
              </span>
            </li>
          );
        })}
      </ol>
    </>
  );
}
