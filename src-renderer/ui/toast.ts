// Short-lived messages about what just happened ("Assigned to Ada", "Couldn't change status: …").
import { create } from 'zustand';

interface Toast {
  id: number;
  tone: 'info' | 'success' | 'error';
  text: string;
}

interface ToastStore {
  toasts: Toast[];
  push: (tone: Toast['tone'], text: string) => void;
  dismiss: (id: number) => void;
}

let nextId = 1;

export const useToasts = create<ToastStore>((set, get) => ({
  toasts: [],
  push(tone, text) {
    const id = nextId++;
    set({ toasts: [...get().toasts.slice(-3), { id, tone, text }] });
    window.setTimeout(() => get().dismiss(id), tone === 'error' ? 7000 : 3500);
  },
  dismiss(id) {
    set({ toasts: get().toasts.filter((t) => t.id !== id) });
  },
}));

export const toast = {
  info: (text: string) => useToasts.getState().push('info', text),
  success: (text: string) => useToasts.getState().push('success', text),
  error: (text: string) => useToasts.getState().push('error', text),
};
