// The Conversations widget: opened vs closed per period, drawn as a grouped bar chart in SVG.
// The chart is one image to assistive technology, named and described in words; the same figures
// are one click away as a table.
import { useId, useState } from 'react';
import type { QueryOutput } from '../../../src-shared/desktop/api';
import { formatCount } from '../../ui';

type Periods = QueryOutput<'dashboardSummary'>['conversations'];
type PeriodKey = keyof Periods;

const PERIODS: readonly { key: PeriodKey; label: string }[] = [
  { key: 'today', label: 'Today' },
  { key: 'yesterday', label: 'Yesterday' },
  { key: 'last_14_days', label: 'Last 14 days' },
  { key: 'last_30_days', label: 'Last 30 days' },
];

const SERIES = [
  { key: 'opened', label: 'Opened' },
  { key: 'closed', label: 'Closed' },
] as const;

/** A round upper bound for the axis (1, 2, 2.5, 5 × 10^n) and its step, for four grid lines. */
function niceScale(max: number): { top: number; step: number } {
  if (max <= 0) return { top: 4, step: 1 };
  const rough = max / 4;
  const mag = 10 ** Math.floor(Math.log10(rough));
  const step = [1, 2, 2.5, 5, 10].map((f) => f * mag).find((s) => s >= rough) ?? 10 * mag;
  const whole = Math.max(1, Math.ceil(step));
  return { top: whole * Math.ceil(max / whole), step: whole };
}

const W = 520;
const H = 250;
const PAD = { top: 22, right: 8, bottom: 34, left: 40 };

export function ConversationsChart({ data }: { data: Periods }) {
  const titleId = useId();
  const descId = useId();
  const [showTable, setShowTable] = useState(false);

  const max = Math.max(...PERIODS.flatMap((p) => [data[p.key]?.opened ?? 0, data[p.key]?.closed ?? 0]));
  const { top, step } = niceScale(max);
  const plotW = W - PAD.left - PAD.right;
  const plotH = H - PAD.top - PAD.bottom;
  const groupW = plotW / PERIODS.length;
  const barW = Math.min(34, groupW * 0.3);
  const gap = 6;
  const y = (v: number) => PAD.top + plotH - (v / top) * plotH;
  const ticks: number[] = [];
  for (let t = 0; t <= top; t += step) ticks.push(t);

  const description = PERIODS.map((p) => `${p.label}: ${formatCount(data[p.key]?.opened ?? 0)} opened, ${formatCount(data[p.key]?.closed ?? 0)} closed`).join(
    '. ',
  );

  return (
    <figure className="sv-chart">
      <ul className="sv-chart__legend" aria-hidden="true">
        {SERIES.map((s) => (
          <li key={s.key}>
            <span className={`sv-chart__swatch sv-chart__swatch--${s.key}`} />
            {s.label}
          </li>
        ))}
      </ul>
      <svg className="sv-chart__svg" viewBox={`0 0 ${W} ${H}`} role="img" aria-labelledby={titleId} aria-describedby={descId}>
        <title id={titleId}>Conversations opened and closed, by period</title>
        <desc id={descId}>{description}.</desc>
        {ticks.map((t) => (
          <g key={t} className="sv-chart__tick">
            <line x1={PAD.left} x2={W - PAD.right} y1={y(t)} y2={y(t)} className={t === 0 ? 'sv-chart__axis' : 'sv-chart__grid'} />
            <text x={PAD.left - 8} y={y(t)} dy="0.32em" textAnchor="end" className="sv-chart__tick-label">
              {formatCount(t)}
            </text>
          </g>
        ))}
        {PERIODS.map((p, i) => {
          const cx = PAD.left + groupW * i + groupW / 2;
          return (
            <g key={p.key}>
              {SERIES.map((s, j) => {
                const v = data[p.key]?.[s.key] ?? 0;
                const x = j === 0 ? cx - gap / 2 - barW : cx + gap / 2;
                const h = Math.max(v > 0 ? 2 : 0, y(0) - y(v));
                return (
                  <g key={s.key}>
                    <rect x={x} y={y(0) - h} width={barW} height={h} rx={3} className={`sv-chart__bar sv-chart__bar--${s.key}`}>
                      <title>{`${p.label}: ${formatCount(v)} ${s.label.toLowerCase()}`}</title>
                    </rect>
                    <text x={x + barW / 2} y={y(0) - h - 6} textAnchor="middle" className="sv-chart__value">
                      {formatCount(v)}
                    </text>
                  </g>
                );
              })}
              <text x={cx} y={H - PAD.bottom + 20} textAnchor="middle" className="sv-chart__label">
                {p.label}
              </text>
            </g>
          );
        })}
      </svg>
      <figcaption className="sv-chart__caption">
        <button type="button" className="sv-link-btn" aria-expanded={showTable} onClick={() => setShowTable((v) => !v)}>
          {showTable ? 'Hide the figures' : 'Show as a table'}
        </button>
      </figcaption>
      {showTable && (
        <table className="sv-table sv-table--compact sv-chart__table">
          <caption className="visually-hidden">Conversations opened and closed, by period</caption>
          <thead>
            <tr>
              <th scope="col">Period</th>
              <th scope="col" className="sv-num">
                Opened
              </th>
              <th scope="col" className="sv-num">
                Closed
              </th>
            </tr>
          </thead>
          <tbody>
            {PERIODS.map((p) => (
              <tr key={p.key}>
                <th scope="row">{p.label}</th>
                <td className="sv-num">{formatCount(data[p.key]?.opened ?? 0)}</td>
                <td className="sv-num">{formatCount(data[p.key]?.closed ?? 0)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </figure>
  );
}
