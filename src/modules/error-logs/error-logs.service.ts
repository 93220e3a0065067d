import { z } from 'zod';
import type { Database } from '../../db/database.ts';
import type { Logger } from '../../logger.ts';
import type { Storage } from '../../storage/s3.ts';
import { requireAuthenticated, type Viewer } from '../auth/viewer.ts';
import type { CustomersService } from '../customers/customers.service.ts';
import { BadRequestError, RateLimitedError, ValidationError } from '../shared/errors.ts';
import { inProcessRateLimiter, type KeyRateLimiter } from '../shared/key-rate-limiter.ts';
import { signedDownloadUrl } from '../shared/signed-url.ts';
import { parseInput } from '../shared/validation.ts';
import * as errorLogs from './error-logs.repository.ts';
import { formatIsoWeek, type IsoWeek, isoWeekOf, parseIsoWeek } from './iso-week.ts';

export const ERROR_LEVELS = ['debug', 'info', 'warn', 'error', 'fatal'] as const;
export type ErrorLevel = (typeof ERROR_LEVELS)[number];

export const LOGGED_MESSAGE = 'Error logged successfully';

export interface LogErrorInput {
  customerId?: string | null;
  message: string;
  script?: string | null;
  stack?: string | null;
  level?: string | null;
  context?: unknown;
  occurredAt?: Date | null;
}

export interface LoggedError {
  message: typeof LOGGED_MESSAGE;
  logPath: string;
}

export interface ErrorLog {
  customerId: string;
  logPath: string;
  /** "2024-W15". */
  week: string;
  entries: number;
}

export interface ErrorLogLimits {
  errorLogRatePerSecond: number;
  errorLogMaxFileBytes: number;
  errorLogRetentionWeeks: number;
  maxSignedUrlSeconds: number;
}

export interface ErrorLogsDeps {
  db: Database;
  storage: Storage;
  customers: CustomersService;
  logger: Logger;
  limits: ErrorLogLimits;
  clock: () => Date;
  /** logError calls per key: shared by every API process when given, else counted in this one. */
  rateLimiter?: KeyRateLimiter;
}

/** `customer-error-logs/{customerId}/errors-{ISO year}-W{ww}.log`. */
export function logPathOf(customerId: string, week: IsoWeek): string {
  return `customer-error-logs/${customerId}/errors-${formatIsoWeek(week)}.log`;
}

const MAX_MESSAGE_CHARS = 10_000;
const MAX_STACK_CHARS = 50_000;
// Fixed bounds, not settings: they keep one entry from filling a week's file.
const MAX_SCRIPT_CHARS = 2_000;
const MAX_CONTEXT_CHARS = 50_000;
/** Client clocks drift: an occurredAt up to a day after the receive time is taken as sent. */
const MAX_CLOCK_SKEW_MS = 24 * 3600 * 1000;
/** A file that is being written to is rewritten at most this often by one process. */
const MIN_REWRITE_INTERVAL_MS = 200;
/** Entries of one file written by one transaction and one PUT. */
const MAX_BATCH_ENTRIES = 200;

interface PendingEntry {
  line: string;
  /** The line's UTF-8 bytes with its newline. */
  bytes: number;
  receivedAt: Date;
  settle: (outcome: { ok: true } | { ok: false; error: unknown }) => void;
}

/** Entries waiting to be written to one file by this process. */
interface FileQueue {
  customerId: string;
  week: IsoWeek;
  path: string;
  entries: PendingEntry[];
}

export class ErrorLogsService {
  private readonly rateLimits: KeyRateLimiter;
  private readonly queues = new Map<string, FileQueue>();

  private readonly deps: ErrorLogsDeps;
  constructor(deps: ErrorLogsDeps) {
    this.deps = deps;
    this.rateLimits = deps.rateLimiter ?? inProcessRateLimiter(deps.limits.errorLogRatePerSecond, () => deps.clock().getTime());
  }

