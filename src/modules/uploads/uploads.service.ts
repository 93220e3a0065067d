import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { Database, Trx } from '../../db/database.ts';
import type { UploadRow } from '../../db/schema/uploads.ts';
import type { Storage } from '../../storage/s3.ts';
import { requireCustomer, type Viewer } from '../auth/viewer.ts';
import { NotFoundError, RateLimitedError, ValidationError } from '../shared/errors.ts';
import { assertUuid, parseInput } from '../shared/validation.ts';
import * as uploads from './uploads.repository.ts';

export const IMAGE_CONTENT_TYPES = ['image/png', 'image/jpeg', 'image/webp', 'image/avif', 'image/tiff'] as const;

/** An upload may still be used a day after its URL expired (a slow client); after that it is swept. */
const UNUSED_UPLOAD_GRACE_MS = 24 * 3600 * 1000;

export interface Upload {
  id: string;
  url: string;
  headers: Record<string, string>;
  expiresAt: Date;
}

/** A file name safe in an object key: no folders, no odd characters, bounded length. */
export function safeFileName(name: string, fallback: string): string {
  const base = name.split(/[\\/]/).pop() ?? '';
  const cleaned = base
    .replace(/[^A-Za-z0-9._-]+/g, '_')
    .replace(/^[._]+/, '')
    .slice(-100);
  return cleaned.length > 0 ? cleaned : fallback;
}

export interface UploadLimits {
  maxSourceBytes: number;
  uploadUrlSeconds: number;
  maxPendingUploads: number;
  maxUploadFailedAttempts: number;
}

export class UploadsService {
  private readonly db: Database;
  private readonly storage: Storage;
  private readonly limits: UploadLimits;
  private readonly clock: () => Date;
  constructor(db: Database, storage: Storage, limits: UploadLimits, clock: () => Date) {
    this.db = db;
    this.storage = storage;
    this.limits = limits;
    this.clock = clock;
  }

  /** A presigned PUT URL for a customer's source image; the admin key has no customer to upload for. */
  async create(viewer: Viewer, input: { filename: string; contentType: string; size: number }): Promise<Upload> {
    const customerId = requireCustomer(viewer);
    const schema = z.object({
      filename: z.string().trim().min(1, 'must not be empty').max(255, 'must be at most 255 characters'),
      contentType: z.enum(IMAGE_CONTENT_TYPES, { message: `must be one of ${IMAGE_CONTENT_TYPES.join(', ')}` }),
      size: z
        .number()
        .int()
        .min(1, 'must be at least 1 byte')
        .max(this.limits.maxSourceBytes, `must be at most ${this.limits.maxSourceBytes} bytes (25 MB)`),
    });
    const valid = parseInput(schema, input, 'input');
    await this.checkPendingCap(customerId);
    const id = randomUUID();
    const key = `uploads/${customerId}/${id}/${safeFileName(valid.filename, 'source')}`;
    const now = this.clock();
    const expiresAt = new Date(now.getTime() + this.limits.uploadUrlSeconds * 1000);
    await uploads.insertUpload(this.db, {
      id,
      customer_id: customerId,
      key,
      filename: valid.filename,
      content_type: valid.contentType,
      size: valid.size,
      expires_at: expiresAt,
      created_at: now,
    });
    const url = await this.storage.signPutUrl(key, valid.contentType, valid.size, this.limits.uploadUrlSeconds);
    return { id, url, headers: { 'Content-Type': valid.contentType }, expiresAt };
  }

  /**
   * Checks an upload before a workflow uses it: the caller's, unused, not refused too often, sent,
   * of the announced size. Returns its bytes; the image itself is checked by the caller, who
   * reports a failure with `recordFailedUse`.
   */
  async fetchForUse(customerId: string, uploadId: string, field: string): Promise<{ upload: UploadRow; bytes: Buffer }> {
    const id = assertUuid(uploadId, field);
    const upload = await uploads.findUpload(this.db, id);
    if (!upload || upload.customer_id !== customerId) throw new NotFoundError('Upload', uploadId);
    if (upload.consumed_at) throw ValidationError.field(field, 'was already used by another workflow; create a new upload');
    const { maxUploadFailedAttempts } = this.limits;
    if (upload.failed_attempts >= maxUploadFailedAttempts) {
      throw ValidationError.field(
        field,
        `was refused by createWorkflow ${upload.failed_attempts} times (at most ${maxUploadFailedAttempts}); create a new upload`,
      );
    }
    const object = await this.storage.head(upload.key);
    if (!object) throw ValidationError.field(field, 'has no file yet: PUT the bytes to the upload URL first');
    if (object.size !== upload.size) {
      throw ValidationError.field(field, `file is ${object.size} bytes but the upload announced ${upload.size}`);
    }
    const bytes = await this.storage.get(upload.key);
    // Replaced between the two reads (the URL still lives): what is used must be what was checked.
    if (bytes.byteLength !== upload.size) {
      throw ValidationError.field(field, `file is ${bytes.byteLength} bytes but the upload announced ${upload.size}`);
    }
    return { upload, bytes };
  }

  /** One request (or a script) must not pile up uploads: a bounded number may wait unused at once. */
  private async checkPendingCap(customerId: string): Promise<void> {
    const now = this.clock();
    const pending = await uploads.countPending(this.db, customerId, now);
    if (pending.count < this.limits.maxPendingUploads) return;
    const retryAfter = Math.max(1, Math.ceil(((pending.nextExpiry?.getTime() ?? now.getTime()) - now.getTime()) / 1000));
    throw new RateLimitedError(
      `At most ${this.limits.maxPendingUploads} uploads may wait unused with a live URL; use or let some expire (the next in ${retryAfter} s)`,
      retryAfter,
    );
  }

  /**
   * Removes uploads whose URL can no longer be used: unused ones a day after it expired, used ones
   * as soon as it expired (a PUT to a used URL while it lived would otherwise leave its bytes here
   * for good). The object, then the row, so a crash in between is finished by the next sweep. A
   * workflow that takes an upload meanwhile has already stored its own copy. Returns how many went.
   */
  async sweepUnused(batchSize = 100): Promise<number> {
    const now = this.clock();
    const candidates = await uploads.findSweepable(
      this.db,
      { unusedExpiredBefore: new Date(now.getTime() - UNUSED_UPLOAD_GRACE_MS), usedExpiredBefore: now },
      batchSize,
    );
    let removed = 0;
    for (const upload of candidates) {
      await this.storage.delete(upload.key);
      if (await uploads.deleteUpload(this.db, upload.id, upload.consumed_at !== null)) removed += 1;
    }
    return removed;
  }

  /**
   * A createWorkflow read the upload's bytes and then failed: counted, so the same upload cannot be
   * read and refused without end (fetchForUse refuses it after maxUploadFailedAttempts).
   */
  async recordFailedUse(uploadId: string): Promise<void> {
    await uploads.addFailedAttempt(this.db, uploadId);
  }

  /** Marks the upload used inside the workflow's transaction; a second use of it fails. */
  async consume(trx: Trx, uploadId: string, field: string): Promise<void> {
    if (!(await uploads.consumeUpload(trx, uploadId, this.clock()))) {
      throw ValidationError.field(field, 'was already used by another workflow; create a new upload');
    }
  }
}
