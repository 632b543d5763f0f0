import type { ActivityStatus } from '../../src-shared/model';
import { readableBackground, colorFor } from './color';
import { initials } from './format';
import { StatusDot } from './StatusDot';

export interface AvatarProps {
  name: string;
  /** The user's avatar_color; contacts get a colour derived from their name. */
  color?: string;
  size?: 'xs' | 'sm' | 'md' | 'lg' | 'xl';
  /** Shows a status dot on the corner. */
  status?: ActivityStatus;
  className?: string;
}

/** A round avatar with initials. Decorative: the name is always written beside it. */
export function Avatar({ name, color, size = 'md', status, className }: AvatarProps) {
  return (
    <span className={`avatar avatar--${size}${className ? ` ${className}` : ''}`} aria-hidden="true">
      <span className="avatar__disc" style={{ background: readableBackground(color ?? colorFor(name)) }}>
        {initials(name)}
      </span>
      {status && <StatusDot status={status} className="avatar__status" decorative />}
    </span>
  );
}
