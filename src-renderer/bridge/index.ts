export { command, DesktopError, isOfflineError } from './client';
export { useQuery } from './useQuery';
export type { QueryState } from './useQuery';
