// A modal dialog on the native <dialog> element: the browser traps focus and puts it in the top
// layer; Esc (the 'cancel' event) and a click on the backdrop call onClose; focus returns to where
// it was when the dialog closes.
import { useEffect, useId, useRef, type ReactNode } from 'react';
import { IconButton } from './Button';

export interface DialogProps {
  title: string;
  description?: ReactNode;
  onClose: () => void;
  children?: ReactNode;
  /** Buttons, right-aligned at the bottom. */
  footer?: ReactNode;
  size?: 'sm' | 'md' | 'lg';
  /** Wraps the body and footer in a form; Enter submits. */
  onSubmit?: () => void;
  className?: string;
}

/** Mount it to open it; unmount it to close it (`{open && <Dialog …/>}`). */
export function Dialog({ title, description, onClose, children, footer, size = 'md', onSubmit, className }: DialogProps) {
  const ref = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  const descId = useId();
  const onCloseRef = useRef(onClose);
  onCloseRef.current = onClose;

  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    const before = document.activeElement as HTMLElement | null;
    if (!dialog.open) dialog.showModal();
    // Focus the first field (or the element marked data-autofocus) rather than the close button.
    const first = dialog.querySelector<HTMLElement>(
      '[data-autofocus], .dialog__body input:not([type=hidden]):not([disabled]), .dialog__body select, .dialog__body textarea, .dialog__body button',
    );
    first?.focus();
    const cancel = (e: Event) => {
      e.preventDefault();
      onCloseRef.current();
    };
    dialog.addEventListener('cancel', cancel);
    return () => {
      dialog.removeEventListener('cancel', cancel);
      if (dialog.open) dialog.close();
      if (before && document.contains(before)) before.focus();
    };
  }, []);

  const body = (
    <>
      <div className="dialog__body">{children}</div>
      {footer && <div className="dialog__footer">{footer}</div>}
    </>
  );

  return (
    <dialog
      ref={ref}
      className={`dialog dialog--${size}${className ? ` ${className}` : ''}`}
      aria-modal="true"
      aria-labelledby={titleId}
      aria-describedby={description ? descId : undefined}
      onMouseDown={(e) => {
        if (e.target === ref.current) onClose();
      }}
    >
      <div className="dialog__header">
        <div>
          <h2 id={titleId} className="dialog__title">
            {title}
          </h2>
          {description && (
            <p id={descId} className="dialog__description">
              {description}
            </p>
          )}
        </div>
        <IconButton icon="x" label="Close" size="sm" onClick={onClose} />
      </div>
      {onSubmit ? (
        <form
          className="dialog__form"
          onSubmit={(e) => {
            e.preventDefault();
            onSubmit();
          }}
        >
          {body}
        </form>
      ) : (
        body
      )}
    </dialog>
  );
}
