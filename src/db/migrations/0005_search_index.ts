import { sql, type Kysely } from 'kysely';
import type { DialectKind } from '../connection.ts';

/**
 * Substring search (`LIKE '%word%'`) over customers' search text and document numbers without
 * scanning every row. Queries read two views that exist on both databases:
 *
 * - `customer_search(customer_id, search_text)`
 * - `document_search(document_id, number)` — numbered documents only; `number` as the search
 *   compared it before (lower-cased on PostgreSQL; SQLite's LIKE ignores ASCII case itself)
 *
 * On SQLite they read FTS5 tables with the trigram tokenizer, which answer `LIKE` patterns with
 * three or more characters between the wildcards from the index and then re-check each
 * candidate with SQLite's own LIKE, so results are exactly those of the scan
 * (https://sqlite.org/fts5.html#the_trigram_tokenizer). FTS5 keeps its own copy of the text; the
 * triggers below keep it in step with every write, whichever code path makes it.
 *
 * On PostgreSQL they are plain views over the tables, and pg_trgm GIN indexes on the same
 * expressions let `LIKE` use an index (again with a re-check of every candidate row).
 *
 * The document list reads them only for words that they narrow down to few rows
 * (`resolveSearch` in commands/documents.ts); broad words are still matched by scanning.
 */
export function searchIndex(dialect: DialectKind) {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      if (dialect === 'sqlite') {
        await sqliteUp(db);
      } else {
        await postgresUp(db);
      }
    },
    async down(db: Kysely<unknown>): Promise<void> {
      await sql`DROP VIEW IF EXISTS document_search`.execute(db);
      await sql`DROP VIEW IF EXISTS customer_search`.execute(db);
      if (dialect === 'sqlite') {
        for (const trigger of SQLITE_TRIGGERS) await sql`DROP TRIGGER IF EXISTS ${sql.id(trigger)}`.execute(db);
        await sql`DROP TABLE IF EXISTS documents_fts`.execute(db);
        await sql`DROP TABLE IF EXISTS customers_fts`.execute(db);
      } else {
        // The extension stays: other schemas of the same database may use it (the tests give every
        // test a schema of its own), and dropping it is the database owner's decision.
        await sql`DROP INDEX IF EXISTS documents_number_trgm`.execute(db);
        await sql`DROP INDEX IF EXISTS customers_search_text_trgm`.execute(db);
      }
    },
  };
}

const SQLITE_TRIGGERS = ['customers_fts_insert', 'customers_fts_update', 'customers_fts_delete', 'documents_fts_insert', 'documents_fts_update', 'documents_fts_delete'];

