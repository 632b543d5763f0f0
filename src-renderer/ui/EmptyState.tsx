import type { ReactNode } from 'react';
import { isOfflineError, type DesktopError } from '../bridge/client';
import { Button } from './Button';
import { Icon, type IconName } from './Icon';

export interface EmptyStateProps {
  icon?: IconName;
  title: string;
  children?: ReactNode;
  action?: ReactNode;
  tone?: 'neutral' | 'danger' | 'offline';
  compact?: boolean;
}

/** What a view shows when there is nothing to show: an icon, a title, a line of help, an action. */
export function EmptyState({ icon = 'inbox', title, children, action, tone = 'neutral', compact }: EmptyStateProps) {
  return (
    <div className={`empty-state empty-state--${tone}${compact ? ' empty-state--compact' : ''}`}>
      <span className="empty-state__icon">
        <Icon name={icon} size={compact ? 20 : 26} />
      </span>
      <p className="empty-state__title">{title}</p>
      {children && <div className="empty-state__body">{children}</div>}
      {action && <div className="empty-state__action">{action}</div>}
    </div>
  );
}

/** The error state of a view: an offline message for link/network errors, the error otherwise, with a retry. */
export function ErrorState({
  error,
  onRetry,
  what = 'this',
  compact,
}: {
  error: DesktopError | Error;
  onRetry?: () => void;
  what?: string;
  compact?: boolean;
}) {
  const offline = isOfflineError(error);
  return (
    <div role="alert">
      <EmptyState
        compact={compact}
        tone={offline ? 'offline' : 'danger'}
        icon={offline ? 'wifiOff' : 'alert'}
        title={offline ? `You're offline — ${what} needs a connection` : `Couldn't load ${what}`}
        action={
          onRetry && (
            <Button size="sm" icon="reopen" onClick={onRetry}>
              Try again
            </Button>
          )
        }
      >
        {error.message}
      </EmptyState>
    </div>
  );
}
