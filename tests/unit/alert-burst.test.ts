// A burst of Needs attention items (new rules over a busy workspace) becomes a few alerts and one
// summary on the supervisor's desk, and a breach that ends does not alert again.
import { describe, expect, it } from 'vitest';
import { NotificationCenter, type OsAlert } from '../../src-main/core/notifications/notification-center';
import { DEFAULT_LOCAL_PREFS } from '../../src-shared/desktop/api';
import type { Notification } from '../../src-shared/model';

const breach = (i: number, ended: number | null = null): Notification => ({
  id: `n${i}`,
  user_id: 'u_manager',
  kind: 'needs_attention',
  contact_id: `c${i}`,
  conversation_id: `v${i}`,
  comment_id: null,
  message_id: null,
  actor_id: null,
  excerpt: 'Open longer than 30 min',
  count: 1,
  created_at: 1,
  read_at: null,
  archived_at: null,
  alert: { rule: 'open_too_long', due_at: 1, ended_at: ended, ended: ended === null ? null : 'closed' },
});

describe('Needs attention on the desk', () => {
  it('shows the first few of a burst, then one summary, and nothing more when a breach ends', async () => {
    const shown: OsAlert[] = [];
    const center = new NotificationCenter(
      { show: (a) => shown.push(a) },
      () => ({
        prefs: structuredClone(DEFAULT_LOCAL_PREFS),
        focus: { contactId: null, windowFocused: false },
        contactName: (id) => `Contact ${id}`,
        userName: () => null,
      }),
      Date.now,
      { limit: 3, windowMs: 50 },
    );
    center.consider(Array.from({ length: 8 }, (_, i) => breach(i)));
    expect(shown.map((a) => a.title)).toEqual(['Needs attention', 'Needs attention', 'Needs attention']);
    expect(shown[0].body).toBe('Contact c0: Open longer than 30 min');
    await new Promise((r) => setTimeout(r, 120));
    expect(shown).toHaveLength(4);
    expect(shown[3]).toMatchObject({ notificationId: null, body: '5 more new notifications' });

    center.consider([breach(0, 2)]);
    expect(shown).toHaveLength(4);
    center.stop();
  });
});
