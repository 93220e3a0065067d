import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

// Stripe's scheme, so a receiver checks it in a few lines: HMAC-SHA256 over "<t>.<raw body>",
// keyed with the endpoint's secret, sent as "t=<unix seconds>,v1=<hex>".

export const SIGNATURE_HEADER = 'Framewright-Signature';
export const EVENT_ID_HEADER = 'Framewright-Event-Id';

export function generateSigningSecret(): string {
  return `whsec_${randomBytes(32).toString('base64url')}`;
}

export function signatureHeader(secret: string, body: string, timestamp: number): string {
  return `t=${timestamp},v1=${hmac(secret, `${timestamp}.${body}`)}`;
}

/**
 * Checks a signature header against the raw body; `toleranceSeconds` bounds how old it may be
 * (a replayed old delivery fails). What a receiver runs; the CLI's listener uses it too.
 */
export function verifySignature(secret: string, body: string, header: string, toleranceSeconds = 300, now = Date.now()): boolean {
  const parts = new Map(header.split(',').map((part) => part.trim().split('=', 2) as [string, string]));
  const timestamp = Number(parts.get('t'));
  const given = parts.get('v1');
  if (!Number.isInteger(timestamp) || !given || Math.abs(now / 1000 - timestamp) > toleranceSeconds) return false;
  const expected = Buffer.from(hmac(secret, `${timestamp}.${body}`), 'hex');
  const actual = Buffer.from(given, 'hex');
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

function hmac(secret: string, text: string): string {
  return createHmac('sha256', secret).update(text).digest('hex');
}