  /**
   * Appends one line to the customer's log of the ISO week (UTC) in which the entry is received.
   * Resolves once the line is in the bucket and its row is committed.
   */
  async log(viewer: Viewer, input: LogErrorInput): Promise<LoggedError> {
    const caller = requireAuthenticated(viewer);
    const limited = await this.rateLimits.take(caller.kind === 'admin' ? 'admin' : `customer:${caller.customerId}`);
    if (!limited.ok) {
      throw new RateLimitedError(
        `Too many logError calls for this API key (at most ${this.deps.limits.errorLogRatePerSecond} a second); retry in ${limited.retryAfterSeconds} s`,
        limited.retryAfterSeconds,
      );
    }
    if (input.message.trim() === '') throw new BadRequestError('The message must not be empty');
    const receivedAt = this.deps.clock();
    const entry = parseInput(this.entrySchema(receivedAt), input, 'input');
    const customerId = await this.deps.customers.actingCustomerId(caller, input.customerId, 'input.customerId');
    const week = isoWeekOf(receivedAt);
    const path = logPathOf(customerId, week);
    const line = JSON.stringify({
      receivedAt: receivedAt.toISOString(),
      occurredAt: entry.occurredAt?.toISOString() ?? null,
      level: entry.level,
      script: entry.script ?? null,
      message: entry.message,
      stack: entry.stack ?? null,
      context: entry.context ?? null,
    });
    await this.append({ customerId, week, path }, line, receivedAt);
    return { message: LOGGED_MESSAGE, logPath: path };
  }

  /** The week's log (this week when none is given); null when it has no entries. */
  async get(viewer: Viewer, args: { week?: string | null; customerId?: string | null }): Promise<ErrorLog | null> {
    const caller = requireAuthenticated(viewer);
    let week: IsoWeek;
    if (args.week === null || args.week === undefined) {
      week = isoWeekOf(this.deps.clock());
    } else {
      const parsed = parseIsoWeek(args.week.trim());
      if (typeof parsed === 'string') throw ValidationError.field('week', parsed);
      week = parsed;
    }
    const customerId = await this.deps.customers.actingCustomerId(caller, args.customerId, 'customerId');
    const entries = await errorLogs.countEntries(this.deps.db, customerId, formatIsoWeek(week));
    if (entries === 0) return null;
    const logPath = logPathOf(customerId, week);
    // Rows outlive the object when a bucket lifecycle rule expires old weeks: then there is no log.
    if (!(await this.deps.storage.head(logPath))) return null;
    return { customerId, logPath, week: formatIsoWeek(week), entries };
  }

  /**
   * Drops the entries of weeks older than the retention. Their files were final long ago; the
   * bucket's lifecycle rule decides how long the files stay. Returns how many rows went.
   */
  pruneOldWeeks(): Promise<number> {
    const oldestKept = new Date(this.deps.clock().getTime() - this.deps.limits.errorLogRetentionWeeks * 7 * 24 * 3600 * 1000);
    return errorLogs.deleteWeeksBefore(this.deps.db, formatIsoWeek(isoWeekOf(oldestKept)));
  }

  downloadUrl(logPath: string, expiresIn: number | null | undefined): Promise<string> {
    return signedDownloadUrl(this.deps.storage, logPath, expiresIn, this.deps.limits.maxSignedUrlSeconds);
  }

  private entrySchema(receivedAt: Date) {
    return z.object({
      message: z.string().max(MAX_MESSAGE_CHARS, `must be at most ${MAX_MESSAGE_CHARS} characters`),
      stack: z.string().max(MAX_STACK_CHARS, `must be at most ${MAX_STACK_CHARS} characters`).nullish(),
      script: z.string().max(MAX_SCRIPT_CHARS, `must be at most ${MAX_SCRIPT_CHARS} characters`).nullish(),
      level: z
        .string()
        .nullish()
        .transform((level) => (level ?? 'error').trim().toLowerCase())
        .pipe(z.enum(ERROR_LEVELS, { message: `must be one of ${ERROR_LEVELS.join(', ')}` })),
      context: z
        .unknown()
        .refine((context) => (JSON.stringify(context ?? null) ?? '').length <= MAX_CONTEXT_CHARS, {
          message: `must be at most ${MAX_CONTEXT_CHARS} characters as JSON`,
        })
        .optional(),
      occurredAt: z
        .date()
        .min(new Date(0), 'must not be before 1970')
        .max(new Date(receivedAt.getTime() + MAX_CLOCK_SKEW_MS), 'must not be more than 24 hours in the future')
        .nullish(),
    });
  }

