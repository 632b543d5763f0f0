// The Electron shell's own rules, in the parts that need no Electron (src-main/electron modules
// that do not import it): deep links, its command line, which pages may call the desktop API, the
// CSP, window placement, the badge, and where the session token goes.
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseShellArgs } from '../../src-main/electron/args';
import { badgeCount, trayTooltip } from '../../src-main/electron/badge';
import { unreadBadge } from '../../src-shared/unread';
import { fallbackPageUrl, withCsp } from '../../src-main/electron/csp';
import { CONTENT_SECURITY_POLICY, META_CONTENT_SECURITY_POLICY } from '../../src-shared/desktop/csp';
import { cspMeta } from '../../src-renderer/vite.config';
import { spellcheckFor } from '../../src-main/electron/spellcheck';
import { deepLinkFromArgv, parseDeepLink } from '../../src-main/electron/deep-link';
import { SafeTokenStore, type Cipher } from '../../src-main/electron/token-store';
import { isTrustedPageUrl, senderRefusal, trustedPages } from '../../src-main/electron/trust';
import { DEFAULT_STATE, MIN_HEIGHT, MIN_WIDTH, restoreWindowState, windowStateToSave } from '../../src-main/electron/window-state';

describe('ismessenger:// deep links', () => {
  it('reads ismessenger://conversation/ID', () => {
    expect(parseDeepLink('ismessenger://conversation/C_42')).toEqual({ contactId: 'C_42' });
    expect(parseDeepLink('ismessenger://conversation/abc-DEF_9/')).toEqual({ contactId: 'abc-DEF_9' });
    expect(parseDeepLink('ISMESSENGER://Conversation/x1')).toEqual({ contactId: 'x1' });
  });

  it.each([
    ['another scheme', 'https://conversation/C1'],
    ['another host', 'ismessenger://settings/C1'],
    ['no id', 'ismessenger://conversation/'],
    ['no slashes', 'ismessenger:conversation/C1'],
    ['extra path', 'ismessenger://conversation/C1/extra'],
    ['a query', 'ismessenger://conversation/C1?x=1'],
    ['a fragment', 'ismessenger://conversation/C1#top'],
    ['credentials', 'ismessenger://user:pw@conversation/C1'],
    ['a port', 'ismessenger://conversation:99/C1'],
    ['percent escapes', 'ismessenger://conversation/C%2F1'],
    ['dots', 'ismessenger://conversation/..'],
    ['markup', 'ismessenger://conversation/<script>'],
    ['spaces', 'ismessenger://conversation/a b'],
    ['an id too long', `ismessenger://conversation/${'a'.repeat(65)}`],
    ['a huge url', `ismessenger://conversation/${'a'.repeat(400)}`],
    ['not a url', 'conversation C1'],
  ])('ignores %s', (_what, url) => {
    expect(parseDeepLink(url)).toBeNull();
  });

  it('ignores what is not a string', () => {
    for (const v of [undefined, null, 42, {}, ['ismessenger://conversation/C1']]) expect(parseDeepLink(v)).toBeNull();
  });

  it('finds the link among command-line arguments, skipping Chromium switches and bad links', () => {
    const argv = [
      '/usr/bin/is-messenger',
      '--no-sandbox',
      'ismessenger://conversation/../etc',
      '--allow-file-access-from-files',
      'ismessenger://conversation/C7',
    ];
    expect(deepLinkFromArgv(argv)).toEqual({ contactId: 'C7' });
    expect(deepLinkFromArgv(['/usr/bin/is-messenger', '.'])).toBeNull();
  });
});

describe('the shell command line', () => {
  it('reads --server=URL, --data-dir=DIR and a deep link', () => {
    expect(parseShellArgs(['electron', 'main.cjs', '--server=http://127.0.0.1:4010/', '--data-dir=/tmp/x', 'ismessenger://conversation/C1'])).toEqual({
      serverUrl: 'http://127.0.0.1:4010',
      dataDir: '/tmp/x',
      deepLink: { contactId: 'C1' },
    });
  });

  it('takes the environment when the switches are absent, and refuses servers that are not http(s)', () => {
    expect(parseShellArgs(['electron'], { ISM_SERVER_URL: 'https://chat.example.com', ISM_DATA_DIR: '/d' })).toMatchObject({
      serverUrl: 'https://chat.example.com',
      dataDir: '/d',
    });
    for (const bad of ['file:///etc/passwd', 'javascript:alert(1)', 'not a url', '']) expect(parseShellArgs([`--server=${bad}`]).serverUrl).toBeNull();
    expect(parseShellArgs(['electron', '--server', 'http://a'])).toEqual({ serverUrl: null, dataDir: null, deepLink: null });
  });
});

