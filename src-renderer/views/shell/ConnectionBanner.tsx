// The strip above every view when the app cannot reach the server (or, in host mode, main).
import { useEffect, useState } from 'react';
import { Icon } from '../../ui';
import { useSession } from '../session/session-store';

/** Reconnect attempts flip the state briefly; only a state that lasts is worth a banner. */
const SETTLE_MS = 1500;

export function ConnectionBanner() {
  const connection = useSession((s) => s.session?.connection ?? 'online');
  const link = useSession((s) => s.link);
  const problem = link !== 'connected' ? 'link' : connection !== 'online' ? 'offline' : null;
  const [shown, setShown] = useState<typeof problem>(null);

  useEffect(() => {
    if (problem === null) {
      setShown(null);
      return;
    }
    const t = window.setTimeout(() => setShown(problem), SETTLE_MS);
    return () => window.clearTimeout(t);
  }, [problem]);

  return (
    <div className="banner-slot" role="status" aria-live="polite">
      {shown === 'offline' && (
        <div className="banner banner--offline">
          <Icon name="wifiOff" size={16} />
          <span>You're offline — changes will be sent when the connection returns</span>
        </div>
      )}
      {shown === 'link' && (
        <div className="banner banner--danger">
          <Icon name="alert" size={16} />
          <span>Reconnecting to the IS-Messenger service…</span>
        </div>
      )}
    </div>
  );
}