  /**
   * Group commit, per file and process: while one batch is being written, the entries that arrive
   * queue for the next one. 250 concurrent calls then cost a few transactions and PUTs instead of
   * 250, and hold one pooled connection per file instead of one per waiting call.
   */
  private append(file: Omit<FileQueue, 'entries'>, line: string, receivedAt: Date): Promise<void> {
    return new Promise((resolve, reject) => {
      const entry: PendingEntry = {
        line,
        bytes: Buffer.byteLength(line, 'utf8') + 1,
        receivedAt,
        settle: (outcome) => (outcome.ok ? resolve() : reject(outcome.error)),
      };
      const queue = this.queues.get(file.path);
      if (queue) {
        queue.entries.push(entry);
        return;
      }
      const created: FileQueue = { ...file, entries: [entry] };
      this.queues.set(file.path, created);
      void this.drain(created);
    });
  }

  private async drain(queue: FileQueue): Promise<void> {
    while (queue.entries.length > 0) {
      const started = Date.now();
      const batch = queue.entries.splice(0, MAX_BATCH_ENTRIES);
      try {
        const accepted = await this.writeBatch(queue, batch);
        for (const entry of batch) {
          entry.settle(
            accepted.has(entry)
              ? { ok: true }
              : {
                  ok: false,
                  error: new BadRequestError(
                    `This week's error log (${formatIsoWeek(queue.week)}) is full: it may hold at most ${this.deps.limits.errorLogMaxFileBytes} bytes; new entries are accepted again when the next ISO week starts (UTC)`,
                  ),
                },
          );
        }
      } catch (error) {
        for (const entry of batch) entry.settle({ ok: false, error });
      }
      // More arrived meanwhile: let them gather, so a busy file (up to 5 MB) is rewritten a few
      // times a second rather than once per call. A quiet file is written at once.
      if (queue.entries.length > 0) await sleep(MIN_REWRITE_INTERVAL_MS - (Date.now() - started));
    }
    // No await between the emptiness check and this: an entry that arrives later starts a new queue.
    this.queues.delete(queue.path);
  }

  /**
   * Under the file's advisory lock, in one transaction: insert the rows, then PUT the whole file
   * rebuilt from every row of the week. The PUT precedes the commit, so a crash loses nothing that
   * was answered "logged", and the next batch rewrites any file a crash left behind the rows.
   * Returns the entries that fit under the file size limit.
   */
  private async writeBatch(queue: FileQueue, batch: PendingEntry[]): Promise<Set<PendingEntry>> {
    const week = formatIsoWeek(queue.week);
    const accepted = new Set<PendingEntry>();
    await this.deps.db.transaction().execute(async (trx) => {
      await errorLogs.lockFile(trx, queue.path);
      const lines = await errorLogs.fileLines(trx, queue.customerId, week);
      let bytes = lines.reduce((sum, line) => sum + Buffer.byteLength(line, 'utf8') + 1, 0);
      for (const entry of batch) {
        if (bytes + entry.bytes > this.deps.limits.errorLogMaxFileBytes) continue;
        accepted.add(entry);
        bytes += entry.bytes;
      }
      if (accepted.size === 0) return;
      const inserted = await errorLogs.insertEntries(
        trx,
        [...accepted].map((entry) => ({ customer_id: queue.customerId, week, line: entry.line, created_at: entry.receivedAt })),
      );
      const body = `${[...lines, ...inserted.map((row) => row.line)].join('\n')}\n`;
      await this.deps.storage.put(queue.path, body, 'text/plain; charset=utf-8');
    });
    if (accepted.size < batch.length) {
      this.deps.logger.warn(
        { customerId: queue.customerId, week, refused: batch.length - accepted.size },
        'error log is full: entries refused',
      );
    }
    return accepted;
  }
}

function sleep(ms: number): Promise<void> {
  return ms > 0 ? new Promise((resolve) => setTimeout(resolve, ms)) : Promise.resolve();
}
