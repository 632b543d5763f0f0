// The desktop core in a process of its own, as an app runs it (host mode's real stores over a real
// data folder), so a test can stop it cleanly (SIGTERM) or kill it outright (SIGKILL).
// Reads one JSON line per request on stdin: a desktop API call, or {"cached": true} for the contact
// ids in its cache; answers one JSON line each, in order, on stdout.
import { createInterface } from 'node:readline';
import { DesktopService } from '../../src-main/core/service/desktop-service';
import { confStore, fileTokenStore } from '../../src-main/host/stores';

const dataDir = process.argv[2];
const service = new DesktopService({
  dataDir,
  notifier: { show: () => {} },
  tokens: fileTokenStore(dataDir),
  settings: confStore(dataDir),
  sync: { backoffBaseMs: 50, backoffMaxMs: 500 },
});

async function answer(line: string): Promise<unknown> {
  const req = JSON.parse(line) as { cached?: boolean; dieInBackgroundWork?: boolean };
  if (req.dieInBackgroundWork) return dieInBackgroundWork();
  // What the file holds: once the work on it under way in a worker (a rewrite, a scrub) is done.
  if (req.cached) await service.cache?.idle();
  if (req.cached) return { ok: true, value: service.cache?.all<{ id: string }>('SELECT id FROM contacts ORDER BY id').map((r) => r.id) ?? [] };
  return service.handle(req);
}

/**
 * Kills this process (SIGKILL) as soon as the cache has work under way in a worker, before that work
 * is done: a crash in the middle of a rewrite or a scrub. Answers at once.
 */
function dieInBackgroundWork(): unknown {
  const watch = setInterval(() => {
    if (service.cache?.busy) process.kill(process.pid, 'SIGKILL');
  }, 1);
  watch.unref();
  return { ok: true, value: null };
}

await service.start();
process.on('SIGTERM', () => void service.shutdown().then(() => process.exit(0)));
let queue = Promise.resolve();
createInterface({ input: process.stdin }).on('line', (line) => {
  queue = queue.then(async () => {
    const reply = await answer(line).catch((err: Error) => ({ ok: false, code: 'internal', message: err.message }));
    process.stdout.write(`${JSON.stringify(reply)}\n`);
  });
});
process.stdout.write('{"started":true}\n');
