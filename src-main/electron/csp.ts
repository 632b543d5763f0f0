// The Content-Security-Policy of every page the window shows, and the built-in page shown when the
// renderer is not built yet. Pure (no electron import).

/**
 * Everything comes from the app's own files; nothing inline runs; no plugins; never framed. Styles
 * may be inline because React sets style attributes. The renderer never talks to the network
 * (it reaches main through the desktop API), so connect-src stays 'self'.
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
 * The same policy for the `<meta>` tag in src-renderer/index.html (a unit test keeps them equal), so
 * the page carries it wherever it is loaded, not only where the header is injected. Browsers ignore
 * frame-ancestors in a `<meta>` (and warn about it): it is left to the header.
 */
export const META_CONTENT_SECURITY_POLICY = DIRECTIVES.filter((d) => !d.startsWith('frame-ancestors ')).join('; ');

/**
 * Response headers with the app's CSP, replacing any the response brought (header names are
 * case-insensitive, so every spelling of Content-Security-Policy is dropped first).
 */
export function withCsp(headers: Record<string, string[]> | undefined): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const [k, v] of Object.entries(headers ?? {})) {
    if (k.toLowerCase() !== 'content-security-policy') out[k] = v;
  }
  out['Content-Security-Policy'] = [CONTENT_SECURITY_POLICY];
  return out;
}

const escapeHtml = (s: string) =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');

/**
 * A small page saying the renderer is not built, as a data: URL. A data: page gets no response
 * headers, so it carries its CSP in a <meta> tag (stricter: no scripts at all).
 */
export function fallbackPageUrl(rendererFile: string): string {
  const html = `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; object-src 'none'; base-uri 'none'; form-action 'none'">
<title>IS-Messenger</title>
<style>body{font:15px/1.5 system-ui,sans-serif;margin:3em;color:#222}code{background:#eee;padding:0 .3em}</style>
</head><body>
<h1>IS-Messenger</h1>
<p>The renderer is not built: <code>${escapeHtml(rendererFile)}</code> is missing.</p>
<p>Build it, then start the app again.</p>
</body></html>`;
  return `data:text/html;charset=utf-8,${encodeURIComponent(html)}`;
}
