// The statements of the cache file (Cache implements it): what the modules beside cache.ts that it
// uses itself (the outbox rows, the entity store, drafts) write through, without importing it back.
export interface Sql {
  get<T>(sql: string, ...params: unknown[]): T | undefined;
  all<T>(sql: string, ...params: unknown[]): T[];
  run(sql: string, ...params: unknown[]): void;
}
