/**
 * How CREATE_MEDIA and VIDEO_OVERLAY render a model. The media layer owns this shape; the models
 * module fills it in for each model it offers.
 */
export interface ModelTemplate {
  /** Background colours, top to bottom, of a generated gradient (also the background video's base). */
  background: readonly [string, string];
  /** The subject's box as a share of the frame, on both sides (see layout.ts subjectBox). */
  subjectScale: number;
  /** The workflow title drawn on the IMAGE render, when set. */
  title: { color: string; sizeShare: number } | null;
  animation: 'zoom-bounce' | 'fade-drift';
  durationMs: number;
  fps: number;
}
