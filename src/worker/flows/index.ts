import { createMediaFlow } from './create-media.ts';
import { cropToContentFlow } from './crop-to-content.ts';
import type { FlowRegistry } from './flow.ts';
import { replaceAlphaWithGrayFlow } from './replace-alpha-with-gray.ts';
import { upscaleFlow } from './upscale.ts';
import { videoOverlayFlow } from './video-overlay.ts';

export const flows: FlowRegistry = {
  CROP_TO_CONTENT: cropToContentFlow,
  REPLACE_ALPHA_WITH_GRAY: replaceAlphaWithGrayFlow,
  UPSCALE: upscaleFlow,
  CREATE_MEDIA: createMediaFlow,
  VIDEO_OVERLAY: videoOverlayFlow,
};
