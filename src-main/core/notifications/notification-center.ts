// The NotificationCenter decides what deserves an OS alert, and hands it to a Notifier.
// Rules (after Signal and Mattermost): the user's per-kind choices, do-not-disturb, never for the
// conversation on screen in a focused window, each item once, a burst limit, contact text made safe.
import type { LocalPrefs } from '../../../src-shared/desktop/api';
import type { Notification, NotificationKind } from '../../../src-shared/model';
import { isUnread } from '../../../src-shared/unread';

export interface OsAlert {
  /** The Notification Center item behind it (null for a burst summary). */
  notificationId: string | null;
  title: string;
  body: string;
  contactId: string | null;
  commentId: string | null;
  messageId: string | null;
  silent: boolean;
}

/** The port to the OS: Electron's Notification in the app, node-notifier in host mode. */
export interface Notifier {
  show(alert: OsAlert): void;
}

const BURST_WINDOW_MS = 10_000;
const BURST_LIMIT = 3;
const TITLE_CHARS = 64;
const BODY_CHARS = 180;

const TITLES: Record<NotificationKind, string> = {
  comment_mention: 'You were mentioned',
  contact_assigned: 'Contact assigned to you',
  new_message_assigned: 'New message',
  new_message_unassigned: 'New message (unassigned)',
  needs_attention: 'Needs attention',
  webhook_paused: 'Webhook paused',
};

/** Untrusted text for an OS notification: no control or direction-override characters, one line, shortened. */
export function safeText(text: string, max: number): string {
  const flat = text
    .replace(/[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2066-\u2069]/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

/** Linux notification daemons render a subset of HTML in the body: a Notifier there escapes it. */
export function escapeMarkup(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

export interface AlertContext {
  prefs: LocalPrefs;
  /** The conversation on screen, and whether the window has focus. */
  focus: { contactId: string | null; windowFocused: boolean };
  contactName: (contactId: string) => string | null;
  userName: (userId: string) => string | null;
}

export class NotificationCenter {
  private readonly seen = new Map<string, number>();
  private recent: number[] = [];
  private suppressed = 0;
  private summaryTimer: NodeJS.Timeout | null = null;

  constructor(
    private readonly notifier: Notifier,
    private readonly ctx: () => AlertContext,
    private readonly clock: () => number = Date.now,
    private readonly burst = { limit: BURST_LIMIT, windowMs: BURST_WINDOW_MS },
  ) {}

  /** Items that arrived live; only new unread ones (or a collapsed item that counted up) can alert. */
  consider(items: readonly Notification[]): void {
    for (const n of items) {
      const key = n.id;
      const prevCount = this.seen.get(key);
      if (!isUnread(n)) {
        this.seen.set(key, n.count);
        continue;
      }
      if (prevCount !== undefined && prevCount >= n.count) continue; // already alerted for this
      this.seen.set(key, n.count);
      if (this.seen.size > 5000) this.seen.delete(this.seen.keys().next().value!);
      this.alert(n);
    }
  }

  private alert(n: Notification): void {
    const ctx = this.ctx();
    if (!ctx.prefs.os_alerts[n.kind]) return;
    if (ctx.prefs.do_not_disturb) return;
    if (ctx.focus.windowFocused && ctx.focus.contactId === n.contact_id) return;
    const now = this.clock();
    this.recent = this.recent.filter((t) => now - t < this.burst.windowMs);
    if (this.recent.length >= this.burst.limit) {
      this.suppressed += 1;
      this.scheduleSummary(ctx);
      return;
    }
    this.recent.push(now);
    // An item about no contact (a paused webhook) says only its excerpt.
    const contact = n.contact_id === null ? null : (ctx.contactName(n.contact_id) ?? 'a contact');
    const actor = n.actor_id ? ctx.userName(n.actor_id) : null;
    this.notifier.show({
      notificationId: n.id,
      title: safeText(actor ? `${TITLES[n.kind]} · ${actor}` : TITLES[n.kind], TITLE_CHARS),
      body: safeText(contact === null ? n.excerpt : `${contact}: ${n.excerpt}`, BODY_CHARS),
      contactId: n.contact_id,
      commentId: n.comment_id,
      messageId: n.message_id,
      silent: !ctx.prefs.sound,
    });
  }

  /** Past the burst limit, one summary alert when the burst is over. */
  private scheduleSummary(ctx: AlertContext): void {
    if (this.summaryTimer) return;
    this.summaryTimer = setTimeout(() => {
      this.summaryTimer = null;
      const n = this.suppressed;
      this.suppressed = 0;
      if (n === 0 || ctx.prefs.do_not_disturb) return;
      this.notifier.show({
        notificationId: null,
        title: 'IS-Messenger',
        body: `${n} more new notification${n === 1 ? '' : 's'}`,
        contactId: null,
        commentId: null,
        messageId: null,
        silent: !ctx.prefs.sound,
      });
    }, this.burst.windowMs);
    this.summaryTimer.unref?.();
  }

  stop(): void {
    if (this.summaryTimer) clearTimeout(this.summaryTimer);
  }
}
