// The database a server runs on: PostgreSQL when a URL is given, otherwise the SQLite file, migrated
// to this server's schema before anything reads it.
import type { Database } from './engine';
import { migratePostgres, migrateSqlite } from './migrations';
import { PostgresDatabase } from './postgres';
import { SqliteDatabase } from './sqlite';

export interface DatabaseChoice {
  dbFile?: string;
  databaseUrl?: string;
  poolSize?: number;
  pgWriters?: number;
}

export async function openDatabase(opts: DatabaseChoice, log: (msg: string, err?: unknown) => void): Promise<Database> {
  if (opts.databaseUrl) {
    const pgdb = new PostgresDatabase(opts.databaseUrl, { poolSize: opts.poolSize, writers: opts.pgWriters, log });
    try {
      await migratePostgres(pgdb);
    } catch (err) {
      await pgdb.close();
      throw err;
    }
    return pgdb;
  }
  if (opts.dbFile) {
    const sqlite = new SqliteDatabase(opts.dbFile);
    migrateSqlite(sqlite);
    return sqlite;
  }
  throw new Error('createServer: give dbFile (SQLite) or databaseUrl (PostgreSQL)');
}
