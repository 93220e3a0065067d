/**
 * Writes docs/gallery/: for each model and pipeline mode, what the pipeline makes of one sample
 * subject. The worker's own flows run in pipeline order, each on the previous flow's output, as
 * a run does (without the database and the bucket in between). IMAGE: a thumbnail of the final
 * PNG; VIDEO: a thumbnail of the first frame (the poster) and a short GIF of the start.
 *
 *   npm run gallery
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { runFfmpeg } from '../src/media/ffmpeg.ts';
import { listModels, type ModelDefinition } from '../src/modules/models/models.ts';
import { type FlowName, PIPELINES, type PipelineMode } from '../src/modules/workflows/workflow.ts';
import { type FlowInput, type FlowOutput, inMemory } from '../src/worker/flows/flow.ts';
import { flows } from '../src/worker/flows/index.ts';

// import.meta.dirname needs Node 20.11; the engines field allows 20.9.
const OUT_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'docs', 'gallery');
const THUMB_WIDTH = 480;
const GIF = { width: 320, fps: 10, seconds: 3, maxBytes: 300 * 1024 };
const TITLES: Record<string, string> = { vim_new_year_2026: 'Happy 2026', aurora_portrait_2026: 'Northern lights' };

/** A sample subject with a transparent background and soft edges: a figure with a balloon. */
function sampleSubject(): Promise<Buffer> {
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="900" height="1000">
  <defs>
    <radialGradient id="skin" cx="0.4" cy="0.35"><stop offset="0" stop-color="#ffd9b8"/><stop offset="1" stop-color="#d99a6c"/></radialGradient>
    <linearGradient id="coat" x1="0" y1="0" x2="0" y2="1"><stop offset="0" stop-color="#e8413c"/><stop offset="1" stop-color="#8f1d2c"/></linearGradient>
    <radialGradient id="balloon" cx="0.35" cy="0.3"><stop offset="0" stop-color="#fff3a8"/><stop offset="1" stop-color="#e0a010"/></radialGradient>
    <filter id="soft"><feGaussianBlur stdDeviation="3"/></filter>
  </defs>
  <g filter="url(#soft)">
    <path d="M250 980 C250 700 300 600 420 590 C540 600 590 700 590 980 Z" fill="url(#coat)"/>
    <circle cx="420" cy="460" r="150" fill="url(#skin)"/>
    <path d="M270 430 C280 300 560 300 570 430 C520 360 330 360 270 430 Z" fill="#3b2416"/>
    <circle cx="370" cy="470" r="14" fill="#2b1b12"/><circle cx="470" cy="470" r="14" fill="#2b1b12"/>
    <path d="M370 530 Q420 570 470 530" stroke="#9a3a2a" stroke-width="10" fill="none" stroke-linecap="round"/>
    <path d="M580 760 L700 300" stroke="#555" stroke-width="5"/>
    <ellipse cx="710" cy="200" rx="120" ry="150" fill="url(#balloon)"/>
  </g>
</svg>`;
  return sharp(Buffer.from(svg)).png().toBuffer();
}

/** Runs the model's pipeline for `mode` on `source`; returns the final flow's output as a file. */
async function runPipeline(model: ModelDefinition, mode: PipelineMode, source: Buffer, workDir: string): Promise<string> {
  const outputs = new Map<FlowName | 'SOURCE', FlowInput>([['SOURCE', { key: 'source.png', data: source, contentType: 'image/png' }]]);
  let previous: FlowName | 'SOURCE' = 'SOURCE';
  const workflow = {
    id: 'gallery',
    title: TITLES[model.id] ?? model.title,
    model: model.id,
    aspectRatio: model.aspectRatios[0]!,
    pipelineMode: mode,
  };
  const prepared = new Map<FlowName, FlowOutput[]>();
  for (const flow of PIPELINES[mode]) {
    const flowDir = await fs.mkdtemp(path.join(workDir, `${flow.toLowerCase()}-`));
    const [output] = await flows[flow]({
      workflow,
      template: model.template,
      input: outputs.get(previous)!,
      loadOutput: async (name) => outputs.get(name)!,
      workDir: flowDir,
      signal: new AbortController().signal,
      onProgress: () => {},
      prepared: prepared.get(flow),
      handOver: (later, made) => prepared.set(later, made),
    });
    if (!output) throw new Error(`${flow} wrote nothing`);
    outputs.set(flow, { key: output.name, data: (await inMemory([output]))[0]!.data, contentType: output.contentType });
    previous = flow;
  }
  const final = path.join(workDir, `final-${model.id}-${mode}`);
  await fs.writeFile(final, outputs.get(previous)!.data);
  return final;
}

function thumbnail(image: string | Buffer, file: string): Promise<unknown> {
  return sharp(image).resize({ width: THUMB_WIDTH }).jpeg({ quality: 80, mozjpeg: true }).toFile(file);
}

/** The first frame of the video, then a GIF of its first seconds (fewer colours until it fits). */
async function videoThumbnails(video: string, base: string, workDir: string): Promise<string[]> {
  const poster = path.join(workDir, `${base}-poster.png`);
  await runFfmpeg(['-i', video, '-frames:v', '1', '-y', poster]);
  await thumbnail(poster, path.join(OUT_DIR, `${base}-poster.jpg`));
  const gif = path.join(OUT_DIR, `${base}.gif`);
  for (const colors of [96, 48, 24]) {
    const graph = `fps=${GIF.fps},scale=${GIF.width}:-2:flags=lanczos,split[a][b];[a]palettegen=max_colors=${colors}:stats_mode=diff[p];[b][p]paletteuse=dither=bayer:bayer_scale=3`;
    await runFfmpeg(['-t', String(GIF.seconds), '-i', video, '-filter_complex', graph, '-loop', '0', '-y', gif]);
    if ((await fs.stat(gif)).size <= GIF.maxBytes) break;
  }
  return [`${base}-poster.jpg`, `${base}.gif`];
}

async function main(): Promise<void> {
  await fs.mkdir(OUT_DIR, { recursive: true });
  const workDir = await fs.mkdtemp(path.join(os.tmpdir(), 'framewright-gallery-'));
  try {
    const source = await sampleSubject();
    await fs.writeFile(path.join(OUT_DIR, 'source.png'), await sharp(source).resize({ width: 240 }).png().toBuffer());
    for (const model of listModels()) {
      for (const mode of model.pipelineModes) {
        const started = Date.now();
        const final = await runPipeline(model, mode, source, workDir);
        const base = `${model.id}-${mode.toLowerCase()}`;
        const written =
          mode === 'IMAGE'
            ? await thumbnail(final, path.join(OUT_DIR, `${base}.jpg`)).then(() => [`${base}.jpg`])
            : await videoThumbnails(final, base, workDir);
        console.log(`${model.id} ${mode} ${model.aspectRatios[0]}: ${written.join(', ')} (${Date.now() - started} ms)`);
      }
    }
  } finally {
    await fs.rm(workDir, { recursive: true, force: true });
  }
}

await main();
