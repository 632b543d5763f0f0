// Shared UI pieces every view uses. Keep these APIs stable: other views import them.
export { Avatar } from './Avatar';
export { StatusDot, StatusLabel, STATUS_LABEL } from './StatusDot';
export { Button, IconButton } from './Button';
export { Dialog } from './Dialog';
export { EmptyState, ErrorState } from './EmptyState';
export { LoadingState, Skeleton } from './Spinner';
export { Popover } from './Popover';
export { Icon, type IconName } from './Icon';
export { toast } from './toast';
export { ErrorBoundary } from './ErrorBoundary';
export { formatTime, formatClock, formatDateTime, formatDay, formatDuration, formatRelative, formatCount, sameDay } from './format';
