// Where the desktop sends a password: https:// anywhere, http:// only to this machine or to a server
// the machine policy lists (allow_insecure_servers). Anything else is refused in the core, in words,
// before a single byte leaves for that address. "http://0.0.0.0:PORT" reaches a listener on this
// machine without being a loopback name: it stands for a server on another host.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parsePolicy, policyView } from '../../src-main/core/policy/policy';
import { MemoryStore } from '../../src-main/core/service/ports';
import { eventually, startDesktop } from '../support/desktop';
import { startServer, type TestServer } from '../support/server';

/** A listener that records every request it gets (as another machine's server would). */
let listener: Server;
let seen: { url: string; body: string }[] = [];
let port = 0;
let workspace: TestServer;

beforeAll(async () => {
  listener = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      seen.push({ url: req.url ?? '', body });
      res.writeHead(401, { 'content-type': 'application/json' }).end(JSON.stringify({ code: 'unauthorized', message: 'no' }));
    });
  });
  await new Promise<void>((r) => listener.listen(0, '127.0.0.1', r));
  port = (listener.address() as AddressInfo).port;
  workspace = await startServer();
});
afterAll(async () => {
  await new Promise((r) => listener.close(r));
  await workspace?.stop();
});

const signIn = (d: Awaited<ReturnType<typeof startDesktop>>, server_url: string) =>
  d.service.handle({ kind: 'command', name: 'signIn', input: { server_url, email: 'manager@demo.test', password: 'demo-password' } });

describe('sign-in only where the password travels encrypted', () => {
  it('http:// to another machine is refused with the reason in words, and nothing is sent there', async () => {
    seen = [];
    const d = await startDesktop();
    try {
      const r = await signIn(d, `http://0.0.0.0:${port}`);
      expect(r).toMatchObject({ ok: false, code: 'insecure_server' });
      expect(!r.ok && r.message).toMatch(/not a secure address \(http:\/\/\).*https:\/\//);
      expect(seen).toEqual([]);
      expect(d.service.session().state).toBe('signed_out');
    } finally {
      await d.stop();
    }
  });

  it('setting up a workspace, or asking whether one needs it, follows the same rule: nothing is sent over http:// to another machine', async () => {
    seen = [];
    const d = await startDesktop();
    try {
      const server_url = `http://0.0.0.0:${port}`;
      const status = await d.service.handle({ kind: 'query', name: 'setupStatus', input: { server_url } });
      expect(status).toMatchObject({ ok: false, code: 'insecure_server' });
      const setup = await d.service.handle({
        kind: 'command',
        name: 'setUpWorkspace',
        input: { server_url, code: 'abcd-efgh-jkmn-pqrs', workspace_name: 'Acme', name: 'Fran', email: 'fran@acme.test', password: 'violet-harbor-lantern' },
      });
      expect(setup).toMatchObject({ ok: false, code: 'insecure_server' });
      expect(!setup.ok && setup.message).toMatch(/not a secure address \(http:\/\/\)/);
      expect(seen).toEqual([]);
      expect(d.service.session().state).toBe('signed_out');
    } finally {
      await d.stop();
    }
  });

  it('file:, javascript: and other schemes are refused in words, not as a schema error', async () => {
    const d = await startDesktop();
    try {
      for (const url of ['file:///etc/passwd', 'javascript:alert(1)', 'ftp://files.example.com', 'data:text/html,hi', 'not a url']) {
        const r = await signIn(d, url);
        expect(r, url).toMatchObject({ ok: false });
        if (r.ok) continue;
        expect(r.code, url).toBe('insecure_server');
        expect(r.message, url).not.toMatch(/server_url|Invalid URL/);
        expect(r.message, url).toMatch(/server address/);
      }
    } finally {
      await d.stop();
    }
  });

  it('http:// to this machine (127.0.0.1, localhost) signs in, as npm start and the tests do', async () => {
    const d = await startDesktop();
    try {
      const local = workspace.url.replace('127.0.0.1', 'localhost');
      expect(await signIn(d, local)).toMatchObject({ ok: true });
      await eventually(() => d.service.session().state === 'ready', 10_000, 'the first sync');
    } finally {
      await d.stop();
    }
  });

  it('an http:// server the machine policy lists is allowed: the sign-in goes there', async () => {
    seen = [];
    const address = `http://0.0.0.0:${port}`;
    const policy = parsePolicy({ allow_insecure_servers: [address] }).policy;
    const d = await startDesktop({ policy: policyView(policy) });
    try {
      // The recording server answers 401 to everything: the request reached it.
      expect(await signIn(d, address)).toMatchObject({ ok: false, code: 'wrong_password' });
      expect(seen.map((s) => s.url)).toEqual(['/api/v1/auth/sign-in']);
    } finally {
      await d.stop();
    }
  });

  it('a session saved for an http:// address on another machine is not resumed: its token is not sent there', async () => {
    seen = [];
    const store = new MemoryStore();
    store.set('server_url', `http://0.0.0.0:${port}`);
    store.save('a-saved-session-token');
    const d = await startDesktop({ store });
    try {
      expect(d.service.session().state).toBe('signed_out');
      expect(store.load()).toBeNull();
      await new Promise((r) => setTimeout(r, 200));
      expect(seen).toEqual([]);
    } finally {
      await d.stop();
    }
  });
});
