// Which server addresses the desktop may send a password (and then a session token) to: https://
// anywhere; http:// only to this machine (loopback) or to an address the machine policy lists
// (`allow_insecure_servers`). Every other scheme is refused. The core checks every address that
// enters (sign-in, workspace setup and its status, the saved session, the policy, --server); the
// reason is worded for the sign-in screen.

export type ServerAddressCheck = { ok: true; url: string } | { ok: false; reason: string };

const MAX_LENGTH = 500;

/** localhost, 127.0.0.0/8 and ::1 (as the URL parser writes them). */
function isLoopbackHost(hostname: string): boolean {
  const h = hostname.toLowerCase();
  return h === 'localhost' || h === '[::1]' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h);
}

/** An address's origin ("http://host:port"), the form `allow_insecure_servers` entries are compared in; null if not http(s). */
export function serverOrigin(raw: string): string | null {
  try {
    const u = new URL(raw);
    return u.protocol === 'http:' || u.protocol === 'https:' ? u.origin : null;
  } catch {
    return null;
  }
}

/**
 * The address, normalized (no trailing slash), when the desktop may sign in there; otherwise the
 * reason, in words. `insecureAllowed`: origins the machine policy allows over plain http://.
 */
export function checkServerAddress(raw: string, insecureAllowed: readonly string[] = []): ServerAddressCheck {
  const text = raw.trim();
  if (!text) return { ok: false, reason: 'Enter the server address, for example https://messenger.example.com.' };
  if (text.length > MAX_LENGTH) return { ok: false, reason: 'This server address is too long.' };
  let u: URL;
  try {
    u = new URL(text);
  } catch {
    return { ok: false, reason: `"${text.slice(0, 80)}" is not a server address. Enter one like https://messenger.example.com.` };
  }
  if (u.protocol !== 'https:' && u.protocol !== 'http:') {
    return { ok: false, reason: 'The server address must start with https://.' };
  }
  if (u.username || u.password) return { ok: false, reason: 'The server address must not contain a user name or password.' };
  if (u.search || u.hash) return { ok: false, reason: 'The server address must not contain "?" or "#".' };
  if (u.protocol === 'http:' && !isLoopbackHost(u.hostname) && !insecureAllowed.includes(u.origin)) {
    return {
      ok: false,
      reason: `${u.host} is not a secure address (http://): your password would travel unencrypted. Use the server's https:// address.`,
    };
  }
  return { ok: true, url: u.href.replace(/\/+$/, '') };
}
