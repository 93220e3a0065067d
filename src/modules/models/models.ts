import type { PipelineMode } from '../../db/schema/workflows.ts';
import type { ModelTemplate } from '../../media/template.ts';

export type { ModelTemplate };

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
    description: 'The subject swells and bounces over a midnight-blue night with gold light, the title in gold below: a New Year greeting.',
    pipelineModes: ['IMAGE', 'VIDEO'],
    aspectRatios: ['16:9', '9:16', '1:1', '4:5'],
    creditCost: { IMAGE: 1, VIDEO: 5 },
    template: {
      background: ['#0b1a3a', '#3a2a0b'],
      subjectScale: 0.7,
      title: { color: '#f5d37a', sizeShare: 0.08, font: 'sans-serif bold' },
      animation: 'zoom-bounce',
      durationMs: 6000,
      fps: 30,
    },
  },
  {
    id: 'aurora_portrait_2026',
    title: 'Aurora portrait',
    description: 'A calm portrait: the subject drifts over green-violet aurora light, the title in pale mint italics below.',
    pipelineModes: ['IMAGE', 'VIDEO'],
    aspectRatios: ['9:16', '4:5', '1:1'],
    creditCost: { IMAGE: 2, VIDEO: 8 },
    template: {
      background: ['#0a3d2e', '#3b1a5a'],
      subjectScale: 0.8,
      title: { color: '#c9f5e4', sizeShare: 0.065, font: 'serif bold italic' },
      animation: 'drift',
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
