export { query, command, onEvent, DesktopError, isOfflineError, bridgeMode, linkState, onLinkState, startBridge } from './client';
export type { LinkState } from './client';
export { useQuery, isAffected, QUERY_ENTITIES } from './useQuery';
export type { QueryOptions, QueryState, ChangedEvent } from './useQuery';
export { useDesktopEvent } from './useEvent';
