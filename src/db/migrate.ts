import { Migrator, type Migration, type MigrationProvider } from 'kysely';
import type { DialectKind, Db } from './connection.ts';
import { core } from './migrations/0001_core.ts';
import { pdfArchive } from './migrations/0003_pdf_archive.ts';
import { mail } from './migrations/0002_mail.ts';
import { dispatch } from './migrations/0004_dispatch.ts';
import { searchIndex } from './migrations/0005_search_index.ts';
import { deliveryLeaseIndex } from './migrations/0006_delivery_lease_index.ts';
import { bounces } from './migrations/0013_bounces.ts';
import { authHardening } from './migrations/0014_auth_hardening.ts';
import { dispatchTruth } from './migrations/0017_dispatch_truth.ts';
import { vatCategory } from './migrations/0018_vat_category.ts';
import { xrechnung } from './migrations/0019_xrechnung.ts';
import { receivables } from './migrations/0020_receivables.ts';
import { dispatchDrafts } from './migrations/0016_dispatch_drafts.ts';
import { customerLanguage } from './migrations/0016a_customer_language.ts';

/**
 * All migrations, in order. Each is a function of the dialect because a few column types differ
 * (ids, blobs); the shape of the data is the same on SQLite and PostgreSQL.
 */
function allMigrations(dialect: DialectKind): Record<string, Migration> {
  return {
    '0001_core': core(dialect),
    '0002_mail': mail(dialect),
    '0003_pdf_archive': pdfArchive(dialect),
    '0004_dispatch': dispatch(dialect),
    '0005_search_index': searchIndex(dialect),
    '0006_delivery_lease_index': deliveryLeaseIndex,
    '0013_bounces': bounces(dialect),
    '0014_auth_hardening': authHardening,
    '0017_dispatch_truth': dispatchTruth,
    '0018_vat_category': vatCategory,
    '0019_xrechnung': xrechnung,
    '0020_receivables': receivables(dialect),
    '0016_dispatch_drafts': dispatchDrafts,
    '0016a_customer_language': customerLanguage,
  };
}

class StaticProvider implements MigrationProvider {
  constructor(private readonly migrations: Record<string, Migration>) {}
  getMigrations(): Promise<Record<string, Migration>> {
    return Promise.resolve(this.migrations);
  }
}

function migrator(db: Db): Migrator {
  // On PostgreSQL the migration bookkeeping lives in the same schema as the tables; otherwise
  // Kysely would find another schema's bookkeeping tables and skip creating its own.
  return new Migrator({
    db: db.kysely,
    provider: new StaticProvider(allMigrations(db.dialect)),
    // Migrations are independent tables per feature; a database created while one was being
    // developed may have run a later one first.
    allowUnorderedMigrations: true,
    ...(db.schema ? { migrationTableSchema: db.schema } : {}),
  });
}

export async function migrateToLatest(db: Db): Promise<string[]> {
  const { error, results } = await migrator(db).migrateToLatest();
  if (error) throw error instanceof Error ? error : new Error(String(error));
  return (results ?? []).map((r) => r.migrationName);
}

export async function migrateDownAll(db: Db): Promise<void> {
  const m = migrator(db);
  for (;;) {
    const { error, results } = await m.migrateDown();
    if (error) throw error instanceof Error ? error : new Error(String(error));
    if (!results || results.length === 0) return;
  }
}
