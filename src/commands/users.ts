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

export const MIN_PASSWORD_LENGTH = 12;

/**
 * The password rules (issue 15 item 14): at least 12 characters, not one character repeated, not
 * the e-mail address (nor its part before the @). Field errors on `password`.
 */
export function checkPasswordPolicy(password: string, email: string): void {
  if ([...password].length < MIN_PASSWORD_LENGTH) {
    throw new AppError('validation', 'user.passwordTooShort', `password must have at least ${MIN_PASSWORD_LENGTH} characters`, { field: 'password', meta: { min: MIN_PASSWORD_LENGTH } });
  }
  if (new Set(password).size === 1) throw validationError('user.passwordTrivial', 'password must not be one character repeated', 'password');
  const lower = password.trim().toLowerCase();
  const address = email.trim().toLowerCase();
  if (lower === address || lower === address.split('@')[0]) throw validationError('user.passwordIsEmail', 'password must not be the e-mail address', 'password');
}

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
  checkPasswordPolicy(data.password, email);
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
  /** The new password's hash, made before the transaction (no connection held during argon2). */
  passwordHash?: string;
  /** A user changing their own password keeps this session (SHA-256 of its token); all others end. */
  keepSessionId?: string;
}): Promise<UserRow> {
  const { trx, actor, id, patch } = input;
  const current = await trx.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
  if (!current) throw notFound('user', id);
  if (patch.password !== undefined) checkPasswordPolicy(patch.password, current.email);
  // Only an active admin's change can leave the office without one (a disabled admin may be demoted freely).
  const demotesOrDisables = (patch.role === 'staff' || patch.disabled === true) && current.role === 'admin' && current.disabled === 0;
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
      ...(patch.password !== undefined ? { password_hash: input.passwordHash ?? (await hashPassword(patch.password)) } : {}),
      updated_at: new Date().toISOString(),
    })
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirstOrThrow();
  if (patch.disabled || patch.password !== undefined) {
    let sessions = trx.deleteFrom('sessions').where('user_id', '=', id);
    if (!patch.disabled && input.keepSessionId !== undefined) sessions = sessions.where('id', '!=', input.keepSessionId);
    await sessions.execute();
  }
  const fields = Object.keys(patch).filter((k) => k !== 'password');
  await audit(trx, actor, 'user.update', 'user', id, { fields, passwordChanged: patch.password !== undefined });
  return row;
}

/**
 * Changing one's own password needs the current one (issue 15 item 14): a session left open at the
 * reception desk, or a stolen one, must not be able to take the account over. Checked with no
 * database transaction held (argon2), like the login.
 */
export async function checkCurrentPassword(input: { db: Executor; actor: Actor; userId: number; newPassword: string | undefined; currentPassword: string | undefined; limit?: PasswordCheckLimit }): Promise<void> {
  if (input.newPassword === undefined || input.actor.userId !== input.userId) return;
  if (input.currentPassword === undefined) throw validationError('user.currentPasswordRequired', 'enter your current password to change it', 'currentPassword');
  const row = await input.db.selectFrom('users').select('password_hash').where('id', '=', input.userId).executeTakeFirst();
  if (!row) throw notFound('user', input.userId);
  const hashToCheck = row.password_hash;
  const currentPassword = input.currentPassword;
  const ok = await (input.limit ?? UNLIMITED).limitCheck(() => verify(hashToCheck, currentPassword));
  if (ok === undefined) throw new AppError('unavailable', 'auth.busy', 'too many passwords are being checked right now; try again in a moment');
  if (!ok) throw validationError('user.currentPasswordWrong', 'the current password is wrong', 'currentPassword');
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
    await trx.insertInto('sessions').values({ id: sha256(token), user_id: user.id, csrf_token: csrfToken, created_at: now.toISOString(), expires_at: expiresAt, last_seen_at: now.toISOString() }).execute();
    await trx.deleteFrom('sessions').where('expires_at', '<', now.toISOString()).execute();
    await audit(trx, { userId: user.id, tokenId: null, role: user.role }, 'auth.login', 'user', user.id);
  });
  return { token, session: { user, csrfToken, expiresAt } };
}

/**
 * The session of a cookie token, if it is neither past its absolute expiry nor idle for longer than
 * `idleMinutes` (issue 15 item 14). Each use moves the idle deadline; the write happens at most
 * once a minute per session.
 */
