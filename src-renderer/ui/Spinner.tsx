/** A small spinning ring; `label` makes it announce itself (role=status) instead of being decorative. */
export function Spinner({ size = 'md', label }: { size?: 'sm' | 'md' | 'lg'; label?: string }) {
  if (label) {
    return (
      <span className="spinner-wrap" role="status">
        <span className={`spinner spinner--${size}`} aria-hidden="true" />
        <span className="visually-hidden">{label}</span>
      </span>
    );
  }
  return <span className={`spinner spinner--${size}`} aria-hidden="true" />;
}

/** A centred spinner filling its area while a view loads. */
export function LoadingState({ label = 'Loading…' }: { label?: string }) {
  return (
    <div className="loading-state">
      <Spinner size="lg" label={label} />
    </div>
  );
}

/** A grey placeholder bar for content that is on its way. */
export function Skeleton({ width = '100%', height = 12 }: { width?: number | string; height?: number }) {
  return <span className="skeleton" style={{ width, height }} aria-hidden="true" />;
}
