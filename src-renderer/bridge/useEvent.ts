import { useEffect, useRef } from 'react';
import type { EventName, EventPayload } from '../../src-shared/desktop/api';
import { onEvent } from './client';

/** Subscribes a component to one desktop event for as long as it is mounted. */
export function useDesktopEvent<N extends EventName>(name: N, listener: (payload: EventPayload<N>) => void): void {
  const ref = useRef(listener);
  ref.current = listener;
  useEffect(() => onEvent(name, (p) => ref.current(p)), [name]);
}
