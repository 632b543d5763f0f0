import { IconButton } from './Button';
import { Icon } from './Icon';
import { useToasts } from './toast';

export function Toaster() {
  const toasts = useToasts((s) => s.toasts);
  const dismiss = useToasts((s) => s.dismiss);
  return (
    <div className="toaster" role="status" aria-live="polite">
      {toasts.map((t) => (
        <div key={t.id} className={`toast toast--${t.tone}`}>
          <Icon name={t.tone === 'error' ? 'alert' : t.tone === 'success' ? 'checkCircle' : 'bell'} size={17} />
          <span className="toast__text">{t.text}</span>
          <IconButton icon="x" label="Dismiss" size="sm" onClick={() => dismiss(t.id)} />
        </div>
      ))}
    </div>
  );
}
