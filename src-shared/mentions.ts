// Mentions in comments are written {{@user.ID}}.
const MENTION = /\{\{@user\.([A-Za-z0-9_-]{1,64})\}\}/g;

/** The distinct user ids mentioned in a comment, in order of first appearance. */
export function parseMentions(text: string): string[] {
  const seen = new Set<string>();
  for (const m of text.matchAll(MENTION)) seen.add(m[1]);
  return [...seen];
}

export function formatMention(userId: string): string {
  return `{{@user.${userId}}}`;
}

export type CommentPart = { kind: 'text'; text: string } | { kind: 'mention'; userId: string };

/** Splits a comment into plain text and mentions, so a view can render names without interpreting text. */
export function splitMentions(text: string): CommentPart[] {
  const parts: CommentPart[] = [];
  let last = 0;
  for (const m of text.matchAll(MENTION)) {
    const at = m.index ?? 0;
    if (at > last) parts.push({ kind: 'text', text: text.slice(last, at) });
    parts.push({ kind: 'mention', userId: m[1] });
    last = at + m[0].length;
  }
  if (last < text.length) parts.push({ kind: 'text', text: text.slice(last) });
  return parts;
}

/** Plain text with mentions replaced by @Name (for excerpts and OS notifications). */
export function mentionsToNames(text: string, nameOf: (userId: string) => string | undefined): string {
  return splitMentions(text)
    .map((p) => (p.kind === 'text' ? p.text : `@${nameOf(p.userId) ?? 'unknown user'}`))
    .join('');
}
