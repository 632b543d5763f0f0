// What a toast says after a write through the outbox: done when online; offline, what will happen
// when the connection returns (the write may still be refused then, so it never claims it is done).
import { useSession } from '../session/session-store';

export function isOnline(): boolean {
  return useSession.getState().session?.connection === 'online';
}

/** "Assigned to Kemi" online; "Will assign to Kemi when back online" offline. */
export function doneOrQueued(done: string, willDo: string): string {
  return isOnline() ? done : `Will ${willDo} when back online`;
}
