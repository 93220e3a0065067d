import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

const PREFIX = 'fw_';

/** 192 random bits, URL-safe, with a prefix that secret scanners and people recognise. */
export function generateApiKey(): string {
  return PREFIX + randomBytes(24).toString('base64url');
}

export function hashApiKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

export function keyPrefix(key: string): string {
  return key.slice(0, PREFIX.length + 6);
}

/** Constant-time comparison, so response times do not leak the admin key. */
export function sameSecret(a: string, b: string): boolean {
  const left = createHash('sha256').update(a).digest();
  const right = createHash('sha256').update(b).digest();
  return timingSafeEqual(left, right);
}
