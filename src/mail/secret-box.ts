import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { AppError } from '../domain/errors.ts';

/**
 * Encrypts small secrets (SMTP password, DKIM private key) for storage in the database.
 *
 * AES-256-GCM with a key derived from the installation secret (`Config.secret`) by HKDF-SHA256.
 * The secret is already high-entropy (32 random bytes, or ≥ 32 characters from the environment),
 * so a slow KDF such as scrypt adds nothing; HKDF with a purpose label ("info") keeps this key
 * independent of any other key derived from the same secret. A database dump alone therefore
 * reveals no password: the secret lives in the environment or in `secret.key` (mode 0600).
 *
 * Stored format: `v1.<iv>.<ciphertext>.<tag>` (base64url), and the purpose is bound as
 * additional authenticated data, so a DKIM key's ciphertext cannot be swapped in as the password.
 */
const VERSION = 'v1';
const IV_BYTES = 12; // the GCM standard nonce size (NIST SP 800-38D)
const TAG_BYTES = 16;

export type SecretPurpose = 'smtpPassword' | 'dkimPrivateKey' | 'imapPassword';

export interface SecretBox {
  seal(plaintext: string, purpose: SecretPurpose): string;
  open(sealed: string, purpose: SecretPurpose): string;
}

export function deriveKey(secret: string): Buffer {
  if (secret.length < 16) throw new TypeError('the configured secret is too short to derive an encryption key');
  return Buffer.from(hkdfSync('sha256', Buffer.from(secret, 'utf8'), Buffer.from('faktura', 'utf8'), Buffer.from('faktura/mail-secrets/v1', 'utf8'), 32));
}

export function createSecretBox(secret: string): SecretBox {
  const key = deriveKey(secret);
  return {
    seal(plaintext, purpose) {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
      cipher.setAAD(Buffer.from(purpose, 'utf8'));
      const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
      return [VERSION, iv.toString('base64url'), ciphertext.toString('base64url'), cipher.getAuthTag().toString('base64url')].join('.');
    },
    open(sealed, purpose) {
      const parts = sealed.split('.');
      const [version, iv, ciphertext, tag] = parts;
      if (parts.length !== 4 || version !== VERSION || iv === undefined || ciphertext === undefined || tag === undefined) {
        throw undecryptable();
      }
      try {
        const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'), { authTagLength: TAG_BYTES });
        decipher.setAAD(Buffer.from(purpose, 'utf8'));
        decipher.setAuthTag(Buffer.from(tag, 'base64url'));
        return Buffer.concat([decipher.update(Buffer.from(ciphertext, 'base64url')), decipher.final()]).toString('utf8');
      } catch {
        // The cause (e.g. "unsupported state or unable to authenticate data") is deliberately
        // dropped: it carries nothing useful and nothing of the secret belongs in a log.
        throw undecryptable();
      }
    },
  };
}

function undecryptable(): AppError {
  return new AppError(
    'conflict',
    'mailSettings.secretUndecryptable',
    'a stored mail secret cannot be decrypted: the installation secret (FAKTURA_SECRET or secret.key) changed; enter the password again',
    { retryable: false },
  );
}
