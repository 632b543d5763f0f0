import { useEffect, useState } from 'react';

/** The current time, ticking every `intervalMs` (durations like "open 3 h 12 m" stay true on screen). */
export function useNow(intervalMs: number): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = window.setInterval(() => setNow(Date.now()), intervalMs);
    return () => window.clearInterval(timer);
  }, [intervalMs]);
  return now;
}
