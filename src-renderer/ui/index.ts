// Shared UI pieces every view uses. Keep these APIs stable: other views import them.
export { Avatar, type AvatarProps } from './Avatar';
export { StatusDot, StatusLabel, STATUS_LABEL } from './StatusDot';
export { Button, IconButton, type ButtonProps } from './Button';
export { Dialog, type DialogProps } from './Dialog';
export { EmptyState, ErrorState, type EmptyStateProps } from './EmptyState';
export { Spinner, LoadingState, Skeleton } from './Spinner';
export { Popover, type PopoverProps } from './Popover';
export { Icon, type IconName } from './Icon';
export { toast } from './toast';
export { ErrorBoundary } from './ErrorBoundary';
export { formatTime, formatClock, formatDateTime, formatDay, formatDuration, formatRelative, formatCount, initials, sameDay } from './format';
export { colorFor, readableBackground } from './color';
