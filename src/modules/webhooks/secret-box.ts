import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

// Signing secrets have to be kept readable (we sign with them), so they are encrypted rather than
// hashed: AES-256-GCM under WEBHOOK_SECRET_KEY, which never enters the database. A dump or a
// replica of the database alone yields no secret. Stored as "enc1:" + base64url(iv ‖ tag ‖ text);
// the prefix also tells a sealed value from a plain one written before encryption existed.

const PREFIX = 'enc1:';
const IV_BYTES = 12;
const TAG_BYTES = 16;

export class SecretKeyMismatchError extends Error {
  override name = 'SecretKeyMismatchError';
}

export function isSealed(stored: string): boolean {
  return stored.startsWith(PREFIX);
}

export function sealSecret(key: Buffer, secret: string): string {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  const text = Buffer.concat([cipher.update(secret, 'utf8'), cipher.final()]);
  return `${PREFIX}${Buffer.concat([iv, cipher.getAuthTag(), text]).toString('base64url')}`;
}

/** The secret; a value stored before encryption existed is returned as it is (until sealPlainSecrets seals it). */
export function openSecret(key: Buffer, stored: string): string {
  if (!isSealed(stored)) return stored;
  const bytes = Buffer.from(stored.slice(PREFIX.length), 'base64url');
  const decipher = createDecipheriv('aes-256-gcm', key, bytes.subarray(0, IV_BYTES));
  decipher.setAuthTag(bytes.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
  try {
    return Buffer.concat([decipher.update(bytes.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]).toString('utf8');
  } catch {
    throw new SecretKeyMismatchError(
      'a webhook signing secret does not decrypt with WEBHOOK_SECRET_KEY: the key is not the one it was stored under',
    );
  }
}
