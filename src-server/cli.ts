// npm run server -- --port 4010 --db ./data/workspace.sqlite                       (your workspace: prints a setup code)
// npm run server -- --port 4010 --db ./data/demo.sqlite --demo [--seed N] [--simulate]   (the demo workspace)
// npm run server -- --port 4011 --database-url postgres://user:password@host:5432/db   (PostgreSQL; run several on one database)
// Exposed to other machines: --tls-cert FILE --tls-key FILE (HTTPS), or behind a reverse proxy with
// --trust-proxy ADDRESSES; either way --public-url URL, the address people use (README).
// --allow-private-webhooks lets webhooks reach loopback and private addresses (docs/webhooks.md).
import { mkdirSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { createServer } from './http/app';

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '4010' },
    db: { type: 'string', default: './data/workspace.sqlite' },
    'database-url': { type: 'string' },
    seed: { type: 'string', default: '1' },
    contacts: { type: 'string', default: '500' },
    demo: { type: 'boolean', default: false },
    simulate: { type: 'boolean', default: false },
    host: { type: 'string', default: '127.0.0.1' },
    'tls-cert': { type: 'string' },
    'tls-key': { type: 'string' },
    'public-url': { type: 'string', multiple: true },
    'trust-proxy': { type: 'string' },
    'allow-private-webhooks': { type: 'boolean', default: false },
    'feed-retention-days': { type: 'string', default: '30' },
  },
});

const port = Number(values.port);
const seed = Number(values.seed);
const contacts = Number(values.contacts);
if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port: ${values.port} is not a port`);
if (!Number.isInteger(seed)) throw new Error(`--seed: ${values.seed} is not a whole number`);
const feedRetentionDays = Number(values['feed-retention-days']);
if (!(feedRetentionDays > 0)) throw new Error(`--feed-retention-days: ${values['feed-retention-days']} is not a positive number of days`);
if (!Number.isInteger(contacts) || contacts < 1) throw new Error(`--contacts: ${values.contacts} is not a positive whole number`);

if (!values['tls-cert'] !== !values['tls-key'])
  throw new Error('--tls-cert and --tls-key go together: the certificate (PEM, with its chain) and its private key');
const tls = values['tls-cert'] ? { cert: readFileSync(values['tls-cert']), key: readFileSync(values['tls-key']!) } : undefined;
const publicUrls = values['public-url'] ?? [];
for (const u of publicUrls) if (!/^https?:\/\/[^/]+/.test(u)) throw new Error(`--public-url: ${u} is not an http(s):// address`);
// Comma-separated addresses, CIDR ranges or names (loopback, linklocal, uniquelocal) of the proxies to believe.
const trustProxy = values['trust-proxy']
  ?.split(',')
  .map((a) => a.trim())
  .filter(Boolean);

const databaseUrl = values['database-url'] ?? process.env.ISM_DATABASE_URL;
if (databaseUrl && !/^postgres(ql)?:\/\//.test(databaseUrl)) throw new Error('--database-url: give a postgres://… URL');
const dbFile = resolve(values.db!);
if (!databaseUrl) mkdirSync(dirname(dbFile), { recursive: true });
const server = await createServer({
  ...(databaseUrl ? { databaseUrl } : { dbFile }),
  port,
  host: values.host,
  tls,
  publicUrls,
  ...(trustProxy?.length && { trustProxy }),
  demo: values.demo ? { seed, contacts } : false,
  feedRetentionDays,
  // Simulated contacts belong to the demo: never written into a real workspace.
  simulate: values.demo && values.simulate,
  allowPrivateWebhooks: values['allow-private-webhooks'],
});
const where = databaseUrl ? `PostgreSQL ${new URL(databaseUrl).host}${new URL(databaseUrl).pathname}` : dbFile;
console.log(`IS-Messenger workspace server on ${server.url} (database ${where})`);
if (server.demo) {
  console.log(`Demo workspace created (seed ${seed}). Password for every demo user: ${server.demo.password}`);
  for (const u of server.demo.users.slice(0, 20)) console.log(`  ${u.role.padEnd(8)} ${u.email.padEnd(22)} ${u.name}`);
  console.log(`Custom channel ${server.demo.channel.id}, secret ${server.demo.channel.secret}`);
}
// The app's "Set up this workspace" asks for it (valid 24 hours, once; each start prints a fresh one).
if (server.setupCode) console.log(`setup code: ${server.setupCode}`);
if (!tls && !trustProxy?.length && !['127.0.0.1', 'localhost', '::1'].includes(values.host!)) {
  console.warn(
    `Warning: plain HTTP on ${values.host}: passwords and session tokens would cross the network in clear. ` +
      'Give --tls-cert and --tls-key, or listen on 127.0.0.1 behind a TLS proxy with --trust-proxy (README).',
  );
}
if (values['allow-private-webhooks']) console.log('Webhooks may reach loopback and private addresses (--allow-private-webhooks).');
if (values.simulate && !values.demo) console.log('--simulate goes with --demo: ignored.');
else if (values.simulate) console.log('Simulating contacts writing in every few seconds.');
const stop = async () => {
  await server.close();
  process.exit(0);
};
process.on('SIGINT', () => void stop());
process.on('SIGTERM', () => void stop());
