import type { ActivityStatus } from '../../src-shared/model';

export const STATUS_LABEL: Record<ActivityStatus, string> = { online: 'Online', busy: 'Busy', offline: 'Offline' };

/** A coloured dot for an activity status; it names the status for screen readers unless decorative. */
export function StatusDot({ status, className, decorative }: { status: ActivityStatus; className?: string; decorative?: boolean }) {
  return (
    <span
      className={`status-dot status-dot--${status}${className ? ` ${className}` : ''}`}
      {...(decorative ? { 'aria-hidden': true } : { role: 'img', 'aria-label': STATUS_LABEL[status] })}
      title={STATUS_LABEL[status]}
    />
  );
}

/** The dot and the word: "● Busy". */
export function StatusLabel({ status }: { status: ActivityStatus }) {
  return (
    <span className={`status-label status-label--${status}`}>
      <StatusDot status={status} decorative />
      {STATUS_LABEL[status]}
    </span>
  );
}
