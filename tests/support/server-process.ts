// The workspace server in a process of its own, so a test can kill it outright (SIGKILL) and start it
// again on the same database. Argument: JSON {dbFile} or {databaseUrl}. Prints one JSON line once
// listening: {url, channel} (channel: the demo channel, when this start created the workspace).
import { createServer } from '../../src-server/http/app';

const where = JSON.parse(process.argv[2]) as { dbFile?: string; databaseUrl?: string };
const server = await createServer({
  ...where,
  demo: { seed: 7, contacts: 20 },
  allowPrivateWebhooks: true,
  // A claim of a killed process is given up soon, so the restarted one resends it without a long wait.
  webhookSchedule: { firstRetryMs: 50, maxRetryMs: 200, claimMs: 1500 },
  log: () => {},
});
process.stdout.write(`${JSON.stringify({ url: server.url, channel: server.demo?.channel ?? null })}\n`);