async function sqliteUp(db: Kysely<unknown>): Promise<void> {
  // Case-insensitive trigram index (the default): it serves LIKE; GLOB would need case_sensitive 1.
  await sql`CREATE VIRTUAL TABLE customers_fts USING fts5(search_text, tokenize = 'trigram')`.execute(db);
  await sql`INSERT INTO customers_fts(rowid, search_text) SELECT id, search_text FROM customers`.execute(db);
  await sql`CREATE TRIGGER customers_fts_insert AFTER INSERT ON customers BEGIN
      INSERT INTO customers_fts(rowid, search_text) VALUES (new.id, new.search_text);
    END`.execute(db);
  // updateCustomer sets search_text on every edit; the WHEN skips rewriting an unchanged text.
  await sql`CREATE TRIGGER customers_fts_update AFTER UPDATE OF id, search_text ON customers
    WHEN old.id IS NOT new.id OR old.search_text IS NOT new.search_text BEGIN
      DELETE FROM customers_fts WHERE rowid = old.id;
      INSERT INTO customers_fts(rowid, search_text) VALUES (new.id, new.search_text);
    END`.execute(db);
  await sql`CREATE TRIGGER customers_fts_delete AFTER DELETE ON customers BEGIN
      DELETE FROM customers_fts WHERE rowid = old.id;
    END`.execute(db);

  // Drafts have no number: only numbered documents are indexed. The number is set when a
  // document is finalised; "UPDATE OF" keeps the trigger off the frequent other updates
  // (totals while editing, last_sent_at while dispatching).
  await sql`CREATE VIRTUAL TABLE documents_fts USING fts5(number, tokenize = 'trigram')`.execute(db);
  await sql`INSERT INTO documents_fts(rowid, number) SELECT id, number FROM documents WHERE number IS NOT NULL`.execute(db);
  await sql`CREATE TRIGGER documents_fts_insert AFTER INSERT ON documents WHEN new.number IS NOT NULL BEGIN
      INSERT INTO documents_fts(rowid, number) VALUES (new.id, new.number);
    END`.execute(db);
  await sql`CREATE TRIGGER documents_fts_update AFTER UPDATE OF id, number ON documents
    WHEN old.id IS NOT new.id OR old.number IS NOT new.number BEGIN
      DELETE FROM documents_fts WHERE rowid = old.id;
      INSERT INTO documents_fts(rowid, number) SELECT new.id, new.number WHERE new.number IS NOT NULL;
    END`.execute(db);
  await sql`CREATE TRIGGER documents_fts_delete AFTER DELETE ON documents BEGIN
      DELETE FROM documents_fts WHERE rowid = old.id;
    END`.execute(db);

  // SQLite flattens these views, so a LIKE on their columns still reaches the FTS5 index.
  await sql`CREATE VIEW customer_search AS SELECT rowid AS customer_id, search_text FROM customers_fts`.execute(db);
  await sql`CREATE VIEW document_search AS SELECT rowid AS document_id, number FROM documents_fts`.execute(db);
}

async function postgresUp(db: Kysely<unknown>): Promise<void> {
  const trgmSchema = await ensurePgTrgm(db);
  if (trgmSchema !== undefined) {
    // The operator class is named with its schema: the app's search_path may hold only its own
    // schema, while the extension lives in another one (public). Queries need no qualification:
    // LIKE is pg_catalog's operator, which the operator class serves.
    const opclass = sql.id(trgmSchema, 'gin_trgm_ops');
    await sql`CREATE INDEX customers_search_text_trgm ON customers USING gin (search_text ${opclass})`.execute(db);
    await sql`CREATE INDEX documents_number_trgm ON documents USING gin (lower(number) ${opclass})`.execute(db);
  }
  // The view's expressions are the indexed ones, so a LIKE on the view's columns uses the indexes.
  await sql`CREATE VIEW customer_search AS SELECT id AS customer_id, search_text FROM customers`.execute(db);
  await sql`CREATE VIEW document_search AS SELECT id AS document_id, lower(number) AS number FROM documents WHERE number IS NOT NULL`.execute(db);
}

/**
 * The schema pg_trgm is installed in, installing it into `public` if it is not there yet; or
 * undefined if it cannot be installed (not available on the server, or the database user may not
 * create it). Then search works as before, by scanning, and an administrator can add the
 * extension and the two indexes later.
 */
async function ensurePgTrgm(db: Kysely<unknown>): Promise<string | undefined> {
  // Not into the app's own schema: an extension belongs to the whole database, and dropping that
  // schema (as the tests do with theirs) would drop it along with every index that uses it.
  const create = sql`CREATE EXTENSION IF NOT EXISTS pg_trgm WITH SCHEMA public`;
  // Migrations run in a transaction on PostgreSQL: a failed statement would abort all of it.
  if (db.isTransaction) {
    await sql`SAVEPOINT faktura_pg_trgm`.execute(db);
    try {
      await create.execute(db);
      await sql`RELEASE SAVEPOINT faktura_pg_trgm`.execute(db);
    } catch {
      await sql`ROLLBACK TO SAVEPOINT faktura_pg_trgm`.execute(db);
    }
  } else {
    await create.execute(db).catch(() => undefined);
  }
  const { rows } = await sql<{ schema: string }>`
    SELECT n.nspname AS schema FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = 'pg_trgm'`.execute(db);
  return rows[0]?.schema;
}
