// npm run server -- --port 4010 --db ./data/workspace.sqlite [--seed N] [--simulate]
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { createServer } from './http/app';

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '4010' },
    db: { type: 'string', default: './data/workspace.sqlite' },
    seed: { type: 'string', default: '1' },
    contacts: { type: 'string', default: '500' },
    simulate: { type: 'boolean', default: false },
    host: { type: 'string', default: '127.0.0.1' },
  },
});

const port = Number(values.port);
const seed = Number(values.seed);
const contacts = Number(values.contacts);
if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port: ${values.port} is not a port`);
if (!Number.isInteger(seed)) throw new Error(`--seed: ${values.seed} is not a whole number`);
if (!Number.isInteger(contacts) || contacts < 1) throw new Error(`--contacts: ${values.contacts} is not a positive whole number`);

const dbFile = resolve(values.db!);
mkdirSync(dirname(dbFile), { recursive: true });
const server = await createServer({ dbFile, port, host: values.host, demo: { seed, contacts }, simulate: values.simulate });
console.log(`IS-Messenger workspace server on ${server.url} (database ${dbFile})`);
if (server.demo) {
  console.log(`Demo workspace created (seed ${seed}). Password for every demo user: ${server.demo.password}`);
  for (const u of server.demo.users.slice(0, 20)) console.log(`  ${u.role.padEnd(8)} ${u.email.padEnd(22)} ${u.name}`);
  console.log(`Custom channel ${server.demo.channel.id}, secret ${server.demo.channel.secret}`);
}
if (values.simulate) console.log('Simulating contacts writing in every few seconds.');
const stop = async () => {
  await server.close();
  process.exit(0);
};
process.on('SIGINT', () => void stop());
process.on('SIGTERM', () => void stop());
