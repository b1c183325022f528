import type { Config } from '../config.ts';
import type { Db } from '../db/connection.ts';

/** What route modules receive: the database and the validated configuration, nothing global. */
export interface AppDeps {
  db: Db;
  config: Config;
}
