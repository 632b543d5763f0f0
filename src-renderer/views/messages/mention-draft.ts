// A draft shows mentions as "@Name" and sends them as {{@user.ID}}. Each mention inserted from the
// picker keeps the id it stands for and where it stands in the text, so two teammates with the same
// name stay distinct; typing inside a mention turns it back into plain text.
import type { DraftMention as SavedMention } from '../../../src-shared/desktop/api';
import { formatMention } from '../../../src-shared/mentions';

/** A mention in the draft: the user it stands for, the name shown, and where its "@" is. */
export type DraftMention = Required<SavedMention>;

const shown = (m: { name: string }) => `@${m.name}`;
const endOf = (m: DraftMention) => m.at + m.name.length + 1;
const byPlace = (a: DraftMention, b: DraftMention) => a.at - b.at;

/**
 * The mentions still standing once the text changed from `before` to `after`: those before or after
 * the changed part move with the text, those it touched are gone. `caret` (where the caret is after
 * the change) says which of two identical neighbours was typed or deleted.
 */
export function afterEdit(before: string, after: string, mentions: readonly DraftMention[], caret = after.length): DraftMention[] {
  if (mentions.length === 0 || before === after) return [...mentions];
  const maxSuffix = Math.max(0, Math.min(before.length, after.length, after.length - caret));
  let suffix = 0;
  while (suffix < maxSuffix && before[before.length - 1 - suffix] === after[after.length - 1 - suffix]) suffix++;
  const maxPrefix = Math.min(before.length, after.length) - suffix;
  let prefix = 0;
  while (prefix < maxPrefix && before[prefix] === after[prefix]) prefix++;
  const changedEnd = before.length - suffix;
  const shift = after.length - before.length;
  return mentions.flatMap((m) => (endOf(m) <= prefix ? [m] : m.at >= changedEnd ? [{ ...m, at: m.at + shift }] : []));
}

/** Replaces the "@query" typed at [start, caret) with the user's "@Name " and remembers who it stands for. */
export function insertMention(
  text: string,
  mentions: readonly DraftMention[],
  place: { start: number; caret: number },
  user: { id: string; name: string },
): { text: string; mentions: DraftMention[]; caret: number } {
  const inserted = `${shown(user)} `;
  const next = text.slice(0, place.start) + inserted + text.slice(place.caret);
  const caret = place.start + inserted.length;
  const kept = afterEdit(text, next, mentions, caret);
  return { text: next, caret, mentions: [...kept, { id: user.id, name: user.name, at: place.start }].sort(byPlace) };
}

/** The text to send: each mention's "@Name" becomes {{@user.ID}}; the rest is sent as typed. */
export function toSentText(text: string, mentions: readonly DraftMention[]): string {
  let out = '';
  let from = 0;
  for (const m of [...mentions].sort(byPlace)) {
    // A mention no longer where it was is plain text (it cannot happen through afterEdit; a saved draft could hold one).
    if (m.at < from || text.slice(m.at, endOf(m)) !== shown(m)) continue;
    out += text.slice(from, m.at) + formatMention(m.id);
    from = endOf(m);
  }
  return out + text.slice(from);
}

/** A saved draft's mentions, placed: one saved without its place takes the first "@Name" of its name not taken yet. */
export function placeMentions(text: string, saved: readonly SavedMention[]): DraftMention[] {
  const placed: DraftMention[] = [];
  for (const m of saved) {
    let at = m.at ?? text.indexOf(shown(m));
    while (m.at === undefined && at !== -1 && placed.some((p) => p.at === at)) at = text.indexOf(shown(m), at + 1);
    if (at !== -1) placed.push({ id: m.id, name: m.name, at });
  }
  return placed.sort(byPlace);
}

/** An "@query" being typed right before the caret (at the start or after a space), or null. */
export function mentionQueryAt(text: string, caret: number): { start: number; query: string } | null {
  const before = text.slice(0, caret);
  const m = /(^|\s)@([^\s@]{0,40})$/.exec(before);
  if (!m) return null;
  return { start: caret - m[2].length - 1, query: m[2] };
}
