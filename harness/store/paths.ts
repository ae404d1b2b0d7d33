/** Where results go by default: apart from store.ts, so that a command line can name it without loading SQLite. */
export const DEFAULT_DB_PATH = 'results/algobench.sqlite';
