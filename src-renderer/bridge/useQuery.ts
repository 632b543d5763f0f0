// useQuery: runs a desktop API query and runs it again when a 'changed' event touches what it reads.
import { useCallback, useEffect, useRef, useState, type DependencyList } from 'react';
import type { ChangedEntity, EventPayload, QueryInput, QueryName, QueryOutput } from '../../src-shared/desktop/api';
import { DesktopError, onEvent, query } from './client';

/** Which cache entities each query reads: a 'changed' event naming one of them re-runs it. */
const QUERY_ENTITIES: Record<QueryName, readonly ChangedEntity[]> = {
  session: [],
  prefs: [],
  setupStatus: [],
  me: ['user', 'settings', 'team'],
  inboxes: ['contact', 'custom_inbox', 'team', 'user', 'settings', 'notification'],
  channels: ['channel'],
  conversations: ['contact', 'outbox', 'notification', 'custom_inbox', 'user'],
  conversationPosition: ['contact', 'custom_inbox', 'user'],
  drafts: [],
  place: [],
  contact: ['contact', 'conversation'],
  thread: ['message', 'comment', 'event', 'outbox'],
  search: ['contact', 'message'],
  users: ['user'],
  teams: ['team'],
  closingCategories: ['closing_category'],
  customInboxes: ['custom_inbox'],
  notifications: ['notification', 'contact'],
  outbox: ['outbox'],
  dashboardOpen: ['contact', 'conversation', 'message', 'user', 'settings'],
  dashboardMembers: ['user', 'contact', 'team'],
  dashboardSummary: ['contact', 'conversation', 'message', 'settings'],
  reports: ['conversation', 'message', 'comment'],
  // Kept by the server and asked of it; read again when the connection returns (the view's deps).
  serverNotificationPrefs: [],
  // Not synced: the view asks again after each add or revoke.
  accessTokens: [],
  webhooks: [],
  webhookDeliveries: [],
  lifecycleStages: [],
  // Fields are made through the Developer API; a contact's values naming a new one bring it in.
  customFields: ['contact'],
};

export type ChangedEvent = EventPayload<'changed'>;

/** Does a 'changed' event concern a query reading `entities` (for one contact, when given)? */
export function isAffected(change: ChangedEvent, entities: readonly ChangedEntity[], contactId?: string | null): boolean {
  if (change.entities.includes('*')) return true;
  if (!change.entities.some((e) => entities.includes(e))) return false;
  if (contactId && change.contact_ids.length > 0) return change.contact_ids.includes(contactId);
  return true;
}

export interface QueryOptions {
  /** Override the entities that re-run this query. */
  entities?: readonly ChangedEntity[];
  /** Re-run only for changes to this contact (thread, contact detail). */
  contactId?: string | null;
  /** Skip running (e.g. until an id is known). */
  enabled?: boolean;
  /** Coalesce bursts of changes: wait this long before re-running (ms). */
  debounceMs?: number;
}

export interface QueryState<T> {
  data: T | undefined;
  error: DesktopError | null;
  /** True until the first answer (later re-runs keep showing the previous data). */
  loading: boolean;
  /** True while any run is in flight. */
  fetching: boolean;
  refresh: () => void;
}

export function useQuery<N extends QueryName>(name: N, input: QueryInput<N>, deps: DependencyList, options: QueryOptions = {}): QueryState<QueryOutput<N>> {
  const { enabled = true, debounceMs = 120 } = options;
  const [state, setState] = useState<{ data: QueryOutput<N> | undefined; error: DesktopError | null; loading: boolean; fetching: boolean }>({
    data: undefined,
    error: null,
    loading: enabled,
    fetching: enabled,
  });
  const inputRef = useRef(input);
  inputRef.current = input;
  const optsRef = useRef(options);
  optsRef.current = options;
  const seq = useRef(0);

  const run = useCallback(() => {
    const mine = ++seq.current;
    setState((s) => ({ ...s, fetching: true }));
    query(name, inputRef.current).then(
      (data) => {
        if (mine === seq.current) setState({ data, error: null, loading: false, fetching: false });
      },
      (err: unknown) => {
        if (mine !== seq.current) return;
        const error = err instanceof DesktopError ? err : new DesktopError('internal', String(err));
        setState((s) => ({ ...s, error, loading: false, fetching: false }));
      },
    );
  }, [name]);

  useEffect(() => {
    if (!enabled) {
      seq.current++;
      setState({ data: undefined, error: null, loading: false, fetching: false });
      return;
    }
    setState((s) => ({ ...s, loading: s.data === undefined, error: null }));
    run();
    let timer: number | undefined;
    const off = onEvent('changed', (change) => {
      const o = optsRef.current;
      if (!isAffected(change, o.entities ?? QUERY_ENTITIES[name], o.contactId)) return;
      window.clearTimeout(timer);
      timer = window.setTimeout(run, debounceMs);
    });
    return () => {
      off();
      window.clearTimeout(timer);
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps -- the caller names what the input depends on (deps)
  }, [name, enabled, run, debounceMs, ...deps]);

  return { ...state, refresh: run };
}
