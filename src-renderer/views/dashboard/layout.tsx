// The frame the supervision views share: a view header (title, one line of context, actions) and
// panels (a titled card). Each panel is a labelled region so screen readers can jump between them.
import { useId, type ReactNode } from 'react';
import { Icon } from '../../ui';
import { useSession } from '../session/session-store';
import './layout.css';

export function ViewHeader({
  title,
  eyebrow,
  subtitle,
  actions,
  titleId,
}: {
  title: string;
  /** The area the view belongs to ("Settings"), shown above the title. */
  eyebrow?: string;
  subtitle?: ReactNode;
  actions?: ReactNode;
  titleId?: string;
}) {
  return (
    <header className="sv-header">
      <div className="sv-header__text">
        {eyebrow && <p className="sv-header__eyebrow">{eyebrow}</p>}
        <h1 id={titleId} className="sv-header__title">
          {title}
        </h1>
        {subtitle && <p className="sv-header__subtitle">{subtitle}</p>}
      </div>
      {actions && <div className="sv-header__actions">{actions}</div>}
    </header>
  );
}

export function Panel({
  title,
  meta,
  actions,
  footer,
  children,
  className,
  flush,
}: {
  title: string;
  /** A short line beside the title ("42 open"). */
  meta?: ReactNode;
  /** Filters and buttons in the panel's header. */
  actions?: ReactNode;
  footer?: ReactNode;
  children: ReactNode;
  className?: string;
  /** The body has no padding (tables and lists that run edge to edge). */
  flush?: boolean;
}) {
  const id = useId();
  return (
    <section className={`sv-panel${className ? ` ${className}` : ''}`} aria-labelledby={id}>
      <div className="sv-panel__header">
        <div className="sv-panel__heading">
          <h2 id={id} className="sv-panel__title">
            {title}
          </h2>
          {meta && <span className="sv-panel__meta">{meta}</span>}
        </div>
        {actions && <div className="sv-panel__actions">{actions}</div>}
      </div>
      <div className={`sv-panel__body${flush ? ' sv-panel__body--flush' : ''}`}>{children}</div>
      {footer && <div className="sv-panel__footer">{footer}</div>}
    </section>
  );
}

/** A labelled <select> small enough for a panel header. */
export function FilterSelect<V extends string>({
  label,
  value,
  onChange,
  options,
}: {
  label: string;
  value: V;
  onChange: (value: V) => void;
  options: readonly { value: V; label: string }[];
}) {
  const id = useId();
  return (
    <div className="sv-filter">
      <label htmlFor={id} className="sv-filter__label">
        {label}
      </label>
      <select id={id} className="sv-filter__select" value={value} onChange={(e) => onChange(e.target.value as V)}>
        {options.map((o) => (
          <option key={o.value} value={o.value}>
            {o.label}
          </option>
        ))}
      </select>
    </div>
  );
}

/**
 * The connection to the workspace server, as a pill for view headers: live data, reconnecting, or
 * offline (the view shows what the local cache held at the last sync).
 */
export function ConnectionPill({ liveLabel = 'Live' }: { liveLabel?: string }) {
  const connection = useSession((s) => s.session?.connection ?? 'offline');
  const link = useSession((s) => s.link);
  const state = link !== 'connected' ? 'offline' : connection;
  const text = state === 'online' ? liveLabel : state === 'connecting' ? 'Reconnecting…' : 'Offline';
  return (
    <span className={`sv-pill sv-pill--${state}`} role="status" title={state === 'online' ? 'Connected: changes appear within a second' : undefined}>
      {state === 'offline' ? <Icon name="wifiOff" size={14} /> : <span className="sv-pill__dot" aria-hidden="true" />}
      {text}
    </span>
  );
}

/** True when the workspace server is reachable (reads that need it may run). */
export function useServerOnline(): boolean {
  const connection = useSession((s) => s.session?.connection ?? 'offline');
  const link = useSession((s) => s.link);
  return link === 'connected' && connection === 'online';
}
