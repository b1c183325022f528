import type { Db } from '../db/connection.ts';
import { SYSTEM_ACTOR } from '../commands/context.ts';
import { ensureDemoMailSettings } from '../commands/mail-settings.ts';
import { ensureDefaultTemplates } from '../commands/templates.ts';
import { startMailCatcher, type MailCatcher } from './catcher.ts';

/**
 * Demo/dev wiring for `faktura serve --demo`: the built-in mail catcher on 127.0.0.1, mail
 * settings pointing at it, and the starting templates. Never called without demo mode.
 */
let active: MailCatcher | undefined;

/** The catcher of this process, for the `/api/dev/mails` routes; undefined when none runs. */
export function currentMailCatcher(): MailCatcher | undefined {
  return active;
}

export function setCurrentMailCatcher(catcher: MailCatcher | undefined): void {
  active = catcher;
}

export async function startDemoMail(input: { db: Db; secret: string; port: number; limit?: number }): Promise<MailCatcher> {
  const catcher = await startMailCatcher({ port: input.port, host: '127.0.0.1', limit: input.limit ?? 500 });
  setCurrentMailCatcher(catcher);
  await ensureDemoMailSettings(input.db, input.secret, catcher.port);
  await input.db.kysely.transaction().execute((trx) => ensureDefaultTemplates({ trx, actor: SYSTEM_ACTOR }));
  const close = catcher.close;
  return {
    ...catcher,
    close: async () => {
      if (active === catcher) setCurrentMailCatcher(undefined);
      await close();
    },
  };
}
