// The pipeline end to end through the API and a worker, against what the media work alone costs:
// VIDEO 16:9 (6 s, 1920x1080, 30 fps) against one libx264 veryfast encode of that size and length;
// IMAGE against the same sharp operations in a plain script; and the peak RSS of a worker running
// 2 concurrent 40-megapixel inputs.
import { spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { ffmpegPath } from '../src/media/ffmpeg.ts';
import { type BenchRow, row } from './lib/bench-row.ts';
import { createCustomer, createWorkflow, inputImage, type WorkflowState, waitForSuccess } from './lib/client.ts';
import type { BenchContext } from './lib/context.ts';
import { cpuMs, cpuWithChildrenMs, databaseCpuBetween, databaseCpuMs } from './lib/cpu.ts';
import { IMAGE_RUNS } from './lib/image-runs.ts';
import { type Child, ROOT, runForResult } from './lib/processes.ts';
import { type ApiProcess, startApi, startWorker } from './lib/services.ts';
import { nowMs, percentile, sleep } from './lib/stats.ts';

/** The service's own figure: from the workflow's creation to the commit of its SUCCESS. */
function endToEndMs(state: WorkflowState): number {
  return Date.parse(state.updatedAt) - Date.parse(state.createdAt);
}

function flowRows(label: string, state: WorkflowState): BenchRow[] {
  return state.completions.map((completion) =>
    row(`pipeline: ${label} flow ${completion.flow}`, Date.parse(completion.completedAt!) - Date.parse(completion.startedAt!), 'ms'),
  );
}

/** One libx264 veryfast encode of 6 s of 1920x1080 at 30 fps (a generated test pattern), timed, with its CPU time. */
async function x264Encode(dir: string): Promise<{ ms: number; cpuMs: number }> {
  const args = ['-v', 'error', '-f', 'lavfi', '-i', 'testsrc2=size=1920x1080:rate=30:duration=6'];
  const output = ['-c:v', 'libx264', '-preset', 'veryfast', '-pix_fmt', 'yuv420p', '-y', path.join(dir, 'x264-baseline.mp4')];
  const started = nowMs();
  // The bench's own ended children: ffmpeg's CPU time is in them once it has been waited for.
  const cpuBefore = cpuWithChildrenMs(process.pid) - cpuMs(process.pid);
  await new Promise<void>((resolve, reject) => {
    const ffmpeg = spawn(ffmpegPath, [...args, ...output], { stdio: 'ignore' });
    ffmpeg.once('error', reject);
    ffmpeg.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`ffmpeg exited ${code}`))));
  });
  const ms = nowMs() - started;
  await sleep(50);
  return { ms, cpuMs: cpuWithChildrenMs(process.pid) - cpuMs(process.pid) - cpuBefore };
}

async function imageAndVideo(context: BenchContext, api: ApiProcess, key: string): Promise<BenchRow[]> {
  const worker = await startWorker(context.stack, 'pipeline-worker', { WORKER_CONCURRENCY: '1' });
  const source = await inputImage(1200, 900);
  const sourceFile = path.join(context.stack.dir, 'pipeline-source.png');
  await fs.writeFile(sourceFile, source);
  context.log(`pipeline: IMAGE, ${IMAGE_RUNS.warmUp} warm-up runs then ${IMAGE_RUNS.timed} timed ones`);
  const imageRuns: WorkflowState[] = [];
  const imageCpu: ProcessesCpu[] = [];
  for (let i = 0; i < IMAGE_RUNS.warmUp + IMAGE_RUNS.timed; i++) {
    const before = await processesCpu(context, api, worker);
    const id = await createWorkflow(api.url, key, source, { mode: 'IMAGE' });
    imageRuns.push(...(await waitForSuccess(api.url, key, [id], 300_000, 100)));
    if (i >= IMAGE_RUNS.warmUp) imageCpu.push(cpuBetween(before, await processesCpu(context, api, worker)));
  }
  const timed = imageRuns.slice(IMAGE_RUNS.warmUp);
  const imageMs = percentile(timed.map(endToEndMs), 50);
  context.log('pipeline: VIDEO 16:9, 3 runs one after the other');
  const videoRuns: Array<{ state: WorkflowState; cpuMs: number }> = [];
  for (let i = 0; i < 3; i++) {
    const workerCpuBefore = cpuWithChildrenMs(worker.process.pid);
    const videoId = await createWorkflow(api.url, key, source, { mode: 'VIDEO' });
    const [state] = await waitForSuccess(api.url, key, [videoId], 600_000, 100);
    // Children count once waited for: the last ffprobe has been by the time the run is SUCCESS.
    videoRuns.push({ state: state!, cpuMs: cpuWithChildrenMs(worker.process.pid) - workerCpuBefore });
  }
  const videoMs = percentile(
    videoRuns.map((run) => endToEndMs(run.state)),
    50,
  );
  const video = videoRuns.find((run) => endToEndMs(run.state) === videoMs)!.state;
  const videoCpuMs = percentile(
    videoRuns.map((run) => run.cpuMs),
    50,
  );
  await worker.stop();
  context.log('pipeline: the baselines (sharp script, x264 encode)');
  const script = await runForResult<{ ms: number; cpuMs: number }>('image-flows', [
    path.join(ROOT, 'bench', 'load', 'image-flows.ts'),
    sourceFile,
  ]);
  const x264 = await x264Encode(context.stack.dir);
  const medianRun = timed.find((state) => endToEndMs(state) === imageMs)!;
  return [
    row('pipeline: VIDEO 16:9 end to end (median of 3)', videoMs, 'ms', { name: 'libx264 veryfast 6 s 1920x1080 30 fps', value: x264.ms }),
    row('pipeline: VIDEO 16:9 CPU time of a run, worker and its ffmpeg (median of 3)', videoCpuMs / 1000, 's', {
      name: 'CPU time of that x264 encode',
      value: x264.cpuMs / 1000,
    }),
    ...flowRows('VIDEO', video),
    row(`pipeline: IMAGE 16:9 end to end (median of ${IMAGE_RUNS.timed})`, imageMs, 'ms', {
      name: 'the same flows in a plain script',
      value: script.ms,
    }),
    ...flowRows('IMAGE', medianRun),
    ...imageCpuRows(imageCpu, script.cpuMs),
  ];
}

