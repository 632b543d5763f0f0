// The Content-Security-Policy of the renderer, wherever it is loaded: the Electron window's header,
// host mode's header, and the <meta> the renderer build writes into index.html.

/**
 * Everything comes from the app's own files; nothing inline runs; no plugins; never framed. Styles
 * may be inline because React sets style attributes. The renderer never talks to the network (it
 * reaches main through the desktop API: IPC, or in host mode a WebSocket to its own origin, which
 * 'self' allows), so connect-src stays 'self'.
 */
const DIRECTIVES = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "connect-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
];

export const CONTENT_SECURITY_POLICY = DIRECTIVES.join('; ');

/**
 * The same policy for the page's `<meta>` tag, so the page carries it wherever it is loaded, not only
 * where the header is sent. Browsers ignore frame-ancestors in a `<meta>` (and warn about it): it is
 * left to the header.
 */
export const META_CONTENT_SECURITY_POLICY = DIRECTIVES.filter((d) => !d.startsWith('frame-ancestors ')).join('; ');
