// The Content-Security-Policy (src-shared/desktop/csp.ts) on every page the window shows, and the
// built-in page shown when the renderer is not built yet. Pure (no electron import).
import { CONTENT_SECURITY_POLICY } from '../../src-shared/desktop/csp';

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

const escapeHtml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');

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