export async function sessionFromToken(db: Executor, token: string, idleMinutes?: number): Promise<SessionInfo | undefined> {
  const now = new Date();
  const id = sha256(token);
  let query = db
    .selectFrom('sessions as s')
    .innerJoin('users as u', 'u.id', 's.user_id')
    .selectAll('u')
    .select(['s.csrf_token', 's.expires_at', 's.last_seen_at', 's.created_at as session_created_at'])
    .where('s.id', '=', id)
    .where('s.expires_at', '>', now.toISOString())
    .where('u.disabled', '=', 0);
  if (idleMinutes !== undefined) {
    const idleSince = new Date(now.getTime() - idleMinutes * 60_000).toISOString();
    query = query.where((eb) => eb(eb.fn.coalesce('s.last_seen_at', 's.created_at'), '>', idleSince));
  }
  const row = await query.executeTakeFirst();
  if (!row) return undefined;
  const { csrf_token, expires_at, last_seen_at, session_created_at, ...user } = row;
  const seen = Date.parse(last_seen_at ?? session_created_at);
  if (now.getTime() - seen > 60_000) await db.updateTable('sessions').set({ last_seen_at: now.toISOString() }).where('id', '=', id).execute();
  return { user, csrfToken: csrf_token, expiresAt: expires_at };
}

export async function logout(db: Executor, token: string): Promise<void> {
  await db.deleteFrom('sessions').where('id', '=', sha256(token)).execute();
}

// ---- API tokens for integrations ----

const TOKEN_PREFIX = 'fkt_';

export async function createApiToken(input: { trx: Executor; actor: Actor; name: string; role: 'admin' | 'staff'; expiresAt?: string | null }): Promise<{ id: number; token: string; expiresAt: string | null }> {
  const { trx, actor, name, role } = input;
  if (actor.userId === null) throw new AppError('forbidden', 'auth.userRequired', 'API tokens are created by a logged-in admin');
  const expiresAt = input.expiresAt ? new Date(input.expiresAt).toISOString() : null;
  if (expiresAt !== null && Date.parse(expiresAt) <= Date.now()) throw validationError('apiToken.expiryInPast', 'the expiry must be in the future', 'expiresAt');
  const token = TOKEN_PREFIX + randomBytes(32).toString('base64url');
  const row = await trx
    .insertInto('api_tokens')
    .values({ name, token_hash: sha256(token), token_prefix: token.slice(0, 10), role, created_by: actor.userId, created_at: new Date().toISOString(), last_used_at: null, revoked_at: null, expires_at: expiresAt })
    .returning('id')
    .executeTakeFirstOrThrow();
  await audit(trx, actor, 'apiToken.create', 'apiToken', row.id, { name, role, expiresAt });
  return { id: row.id, token, expiresAt };
}

export async function revokeApiToken(input: { trx: Executor; actor: Actor; id: number }): Promise<void> {
  const { trx, actor, id } = input;
  const result = await trx.updateTable('api_tokens').set({ revoked_at: new Date().toISOString() }).where('id', '=', id).where('revoked_at', 'is', null).executeTakeFirst();
  if (Number(result.numUpdatedRows) === 0) throw notFound('apiToken', id);
  await audit(trx, actor, 'apiToken.revoke', 'apiToken', id);
}

/**
 * The actor of a bearer token: not revoked, not expired, and its creator still active (issue 15
 * item 8: a disabled admin's token created admins). A token never acts with more than its
 * creator's current role.
 */
export async function actorFromApiToken(db: Executor, token: string): Promise<Actor | undefined> {
  if (!token.startsWith(TOKEN_PREFIX)) return undefined;
  const now = new Date();
  const row = await db
    .selectFrom('api_tokens as t')
    .innerJoin('users as u', 'u.id', 't.created_by')
    .select(['t.id', 't.role', 't.last_used_at', 'u.role as creator_role'])
    .where('t.token_hash', '=', sha256(token))
    .where('t.revoked_at', 'is', null)
    .where('u.disabled', '=', 0)
    .where((eb) => eb.or([eb('t.expires_at', 'is', null), eb('t.expires_at', '>', now.toISOString())]))
    .executeTakeFirst();
  if (!row) return undefined;
  // Touch at most once a minute: a busy integration should not turn every read into a write.
  if (!row.last_used_at || now.getTime() - Date.parse(row.last_used_at) > 60_000) {
    await db.updateTable('api_tokens').set({ last_used_at: now.toISOString() }).where('id', '=', row.id).execute();
  }
  return { userId: null, tokenId: row.id, role: row.role === 'admin' && row.creator_role === 'admin' ? 'admin' : 'staff' };
}
