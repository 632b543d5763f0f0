// The workspace server in a process of its own, so a test can kill it outright (SIGKILL) and start it
// again on the same database. Argument: JSON {dbFile} or {databaseUrl}, and webhookSchedule if not the
// default. Prints one JSON line once listening: {url, channel} (the demo channel, when this start
// created the workspace).
import { createServer, type ServerOptions } from '../../src-server/http/app';

const where = JSON.parse(process.argv[2]) as Pick<ServerOptions, 'dbFile' | 'databaseUrl' | 'webhookSchedule'>;
const server = await createServer({
  ...where,
  demo: { seed: 7, contacts: 20 },
  allowPrivateWebhooks: true,
  log: () => {},
});
process.stdout.write(`${JSON.stringify({ url: server.url, channel: server.demo?.channel ?? null })}\n`);
// Ended with SIGTERM, it exits as a program does, so a --cpu-prof profile is written.
process.on('SIGTERM', () => process.exit(0));
