import type { PipelineMode } from '../../db/schema/workflows.ts';

/** How CREATE_MEDIA and VIDEO_OVERLAY render a model; read by the pipeline. */
export interface ModelTemplate {
  /** Background colours, top to bottom, of a generated gradient (also the background video's base). */
  background: readonly [string, string];
  /** The subject's box as a share of the frame, on both sides (see media/layout.ts subjectBox). */
  subjectScale: number;
  /** The workflow title drawn on the IMAGE render, when set. */
  title: { color: string; sizeShare: number } | null;
  animation: 'zoom-bounce' | 'fade-drift';
  durationMs: number;
  fps: number;
}

export interface ModelDefinition {
  id: string;
  title: string;
  description: string;
  pipelineModes: readonly PipelineMode[];
  aspectRatios: readonly string[];
  creditCost: Readonly<Record<PipelineMode, number>>;
  template: ModelTemplate;
}

const definitions: readonly ModelDefinition[] = [
  {
    id: 'vim_new_year_2026',
    title: 'New Year 2026',
    description: 'The subject bounces in over a midnight-blue night with gold light, ready for a New Year greeting.',
    pipelineModes: ['IMAGE', 'VIDEO'],
    aspectRatios: ['16:9', '9:16', '1:1', '4:5'],
    creditCost: { IMAGE: 1, VIDEO: 5 },
    template: {
      background: ['#0b1a3a', '#3a2a0b'],
      subjectScale: 0.7,
      title: { color: '#f5d37a', sizeShare: 0.08 },
      animation: 'zoom-bounce',
      durationMs: 6000,
      fps: 30,
    },
  },
  {
    id: 'aurora_portrait_2026',
    title: 'Aurora portrait',
    description: 'A calm portrait: the subject fades in and drifts over green-violet aurora light.',
    pipelineModes: ['IMAGE', 'VIDEO'],
    aspectRatios: ['9:16', '4:5', '1:1'],
    creditCost: { IMAGE: 2, VIDEO: 8 },
    template: {
      background: ['#0a3d2e', '#3b1a5a'],
      subjectScale: 0.8,
      title: null,
      animation: 'fade-drift',
      durationMs: 5000,
      fps: 25,
    },
  },
];

const byId = new Map(definitions.map((model) => [model.id, model]));

export function listModels(): readonly ModelDefinition[] {
  return definitions;
}

export function findModel(id: string): ModelDefinition | undefined {
  return byId.get(id);
}

/** The frame of an aspect ratio: long side 1920 px, both sides even (H.264 with yuv420p needs that). */
export function frameSize(aspectRatio: string): { width: number; height: number } {
  const [w, h] = aspectRatio.split(':').map(Number) as [number, number];
  const even = (n: number) => Math.max(2, Math.round(n / 2) * 2);
  return w >= h ? { width: 1920, height: even((1920 * h) / w) } : { width: even((1920 * w) / h), height: 1920 };
}
