// The short one-line form of a text, as lists and notifications show it (server and client alike).
const EXCERPT_CHARS = 140;

export function excerptOf(text: string, max = EXCERPT_CHARS): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}
