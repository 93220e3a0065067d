import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

// Stripe's scheme, so a receiver checks it in a few lines: HMAC-SHA256 over "<t>.<raw body>",
// keyed with the endpoint's secret, sent as "t=<unix seconds>,v1=<hex>". While a rotated secret
// is still live the header carries one v1 per secret, newest first ("t=..,v1=<new>,v1=<old>"), so
// a receiver holding either one verifies it: it accepts the delivery when any v1 matches.

export const SIGNATURE_HEADER = 'Framewright-Signature';
export const EVENT_ID_HEADER = 'Framewright-Event-Id';

export function generateSigningSecret(): string {
  return `whsec_${randomBytes(32).toString('base64url')}`;
}

/** The header for one secret or several (the live ones, newest first). */
export function signatureHeader(secrets: string | readonly string[], body: string, timestamp: number): string {
  const signatures = (typeof secrets === 'string' ? [secrets] : secrets).map((secret) => `v1=${hmac(secret, `${timestamp}.${body}`)}`);
  return [`t=${timestamp}`, ...signatures].join(',');
}

/**
 * Checks a signature header against the raw body: true when any of its v1 signatures is the
 * secret's. `toleranceSeconds` bounds how old it may be (a replayed old delivery fails). What a
 * receiver runs; the CLI's listener uses it too.
 */
export function verifySignature(secret: string, body: string, header: string, toleranceSeconds = 300, now = Date.now()): boolean {
  const parts = header.split(',').map((part) => {
    const at = part.indexOf('=');
    return at < 0 ? ['', ''] : [part.slice(0, at).trim(), part.slice(at + 1).trim()];
  });
  const timestamp = Number(parts.find(([name]) => name === 't')?.[1]);
  if (!Number.isInteger(timestamp) || Math.abs(now / 1000 - timestamp) > toleranceSeconds) return false;
  const expected = Buffer.from(hmac(secret, `${timestamp}.${body}`), 'hex');
  // Every v1 is compared, matching or not, so the time taken says nothing about which one matched.
  let matched = false;
  for (const [name, value] of parts) {
    if (name !== 'v1') continue;
    const given = Buffer.from(value!, 'hex');
    if (given.length === expected.length && timingSafeEqual(given, expected)) matched = true;
  }
  return matched;
}

function hmac(secret: string, text: string): string {
  return createHmac('sha256', secret).update(text).digest('hex');
}
