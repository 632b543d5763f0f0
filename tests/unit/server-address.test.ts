// Which server addresses the desktop may sign in to (src-shared/desktop/server-address.ts).
import { describe, expect, it } from 'vitest';
import { checkServerAddress } from '../../src-shared/desktop/server-address';

describe('checkServerAddress', () => {
  it('https:// anywhere; http:// to this machine only', () => {
    for (const ok of [
      'https://messenger.example.com',
      'https://10.0.0.5:8443/ism',
      'http://127.0.0.1:4010',
      'http://127.9.9.9',
      'http://localhost:4010',
      'http://[::1]:4010',
    ]) {
      expect(checkServerAddress(ok), ok).toMatchObject({ ok: true });
    }
    for (const bad of [
      'http://messenger.example.com',
      'http://10.0.0.5:4010',
      'http://0.0.0.0:4010',
      'http://localhost.evil.example',
      'http://127.0.0.1.evil.example',
    ]) {
      const r = checkServerAddress(bad);
      expect(r, bad).toMatchObject({ ok: false });
      expect(!r.ok && r.reason, bad).toMatch(/not a secure address/);
    }
  });

  it('an http:// origin the policy lists is allowed, and only that origin', () => {
    expect(checkServerAddress('http://chat.lan:4010/', ['http://chat.lan:4010'])).toEqual({ ok: true, url: 'http://chat.lan:4010' });
    expect(checkServerAddress('http://chat.lan:4011', ['http://chat.lan:4010'])).toMatchObject({ ok: false });
  });

  it('every other scheme, credentials and junk are refused with a reason in words', () => {
    for (const bad of [
      'file:///etc/passwd',
      'javascript:alert(1)',
      'ws://127.0.0.1:1',
      'https://user:pw@a.example',
      'https://a.example/?x=1',
      'not a url',
      '',
      'x'.repeat(501),
    ]) {
      const r = checkServerAddress(bad);
      expect(r, bad).toMatchObject({ ok: false });
      expect(!r.ok && r.reason, bad).toMatch(/server address|not a secure/i);
    }
  });

  it('normalizes: no trailing slash', () => {
    expect(checkServerAddress(' https://a.example/ism/ ')).toEqual({ ok: true, url: 'https://a.example/ism' });
  });
});