describe('which pages may call the desktop API', () => {
  const rendererFile = join(tmpdir(), 'app', 'dist', 'renderer', 'index.html');
  const fallback = fallbackPageUrl(rendererFile);
  const pages = trustedPages(rendererFile, fallback);
  const renderer = pathToFileURL(rendererFile).href;

  it('trusts the renderer file (any #route) and the fallback page', () => {
    expect(isTrustedPageUrl(renderer, pages)).toBe(true);
    expect(isTrustedPageUrl(`${renderer}#/inbox/C1`, pages)).toBe(true);
    expect(isTrustedPageUrl(fallback, pages)).toBe(true);
    // The same page with its text escaped differently (as a browser may report it).
    expect(isTrustedPageUrl(fallback.replace(/%21/g, '!').replace(/!/g, '%21'), pages)).toBe(true);
  });

  it('trusts nothing else', () => {
    for (const url of [
      `${renderer}?evil=1`,
      pathToFileURL(join(tmpdir(), 'app', 'dist', 'renderer', 'other.html')).href,
      pathToFileURL(join(tmpdir(), 'Downloads', 'index.html')).href,
      renderer.replace('file:///', 'file://evil.example.com/'),
      'https://example.com/index.html',
      'data:text/html,<h1>hi</h1>',
      `${fallback}x`,
      'about:blank',
      '',
      null,
      undefined,
    ]) {
      expect(isTrustedPageUrl(url, pages), String(url)).toBe(false);
    }
  });

  it('refuses other windows, iframes and frames that went away', () => {
    expect(senderRefusal({ fromMainWindow: true, isMainFrame: true, url: renderer }, pages)).toBeNull();
    expect(senderRefusal({ fromMainWindow: false, isMainFrame: true, url: renderer }, pages)).toMatch(/main window/);
    expect(senderRefusal({ fromMainWindow: true, isMainFrame: false, url: renderer }, pages)).toMatch(/main frame/);
    expect(senderRefusal({ fromMainWindow: true, isMainFrame: true, url: 'https://example.com/' }, pages)).toMatch(/untrusted page/);
    expect(senderRefusal({ fromMainWindow: true, isMainFrame: true, url: null }, pages)).toMatch(/untrusted page/);
  });
});

describe('the Content-Security-Policy', () => {
  it('is strict: own files only, no inline script, no eval, no plugins, never framed', () => {
    const directives = Object.fromEntries(CONTENT_SECURITY_POLICY.split('; ').map((d) => [d.split(' ')[0], d.split(' ').slice(1)]));
    expect(directives['default-src']).toEqual(["'self'"]);
    expect(directives['script-src']).toEqual(["'self'"]);
    expect(directives['connect-src']).toEqual(["'self'"]);
    expect(directives['img-src']).toEqual(["'self'", 'data:']);
    expect(directives['object-src']).toEqual(["'none'"]);
    expect(directives['frame-ancestors']).toEqual(["'none'"]);
    expect(CONTENT_SECURITY_POLICY).not.toMatch(/unsafe-eval|\*/);
  });

  it("is written into the renderer's index.html at build as a <meta>, equal to the header but for frame-ancestors (ignored there)", () => {
    const html = readFileSync(join(__dirname, '..', '..', 'src-renderer', 'index.html'), 'utf8');
    // No policy written by hand in the page: the build adds the one policy, first in <head>, before anything it governs.
    expect(html).not.toMatch(/<meta\s+http-equiv="Content-Security-Policy"/i);
    const transform = cspMeta().transformIndexHtml as () => { tag: string; attrs: Record<string, string>; injectTo: string }[];
    expect(transform()).toEqual([
      { tag: 'meta', attrs: { 'http-equiv': 'Content-Security-Policy', content: META_CONTENT_SECURITY_POLICY }, injectTo: 'head-prepend' },
    ]);
    expect(`${META_CONTENT_SECURITY_POLICY}; frame-ancestors 'none'`).toBe(CONTENT_SECURITY_POLICY);
  });

  it('replaces whatever CSP a response brought, in any spelling, and keeps the other headers', () => {
    const out = withCsp({ 'content-security-policy': ['default-src *'], 'Content-Type': ['text/html'] });
    expect(out).toEqual({ 'Content-Type': ['text/html'], 'Content-Security-Policy': [CONTENT_SECURITY_POLICY] });
    expect(withCsp(undefined)).toEqual({ 'Content-Security-Policy': [CONTENT_SECURITY_POLICY] });
  });

  it('puts its own CSP in the fallback page (data: pages get no headers), runs no script there, and escapes the path', () => {
    const html = decodeURIComponent(fallbackPageUrl('/opt/<b>&"app"/index.html').replace(/^data:text\/html;charset=utf-8,/, ''));
    expect(html).toContain(`<meta http-equiv="Content-Security-Policy" content="default-src 'none'`);
    expect(html).toContain('/opt/&lt;b&gt;&amp;&quot;app&quot;/index.html');
    expect(html).not.toMatch(/<script/i);
  });
});

describe('spellcheck', () => {
  it("only with the OS's own spell checker (macOS); off where Chromium downloads dictionaries (Windows, Linux)", () => {
    expect(spellcheckFor('darwin')).toBe(true);
    for (const os of ['linux', 'win32', 'freebsd'] as const) expect(spellcheckFor(os)).toBe(false);
  });
});

