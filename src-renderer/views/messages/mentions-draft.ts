// The composer shows mentions as "@Name" and stores them as {{@user.ID}}: this converts between the two.
import { formatMention } from '../../../src-shared/mentions';

export interface PickedMention {
  id: string;
  name: string;
}

const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The text to store: each "@Name" of a picked user becomes {{@user.ID}}. */
export function toStoredText(text: string, mentions: readonly PickedMention[]): string {
  if (mentions.length === 0) return text;
  const byName = new Map(mentions.map((m) => [m.name, m.id]));
  const names = [...byName.keys()].sort((a, b) => b.length - a.length).map(escapeRe);
  return text.replace(new RegExp(`@(${names.join('|')})`, 'g'), (_, name: string) => formatMention(byName.get(name)!));
}

/** The picked users whose "@Name" is still in the text. */
export function mentionsInText(text: string, mentions: readonly PickedMention[]): PickedMention[] {
  return mentions.filter((m) => text.includes(`@${m.name}`));
}

/** An "@query" being typed right before the caret (at the start or after a space), or null. */
export function mentionQueryAt(text: string, caret: number): { start: number; query: string } | null {
  const before = text.slice(0, caret);
  const m = /(^|\s)@([^\s@]{0,40})$/.exec(before);
  if (!m) return null;
  return { start: caret - m[2].length - 1, query: m[2] };
}