/** CPU time (ms) an IMAGE run cost each process it keeps busy. */
interface ProcessesCpu {
  worker: number;
  api: number;
  /** The bench's own process: its client and, unless S3_ENDPOINT is set, the embedded S3 server. */
  bench: number;
  database: number;
}

/** CPU time so far of the processes beside the database, and of each database backend (by pid). */
interface CpuSnapshot extends Omit<ProcessesCpu, 'database'> {
  backends: Map<number, number>;
}

async function processesCpu(context: BenchContext, api: ApiProcess, worker: Child): Promise<CpuSnapshot> {
  const backends = await databaseCpuMs(context.stack.databaseUrl);
  return { worker: cpuMs(worker.process.pid), api: cpuMs(api.child.process.pid), bench: cpuMs(process.pid), backends };
}

function cpuBetween(before: CpuSnapshot, after: CpuSnapshot): ProcessesCpu {
  return {
    worker: after.worker - before.worker,
    api: after.api - before.api,
    bench: after.bench - before.bench,
    database: databaseCpuBetween(before.backends, after.backends),
  };
}

/**
 * Where an IMAGE run's CPU goes, beside the plain script's: the worker against the script, and what
 * the run costs the processes that share the machine with it (the script has none of them).
 */
function imageCpuRows(runs: ProcessesCpu[], scriptCpuMs: number): BenchRow[] {
  const median = (pick: (run: ProcessesCpu) => number) => percentile(runs.map(pick), 50);
  return [
    row(
      `pipeline: IMAGE CPU time of a run, the worker (median of ${IMAGE_RUNS.timed})`,
      median((run) => run.worker),
      'ms',
      {
        name: 'CPU time of the same flows in the plain script',
        value: scriptCpuMs,
      },
    ),
    row(
      'pipeline: IMAGE CPU time of a run, the API process (its upload and the polls)',
      median((run) => run.api),
      'ms',
    ),
    row(
      'pipeline: IMAGE CPU time of a run, PostgreSQL',
      median((run) => run.database),
      'ms',
    ),
    row(
      'pipeline: IMAGE CPU time of a run, the bench process (embedded S3 server, client)',
      median((run) => run.bench),
      'ms',
    ),
  ];
}

/** VmHWM: the most resident memory the process ever had. */
async function peakRssMb(pid: number): Promise<number> {
  const status = await fs.readFile(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1]);
  return kb / 1024;
}

async function peakMemory(context: BenchContext, api: ApiProcess, key: string): Promise<BenchRow[]> {
  const worker = await startWorker(context.stack, 'pipeline-memory-worker', { WORKER_CONCURRENCY: '2' });
  const idleMb = await peakRssMb(worker.process.pid!);
  // 7744 x 5164: just under the 40-megapixel limit of an input.
  const large = await inputImage(7744, 5164);
  context.log(`pipeline: 2 concurrent 40-megapixel IMAGE runs (${(large.byteLength / 1e6).toFixed(1)} MB input)`);
  const ids = [await createWorkflow(api.url, key, large, { mode: 'IMAGE' }), await createWorkflow(api.url, key, large, { mode: 'IMAGE' })];
  await waitForSuccess(api.url, key, ids, 600_000, 200);
  const mb = await peakRssMb(worker.process.pid!);
  await worker.stop();
  return [
    row('pipeline: peak RSS of a worker, 2 concurrent 40-MP IMAGE runs', mb, 'MB'),
    row('pipeline: peak RSS of the same worker once started, before any job', idleMb, 'MB'),
  ];
}

export async function runPipeline(context: BenchContext): Promise<BenchRow[]> {
  const api = await startApi(context.stack, 'pipeline-api');
  const customer = await createCustomer(api.url, context.stack.adminKey, 'Pipeline bench', 1000);
  const rows = await imageAndVideo(context, api, customer.apiKey);
  rows.push(...(await peakMemory(context, api, customer.apiKey)));
  await api.child.stop();
  return rows;
}