describe('window size and position', () => {
  const screen = { x: 0, y: 0, width: 1920, height: 1040 };
  const right = { x: 1920, y: 0, width: 1280, height: 1024 };

  it('opens at the default size, placed by the OS, the first time or when what was saved is garbage', () => {
    for (const saved of [undefined, null, 'x', 42, { width: 'wide' }, { width: NaN, height: Infinity }]) {
      expect(restoreWindowState(saved, [screen])).toEqual(DEFAULT_STATE);
    }
  });

  it('restores a saved position on an attached display, and maximized', () => {
    const saved = windowStateToSave({ x: 100, y: 80, width: 1000, height: 700 }, true);
    expect(restoreWindowState(saved, [screen])).toEqual({ x: 100, y: 80, width: 1000, height: 700, maximized: true });
    expect(restoreWindowState({ x: 2000, y: 10, width: 1000, height: 700, maximized: false }, [screen, right])).toMatchObject({ x: 2000, y: 10 });
  });

  it('drops a position that is off every display now (monitor unplugged), keeping the size', () => {
    expect(restoreWindowState({ x: 2000, y: 10, width: 1000, height: 700, maximized: false }, [screen])).toEqual({
      width: 1000,
      height: 700,
      maximized: false,
    });
    expect(restoreWindowState({ x: 100, y: -650, width: 1000, height: 700, maximized: false }, [screen])).toEqual({
      width: 1000,
      height: 700,
      maximized: false,
    });
  });

  it('keeps the size between the minimum and the largest display', () => {
    expect(restoreWindowState({ width: 10, height: 10 }, [screen])).toMatchObject({ width: MIN_WIDTH, height: MIN_HEIGHT });
    expect(restoreWindowState({ width: 9000, height: 9000 }, [screen, right])).toMatchObject({ width: 1920, height: 1040 });
  });
});

describe('the unread badge', () => {
  it('takes a whole count ≥ 0 from the core event', () => {
    expect(badgeCount({ count: 3 })).toBe(3);
    expect(badgeCount({ count: -1 })).toBe(0);
    expect(badgeCount({ count: 'x' })).toBe(0);
    expect(badgeCount(2.7)).toBe(2);
    expect(badgeCount(null)).toBe(0);
  });

  it('says it in the tooltip and on the badge', () => {
    expect(trayTooltip(0)).toBe('IS-Messenger');
    expect(trayTooltip(1)).toBe('IS-Messenger: 1 unread notification');
    expect(trayTooltip(5)).toBe('IS-Messenger: 5 unread notifications');
    expect([unreadBadge(0), unreadBadge(7), unreadBadge(150)]).toEqual(['', '7', '99+']);
  });
});

describe('the session token store (safeStorage)', () => {
  // A stand-in for safeStorage: reversible, and visibly not the plaintext.
  class TestCipher implements Cipher {
    on = true;
    key = 0x5a;
    available() {
      return this.on;
    }
    encrypt(plain: string) {
      return Buffer.from([0x01, ...Buffer.from(plain).map((b) => b ^ this.key)]);
    }
    decrypt(sealed: Buffer) {
      if (sealed[0] !== 0x01) throw new Error('not sealed by us');
      return Buffer.from(sealed.subarray(1).map((b) => b ^ this.key)).toString();
    }
  }
  let dir: string;
  let file: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'ism-token-'));
    file = join(dir, 'session-token.bin');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('keeps the token encrypted in a private file, and reads it back after a restart', () => {
    const cipher = new TestCipher();
    new SafeTokenStore(file, cipher).save('tok_secret_123');
    expect(readFileSync(file).toString('latin1')).not.toContain('tok_secret_123');
    if (process.platform !== 'win32') expect(statSync(file).mode & 0o077).toBe(0);
    expect(new SafeTokenStore(file, cipher).load()).toBe('tok_secret_123');
  });

  it('sign-out deletes the file', () => {
    const store = new SafeTokenStore(file, new TestCipher());
    store.save('tok');
    store.save(null);
    expect(existsSync(file)).toBe(false);
    expect(store.load()).toBeNull();
  });

  it('without OS encryption: never writes the token, keeps it for this run only', () => {
    const cipher = new TestCipher();
    cipher.on = false;
    const store = new SafeTokenStore(file, cipher);
    expect(store.persistence).toBe('memory-only');
    store.save('tok_plain');
    expect(existsSync(file)).toBe(false);
    expect(store.load()).toBe('tok_plain');
    expect(new SafeTokenStore(file, cipher).load()).toBeNull();
  });

  it('a file it cannot decrypt (another keychain, damage) means signed out, and is removed', () => {
    writeFileSync(file, 'garbage');
    const logged: string[] = [];
    expect(new SafeTokenStore(file, new TestCipher(), (m) => logged.push(m)).load()).toBeNull();
    expect(existsSync(file)).toBe(false);
    expect(logged[0]).toMatch(/cannot be read/);
  });
});
