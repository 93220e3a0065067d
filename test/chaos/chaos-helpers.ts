import { expect } from 'vitest';
import type { TestApp } from '../helpers/harness.ts';
import { eventually, type RoleProcess, spawnRole } from '../helpers/processes.ts';

/** mulberry32: a tiny seeded PRNG, so a failing chaos run can be replayed with the seed it printed. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** CHAOS_SEED replays a run; otherwise a fresh seed, printed so that a failure can be replayed. */
export function chaosSeed(name: string): number {
  const fromEnv = process.env['CHAOS_SEED'];
  const seed = fromEnv ? Number(fromEnv) : Math.floor(Math.random() * 2 ** 31);
  console.log(`[chaos] ${name}: seed ${seed} (replay with CHAOS_SEED=${seed})`);
  return seed;
}

/** A real `framewright worker` process; resolves once it claims jobs. */
export function spawnWorker(env: Record<string, string>, options: { detached?: boolean } = {}): Promise<RoleProcess> {
  return spawnRole('worker', { env, ready: (line) => typeof line === 'object' && line['msg'] === 'worker started', ...options });
}

export type EndStatus = 'SUCCESS' | 'FAILED' | 'CANCELED';

/** The end status of each workflow, or undefined while any has not ended. */
export async function endStatuses(app: TestApp, ids: string[]): Promise<Map<string, EndStatus> | undefined> {
  const rows = await app.db.selectFrom('workflows').select(['id', 'processing_status']).where('id', 'in', ids).execute();
  const ended = rows.filter((row) => ['SUCCESS', 'FAILED', 'CANCELED'].includes(row.processing_status));
  if (ended.length < ids.length) return undefined;
  return new Map(ended.map((row) => [row.id, row.processing_status as EndStatus]));
}

/** Waits (bounded) until every workflow has ended, whatever the end. */
export function allEnded(app: TestApp, ids: string[], timeoutMs: number): Promise<Map<string, EndStatus>> {
  return eventually(`all ${ids.length} workflows to end`, () => endStatuses(app, ids), timeoutMs);
}

/** The credit ledger's reasons per workflow, e.g. { id: ['RESERVATION'] }. */
export async function ledgerOf(app: TestApp, ids: string[]): Promise<Record<string, string[]>> {
  const rows = await app.db
    .selectFrom('credit_ledger')
    .select(['workflow_id', 'reason'])
    .where('workflow_id', 'in', ids)
    .orderBy('created_at')
    .execute();
  const byWorkflow: Record<string, string[]> = Object.fromEntries(ids.map((id) => [id, []]));
  for (const row of rows) byWorkflow[row.workflow_id!]!.push(row.reason);
  return byWorkflow;
}

/** The objects a successful run leaves under its prefix (README, "The pipeline"), source included. */
export function expectedKeys(id: string, mode: 'IMAGE' | 'VIDEO'): string[] {
  const prefix = `workflows/${id}/`;
  const common = ['source/a.png', 'crop_to_content/cropped.png', 'replace_alpha_with_gray/gray.png', 'upscale/upscaled.png'];
  const media = mode === 'IMAGE' ? ['media/final.png'] : ['create_media/clip.webm', 'media/final.mp4'];
  return [...common, ...media].map((name) => prefix + name).sort();
}

/** Each workflow's prefix holds exactly its expected objects, each once. */
export async function expectExactObjects(app: TestApp, runs: Array<{ id: string; mode: 'IMAGE' | 'VIDEO' }>): Promise<void> {
  const listed = await app.listObjects('workflows/');
  expect(new Set(listed).size, 'no key listed twice').toBe(listed.length);
  const expected = runs.flatMap((run) => expectedKeys(run.id, run.mode)).sort();
  expect([...listed].sort()).toEqual(expected);
}
