// A scratch PostgreSQL database for tests and benchmarks: created empty on the cluster an admin URL
// points at (scripts/pg-test-cluster.sh starts a private one), and dropped afterwards.
import { randomBytes } from 'node:crypto';
import postgres from 'postgres';

export async function createScratchDatabase(adminUrl: string, prefix: string): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `${prefix}_${randomBytes(6).toString('hex')}`;
  const exec = async (sql: string) => {
    const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
    try {
      await admin.unsafe(sql);
    } finally {
      await admin.end({ timeout: 5 });
    }
  };
  await exec(`CREATE DATABASE ${name} TEMPLATE template0 ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C'`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return { url: url.toString(), drop: () => exec(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`) };
}
