/**
 * How CREATE_MEDIA and VIDEO_OVERLAY render a model. The media layer owns this shape; the models
 * module fills it in for each model it offers.
 */
export interface ModelTemplate {
  /** Background colours, top to bottom, of a generated gradient (also the background video's base). */
  background: readonly [string, string];
  /** The subject's box as a share of the frame, on both sides (see layout.ts subjectBox). */
  subjectScale: number;
  /** How the workflow title is drawn below the subject, in the IMAGE and in the VIDEO; null: never. */
  title: { color: string; sizeShare: number /** A Pango font description, e.g. "sans-serif bold". */; font: string } | null;
  /** Both start with the subject at rest, so a video's first frame makes a good poster. */
  animation: 'zoom-bounce' | 'drift';
  durationMs: number;
  fps: number;
}
