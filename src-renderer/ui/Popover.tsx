// A panel anchored to its trigger (menus, pickers). Closes on Esc (focus goes back to the trigger)
// and on a click outside.
import { useEffect, useRef, type ReactNode, type RefObject } from 'react';

export interface PopoverProps {
  open: boolean;
  onClose: () => void;
  /** The trigger: clicks on it are not "outside", and it gets focus back on Esc. */
  anchorRef: RefObject<HTMLElement | null>;
  children: ReactNode;
  placement?: 'bottom-start' | 'bottom-end' | 'top-start' | 'right-end' | 'top-end';
  className?: string;
  label?: string;
}

export function Popover({ open, onClose, anchorRef, children, placement = 'bottom-start', className, label }: PopoverProps) {
  const ref = useRef<HTMLDivElement>(null);
  const onCloseRef = useRef(onClose);
  onCloseRef.current = onClose;

  useEffect(() => {
    if (!open) return;
    const down = (e: PointerEvent) => {
      const t = e.target as Node;
      if (ref.current?.contains(t) || anchorRef.current?.contains(t)) return;
      onCloseRef.current();
    };
    const key = (e: KeyboardEvent) => {
      if (e.key !== 'Escape') return;
      e.stopPropagation();
      onCloseRef.current();
      anchorRef.current?.focus();
    };
    document.addEventListener('pointerdown', down, true);
    document.addEventListener('keydown', key, true);
    return () => {
      document.removeEventListener('pointerdown', down, true);
      document.removeEventListener('keydown', key, true);
    };
  }, [open, anchorRef]);

  if (!open) return null;
  return (
    <div ref={ref} className={`popover popover--${placement}${className ? ` ${className}` : ''}`} role="group" aria-label={label}>
      {children}
    </div>
  );
}
