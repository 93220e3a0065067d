import { sql } from 'kysely';
import type { Database } from '../db/database.ts';
import type { Services } from '../services.ts';
import type { Storage } from '../storage/s3.ts';

/**
 * Whether the database and the bucket answer. Only the admin key sees why one fails: the error
 * text names hosts, buckets and drivers, which is nothing for anonymous callers.
 */
export async function readiness(
  deps: { db: Database; storage: Storage; services: Services },
  authorization: string | undefined,
): Promise<{ status: number; body: unknown }> {
  const [database, bucket, isAdmin] = await Promise.all([
    check(() => sql`SELECT 1`.execute(deps.db)),
    check(() => deps.storage.ping()),
    callerIsAdmin(deps.services, authorization),
  ]);
  const ready = database === 'ok' && bucket === 'ok';
  const status = ready ? 'ready' : 'not ready';
  return { status: ready ? 200 : 503, body: isAdmin ? { status, database, bucket } : { status } };
}

async function check(probe: () => Promise<unknown>): Promise<string> {
  try {
    await withTimeout(probe(), 3000);
    return 'ok';
  } catch (error) {
    return `failing: ${error instanceof Error ? error.message : String(error)}`;
  }
}

async function callerIsAdmin(services: Services, authorization: string | undefined): Promise<boolean> {
  if (!authorization) return false;
  try {
    return (await services.customers.authenticate(authorization)).kind === 'admin';
  } catch {
    return false;
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
    promise.then(resolve, reject).finally(() => clearTimeout(timer));
  });
}
