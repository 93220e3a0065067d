import type { Storage } from '../../storage/s3.ts';
import { ValidationError } from './errors.ts';

/** A download URL signed now, valid `expiresIn` seconds (default an hour, at most `maxSeconds`). */
export function signedDownloadUrl(
  storage: Storage,
  key: string,
  expiresIn: number | null | undefined,
  maxSeconds: number,
): Promise<string> {
  const seconds = expiresIn ?? 3600;
  if (!Number.isInteger(seconds) || seconds < 1 || seconds > maxSeconds) {
    throw ValidationError.field('expiresIn', `must be between 1 and ${maxSeconds} seconds`);
  }
  return storage.signGetUrl(key, seconds);
}
