import { listModels, type ModelDefinition } from '../../modules/models/models.ts';
import { builder } from '../builder.ts';
import { PipelineModeEnum } from './enums.ts';

export const ModelType = builder.objectRef<ModelDefinition>('Model').implement({
  fields: (t) => ({
    id: t.exposeString('id'),
    title: t.exposeString('title'),
    description: t.exposeString('description'),
    pipelineModes: t.field({ type: [PipelineModeEnum], resolve: (model) => [...model.pipelineModes] }),
    aspectRatios: t.field({ type: ['String'], resolve: (model) => [...model.aspectRatios] }),
    creditCost: t.int({
      args: { pipelineMode: t.arg({ type: PipelineModeEnum, required: true }) },
      resolve: (model, { pipelineMode }) => model.creditCost[pipelineMode],
    }),
  }),
});

builder.queryField('models', (t) => t.field({ type: [ModelType], resolve: () => [...listModels()] }));
