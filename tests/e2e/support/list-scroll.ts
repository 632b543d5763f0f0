// Scrolling the conversation list from top to bottom as fast as frames come, counting the frames in
// which a placeholder row (a row whose page had not arrived) was on screen: the renderer bench's
// figure and the long-list test's check.
import type { Page } from '@playwright/test';

// In-page code goes as text: tsx would wrap named functions in a helper the page does not have.
const SCROLL_WHOLE = `([px]) => new Promise((resolve) => {
  const el = document.querySelector('.conv-list__scroll');
  const times = [];
  let placeholders = 0;
  const frame = (t) => {
    times.push(t);
    const box = el.getBoundingClientRect();
    const shown = [...el.querySelectorAll('.conv-row--skeleton')].some((r) => {
      const b = r.getBoundingClientRect();
      return b.bottom > box.top && b.top < box.bottom;
    });
    if (shown) placeholders += 1;
    if (el.scrollTop + el.clientHeight >= el.scrollHeight) return resolve({ frames: times.slice(1).map((x, i) => x - times[i]), placeholders });
    el.scrollTop += px;
    requestAnimationFrame(frame);
  };
  requestAnimationFrame(frame);
})`;

/** The list scrolled by `px` every frame from where it is to its end: the time between frames, and how many showed placeholder rows. */
export function scrollWholeList(page: Page, px: number): Promise<{ frames: number[]; placeholders: number }> {
  return page.evaluate(`(${SCROLL_WHOLE})(${JSON.stringify([px])})`) as Promise<{ frames: number[]; placeholders: number }>;
}
