import type { WebhookEndpointRow, WebhookEndpointRowUpdate } from '../../db/schema/webhook-endpoints.ts';
import { isSealed, openSecret, sealSecret } from './secret-box.ts';

// An endpoint has one current secret, and after a rotation the previous one until it expires.
// Only two: rotating again within the window replaces the previous secret with the current one
// (the older one stops signing then), so a header never carries more than two signatures.

/** The most a rotated-out secret may go on signing: a day, for receivers to deploy the new one. */
export const MAX_PREVIOUS_SECRET_SECONDS = 86_400;

/** The secrets that sign a delivery sent at `now`, newest first. */
export function liveSecrets(row: WebhookEndpointRow, key: Buffer, now: Date): string[] {
  const secrets = [openSecret(key, row.signing_secret)];
  if (row.previous_signing_secret && row.previous_secret_expires_at && row.previous_secret_expires_at > now) {
    secrets.push(openSecret(key, row.previous_signing_secret));
  }
  return secrets;
}

/** The columns after a rotation to `secret`; the current one keeps signing until `previousExpiresAt` (null: not at all). */
export function rotatedSecrets(
  row: WebhookEndpointRow,
  key: Buffer,
  secret: string,
  previousExpiresAt: Date | null,
): WebhookEndpointRowUpdate {
  return {
    signing_secret: sealSecret(key, secret),
    previous_signing_secret: previousExpiresAt ? sealed(row.signing_secret, key) : null,
    previous_secret_expires_at: previousExpiresAt,
  };
}

/** A stored value sealed: as it is when it already is, else (written before encryption) now. */
export function sealed(stored: string, key: Buffer): string {
  return isSealed(stored) ? stored : sealSecret(key, stored);
}
