import sharp from 'sharp';

/** A PNG with a transparent border around an opaque red square: the pipeline's typical input. */
export function pngWithTransparentBorder(size = 200, subject = 100): Promise<Buffer> {
  const offset = Math.floor((size - subject) / 2);
  return sharp({ create: { width: size, height: size, channels: 4, background: { r: 0, g: 0, b: 0, alpha: 0 } } })
    .composite([
      {
        input: { create: { width: subject, height: subject, channels: 4, background: { r: 220, g: 30, b: 30, alpha: 1 } } },
        left: offset,
        top: offset,
      },
    ])
    .png()
    .toBuffer();
}

export function jpeg(width: number, height: number): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 3, background: { r: 40, g: 120, b: 200 } } })
    .jpeg()
    .toBuffer();
}
