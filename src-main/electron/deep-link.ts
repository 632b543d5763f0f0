// ismessenger:// deep links: `ismessenger://conversation/ID` opens that conversation.
// Pure (no electron import): the shell and the unit tests share it. A link comes from outside the
// app (a browser, another program, the command line), so it is parsed strictly and anything else
// is ignored.
import { Id } from '../../src-shared/model';

export const PROTOCOL = 'ismessenger';

const MAX_URL = 300;

export interface DeepLink {
  contactId: string;
}

/**
 * Exactly `ismessenger://conversation/ID` (scheme and host in any case, an optional trailing slash)
 * → `{ contactId }`; anything else → null. Matched on the raw text, not through a URL parser, which
 * would quietly normalize `conversation/x/../ID`, percent-escapes or a `user@` part into something
 * that looks valid.
 */
const LINK = /^ismessenger:\/\/conversation\/([^/?#]+)\/?$/i;

export function parseDeepLink(raw: unknown): DeepLink | null {
  if (typeof raw !== 'string' || raw.length > MAX_URL) return null;
  const m = LINK.exec(raw);
  if (!m || !Id.safeParse(m[1]).success) return null;
  return { contactId: m[1] };
}

/** The first deep link among command-line arguments (Windows and Linux pass the link in argv). */
export function deepLinkFromArgv(argv: readonly string[]): DeepLink | null {
  for (const arg of argv) {
    if (typeof arg !== 'string' || !arg.toLowerCase().startsWith(`${PROTOCOL}:`)) continue;
    const link = parseDeepLink(arg);
    if (link) return link;
  }
  return null;
}
