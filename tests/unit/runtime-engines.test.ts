// What a clean `npm install` puts beside the app at run time must run on the Node we declare in
// `engines`: a runtime dependency that asks for a newer Node prints an engine warning on install,
// and may use APIs our Node lacks. Development tools (electron, electron-builder) are not shipped
// to the server or inside the package, so they are left out.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import semver from 'semver';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(__dirname, '..', '..');
const manifest = JSON.parse(readFileSync(resolve(ROOT, 'package.json'), 'utf8')) as { engines: { node: string } };
const lock = JSON.parse(readFileSync(resolve(ROOT, 'package-lock.json'), 'utf8')) as {
  packages: Record<string, { version?: string; dev?: boolean; engines?: { node?: string } | string[] }>;
};

describe('runtime dependencies and the declared Node', () => {
  it('every package installed for run time accepts the oldest Node that package.json declares', () => {
    const oldest = semver.minVersion(manifest.engines.node)?.version;
    expect(oldest, 'engines.node names a lowest version').toBeTruthy();
    const refusing: string[] = [];
    for (const [path, entry] of Object.entries(lock.packages)) {
      if (path === '' || entry.dev) continue;
      const wants = !Array.isArray(entry.engines) ? entry.engines?.node : undefined;
      if (wants && !semver.satisfies(oldest!, wants)) refusing.push(`${path.replace(/^.*node_modules\//, '')}@${entry.version} needs node ${wants}`);
    }
    expect(refusing).toEqual([]);
  });
});
