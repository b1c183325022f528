import { createHash, randomBytes } from 'node:crypto';
import { hash, verify } from '@node-rs/argon2';
import { isValidEmail } from '../domain/customer.ts';
import { AppError, conflict, notFound, validationError } from '../domain/errors.ts';
import type { Kysely } from 'kysely';
import type { Database, UserRow } from '../db/schema.ts';
import { audit, type Actor, type Executor } from './context.ts';

// OWASP's recommended argon2id parameters (m=19 MiB, t=2, p=1): ~15 ms per hash on this hardware.
// algorithm 2 = Argon2id (the package's const enum cannot be imported under verbatimModuleSyntax).
const ARGON2 = { algorithm: 2, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

export const MIN_PASSWORD_LENGTH = 10;

export async function hashPassword(password: string): Promise<string> {
  return hash(password, ARGON2);
}

export function sha256(value: string): string {
  return createHash('sha256').update(value).digest('hex');
}

export interface NewUser {
  email: string;
  name: string;
  password: string;
  role: 'admin' | 'staff';
  locale?: 'de' | 'en';
}

export async function createUser(input: { trx: Executor; actor: Actor; data: NewUser }): Promise<UserRow> {
  const { trx, actor, data } = input;
  const email = data.email.trim().toLowerCase();
  if (!isValidEmail(email)) throw validationError('user.emailInvalid', 'e-mail is not a valid address', 'email');
  if (data.password.length < MIN_PASSWORD_LENGTH) {
    throw validationError('user.passwordTooShort', `password must have at least ${MIN_PASSWORD_LENGTH} characters`, 'password');
  }
  if (await trx.selectFrom('users').select('id').where('email', '=', email).executeTakeFirst()) {
    throw new AppError('conflict', 'user.emailTaken', `a user with e-mail ${email} already exists`, { field: 'email' });
  }
  const now = new Date().toISOString();
  const row = await trx
    .insertInto('users')
    .values({
      email,
      name: data.name.trim() || email,
      password_hash: await hashPassword(data.password),
      role: data.role,
      locale: data.locale ?? 'de',
      created_at: now,
      updated_at: now,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  await audit(trx, actor, 'user.create', 'user', row.id, { email, role: data.role });
  return row;
}

export async function updateUser(input: {
  trx: Executor;
  actor: Actor;
  id: number;
  patch: { name?: string; role?: 'admin' | 'staff'; locale?: 'de' | 'en'; password?: string; disabled?: boolean };
}): Promise<UserRow> {
  const { trx, actor, id, patch } = input;
  const current = await trx.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
  if (!current) throw notFound('user', id);
  if (patch.password !== undefined && patch.password.length < MIN_PASSWORD_LENGTH) {
    throw validationError('user.passwordTooShort', `password must have at least ${MIN_PASSWORD_LENGTH} characters`, 'password');
  }
  const demotesOrDisables = (patch.role === 'staff' || patch.disabled === true) && current.role === 'admin';
  if (demotesOrDisables) {
    const admins = await trx.selectFrom('users').select((eb) => eb.fn.countAll<number>().as('n')).where('role', '=', 'admin').where('disabled', '=', 0).executeTakeFirstOrThrow();
    if (Number(admins.n) <= 1) throw conflict('user.lastAdmin', 'the last active admin cannot be demoted or disabled');
  }
  const row = await trx
    .updateTable('users')
    .set({
      ...(patch.name !== undefined ? { name: patch.name } : {}),
      ...(patch.role !== undefined ? { role: patch.role } : {}),
      ...(patch.locale !== undefined ? { locale: patch.locale } : {}),
      ...(patch.disabled !== undefined ? { disabled: patch.disabled ? 1 : 0 } : {}),
      ...(patch.password !== undefined ? { password_hash: await hashPassword(patch.password) } : {}),
      updated_at: new Date().toISOString(),
    })
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirstOrThrow();
  if (patch.disabled || patch.password !== undefined) await trx.deleteFrom('sessions').where('user_id', '=', id).execute();
  const fields = Object.keys(patch).filter((k) => k !== 'password');
  await audit(trx, actor, 'user.update', 'user', id, { fields, passwordChanged: patch.password !== undefined });
  return row;
}

// ---- sessions ----

export interface SessionInfo {
  user: UserRow;
  csrfToken: string;
  expiresAt: string;
}

/** A dummy hash so that a login for an unknown e-mail takes as long as one with a wrong password. */
let dummyHash: Promise<string> | undefined;

export const invalidCredentials = (): AppError => new AppError('unauthenticated', 'auth.invalidCredentials', 'e-mail or password is wrong');

/**
 * How a login may check a password: `limit` runs the check when a slot is free (or answers
 * undefined when too many are waiting). The HTTP layer passes its LoginThrottle; the default runs
 * it at once.
 */
export interface PasswordCheckLimit {
  limitCheck<T>(fn: () => Promise<T>): Promise<T | undefined>;
}

const UNLIMITED: PasswordCheckLimit = { limitCheck: (fn) => fn() };

/**
 * Checks e-mail and password and opens a session. The password hash is checked with no database
 * connection or transaction held (argon2 takes ~15 ms of CPU; on SQLite a transaction held across
 * it made every other request wait behind a flood of logins, issue 15 item 1). Only the session's
 * insert runs in a short transaction afterwards.
 */
export async function login(input: { db: Kysely<Database>; email: string; password: string; sessionHours: number; limit?: PasswordCheckLimit }): Promise<{ token: string; session: SessionInfo }> {
  const { db, email, password, sessionHours } = input;
  const user = await db.selectFrom('users').selectAll().where('email', '=', email.trim().toLowerCase()).executeTakeFirst();
  dummyHash ??= hashPassword(randomBytes(16).toString('hex'));
  const hashToCheck = user?.password_hash ?? (await dummyHash);
  const ok = await (input.limit ?? UNLIMITED).limitCheck(() => verify(hashToCheck, password));
  if (ok === undefined) throw new AppError('unavailable', 'auth.busy', 'too many logins are being checked right now; try again in a moment');
  if (!user || !ok || user.disabled === 1) throw invalidCredentials();
  const token = randomBytes(32).toString('base64url');
  const csrfToken = randomBytes(24).toString('base64url');
  const now = new Date();
  const expiresAt = new Date(now.getTime() + sessionHours * 3_600_000).toISOString();
  await db.transaction().execute(async (trx) => {
    await trx.insertInto('sessions').values({ id: sha256(token), user_id: user.id, csrf_token: csrfToken, created_at: now.toISOString(), expires_at: expiresAt }).execute();
    await trx.deleteFrom('sessions').where('expires_at', '<', now.toISOString()).execute();
    await audit(trx, { userId: user.id, tokenId: null, role: user.role }, 'auth.login', 'user', user.id);
  });
  return { token, session: { user, csrfToken, expiresAt } };
}

export async function sessionFromToken(db: Executor, token: string): Promise<SessionInfo | undefined> {
  const row = await db
    .selectFrom('sessions as s')
    .innerJoin('users as u', 'u.id', 's.user_id')
    .selectAll('u')
    .select(['s.csrf_token', 's.expires_at'])
    .where('s.id', '=', sha256(token))
    .where('s.expires_at', '>', new Date().toISOString())
    .where('u.disabled', '=', 0)
    .executeTakeFirst();
  if (!row) return undefined;
  const { csrf_token, expires_at, ...user } = row;
  return { user, csrfToken: csrf_token, expiresAt: expires_at };
}

export async function logout(db: Executor, token: string): Promise<void> {
  await db.deleteFrom('sessions').where('id', '=', sha256(token)).execute();
}

// ---- API tokens for integrations ----

const TOKEN_PREFIX = 'fkt_';

export async function createApiToken(input: { trx: Executor; actor: Actor; name: string; role: 'admin' | 'staff' }): Promise<{ id: number; token: string }> {
  const { trx, actor, name, role } = input;
  if (actor.userId === null) throw new AppError('forbidden', 'auth.userRequired', 'API tokens are created by a logged-in admin');
  const token = TOKEN_PREFIX + randomBytes(32).toString('base64url');
  const row = await trx
    .insertInto('api_tokens')
    .values({ name, token_hash: sha256(token), token_prefix: token.slice(0, 10), role, created_by: actor.userId, created_at: new Date().toISOString(), last_used_at: null, revoked_at: null })
    .returning('id')
    .executeTakeFirstOrThrow();
  await audit(trx, actor, 'apiToken.create', 'apiToken', row.id, { name, role });
  return { id: row.id, token };
}

export async function revokeApiToken(input: { trx: Executor; actor: Actor; id: number }): Promise<void> {
  const { trx, actor, id } = input;
  const result = await trx.updateTable('api_tokens').set({ revoked_at: new Date().toISOString() }).where('id', '=', id).where('revoked_at', 'is', null).executeTakeFirst();
  if (Number(result.numUpdatedRows) === 0) throw notFound('apiToken', id);
  await audit(trx, actor, 'apiToken.revoke', 'apiToken', id);
}

export async function actorFromApiToken(db: Executor, token: string): Promise<Actor | undefined> {
  if (!token.startsWith(TOKEN_PREFIX)) return undefined;
  const row = await db.selectFrom('api_tokens').select(['id', 'role', 'last_used_at']).where('token_hash', '=', sha256(token)).where('revoked_at', 'is', null).executeTakeFirst();
  if (!row) return undefined;
  const now = new Date();
  // Touch at most once a minute: a busy integration should not turn every read into a write.
  if (!row.last_used_at || now.getTime() - Date.parse(row.last_used_at) > 60_000) {
    await db.updateTable('api_tokens').set({ last_used_at: now.toISOString() }).where('id', '=', row.id).execute();
  }
  return { userId: null, tokenId: row.id, role: row.role };
}
