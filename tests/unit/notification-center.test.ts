import { describe, expect, it } from 'vitest';
import { NotificationCenter, escapeMarkup, safeText, type AlertContext, type OsAlert } from '../../src-main/core/notifications/notification-center';
import { DEFAULT_LOCAL_PREFS } from '../../src-shared/desktop/api';
import type { Notification } from '../../src-shared/model';

let n = 0;
const note = (over: Partial<Notification> = {}): Notification => ({
  id: `n${++n}`,
  user_id: 'u1',
  kind: 'comment_mention',
  contact_id: 'c1',
  conversation_id: 'v1',
  comment_id: 'k1',
  message_id: null,
  actor_id: 'boss',
  excerpt: '@Alice please send them the latest promotion',
  count: 1,
  created_at: 1,
  read_at: null,
  archived_at: null,
  ...over,
});

function setup(over: Partial<AlertContext> = {}) {
  const shown: OsAlert[] = [];
  let now = 1_000_000;
  const ctx: AlertContext = {
    prefs: structuredClone(DEFAULT_LOCAL_PREFS),
    focus: { contactId: null, windowFocused: false },
    contactName: () => 'Nina <b>New</b>',
    userName: () => 'Marcus Manager',
    ...over,
  };
  const center = new NotificationCenter(
    { show: (a) => shown.push(a) },
    () => ctx,
    () => now,
  );
  return { shown, ctx, center, advance: (ms: number) => (now += ms) };
}

describe('the notification center', () => {
  it('alerts a mention with the actor, the contact and the excerpt', () => {
    const { shown, center } = setup();
    center.consider([note()]);
    expect(shown).toHaveLength(1);
    expect(shown[0].title).toBe('You were mentioned · Marcus Manager');
    expect(shown[0].body).toBe('Nina <b>New</b>: @Alice please send them the latest promotion');
    expect(shown[0]).toMatchObject({ contactId: 'c1', commentId: 'k1' });
  });

  it('alerts each item once, and again only when a collapsed item counts up', () => {
    const { shown, center } = setup();
    const item = note({ kind: 'new_message_assigned' });
    center.consider([item]);
    center.consider([item]);
    expect(shown).toHaveLength(1);
    center.consider([{ ...item, count: 2 }]);
    expect(shown).toHaveLength(2);
  });

  it('stays quiet for read items, turned-off kinds, do-not-disturb, and the conversation on screen', () => {
    const a = setup();
    a.center.consider([note({ read_at: 5 })]);
    expect(a.shown).toHaveLength(0);

    const b = setup();
    b.ctx.prefs.os_alerts.comment_mention = false;
    b.center.consider([note()]);
    expect(b.shown).toHaveLength(0);

    const c = setup();
    c.ctx.prefs.do_not_disturb = true;
    c.center.consider([note()]);
    expect(c.shown).toHaveLength(0);

    const d = setup({ focus: { contactId: 'c1', windowFocused: true } });
    d.center.consider([note()]);
    expect(d.shown).toHaveLength(0);
    // The same conversation in a window that is not focused still alerts.
    d.ctx.focus.windowFocused = false;
    d.center.consider([note()]);
    expect(d.shown).toHaveLength(1);
  });

  it('past three alerts in ten seconds, holds the rest for one summary', async () => {
    const { shown, center } = setup();
    center.consider([note(), note(), note(), note(), note()]);
    expect(shown).toHaveLength(3);
  });

  it('makes contact text safe: no control or direction characters, shortened; markup escaped where daemons render it', () => {
    expect(safeText('hi\u0007\u202e there\n\nfriend', 100)).toBe('hi there friend');
    expect(safeText('x'.repeat(500), 20)).toHaveLength(20);
    expect(escapeMarkup('<img src=x onerror=alert(1)> & "q"')).toBe('&lt;img src=x onerror=alert(1)&gt; &amp; &quot;q&quot;');
  });
});
