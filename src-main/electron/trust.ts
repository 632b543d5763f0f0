// Which pages may call the desktop API: the app's own renderer file, or the built-in page shown
// when the renderer is not built. Pure (no electron import), so it is unit-tested.
import { pathToFileURL } from 'node:url';

export interface TrustedPages {
  /** file:// URL of dist/renderer/index.html. */
  rendererUrl: string;
  /** The data: URL of the "renderer not built" page. */
  fallbackUrl: string;
}

export function trustedPages(rendererFile: string, fallbackUrl: string): TrustedPages {
  return { rendererUrl: pathToFileURL(rendererFile).href, fallbackUrl };
}

/**
 * True when `url` is the renderer file itself (any #fragment: the renderer may route by hash; no
 * query, no other file, no other host) or exactly the fallback page.
 */
export function isTrustedPageUrl(url: unknown, pages: TrustedPages): boolean {
  if (typeof url !== 'string' || url.length === 0) return false;
  const withoutHash = url.split('#', 1)[0];
  if (url.startsWith('data:')) return sameText(withoutHash, pages.fallbackUrl);
  let u: URL;
  let expected: URL;
  try {
    u = new URL(url);
    expected = new URL(pages.rendererUrl);
  } catch {
    return false;
  }
  return (
    u.protocol === 'file:' &&
    expected.protocol === 'file:' &&
    u.host === expected.host &&
    u.username === '' &&
    u.password === '' &&
    u.search === '' &&
    u.pathname === expected.pathname
  );
}

/** Equal as written, or once percent-escapes are decoded (the browser may re-escape a data: URL). */
function sameText(a: string, b: string): boolean {
  if (a === b) return true;
  try {
    return decodeURIComponent(a) === decodeURIComponent(b);
  } catch {
    return false;
  }
}

/** What the IPC handler knows about who sent a call. */
export interface SenderFacts {
  /** The sender's webContents is the main window's. */
  fromMainWindow: boolean;
  /** The sending frame is that window's main (top) frame, not an iframe; false when the frame is gone. */
  isMainFrame: boolean;
  url: string | null;
}

/** Why a call is refused, or null when the sender is trusted. */
export function senderRefusal(facts: SenderFacts, pages: TrustedPages): string | null {
  if (!facts.fromMainWindow) return 'not the main window';
  if (!facts.isMainFrame) return 'not the main frame';
  if (!isTrustedPageUrl(facts.url, pages)) return `untrusted page ${String(facts.url).slice(0, 80)}`;
  return null;
}
