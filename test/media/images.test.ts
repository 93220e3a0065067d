import fc from 'fast-check';
import sharp, { type Color } from 'sharp';
import { describe, expect, test } from 'vitest';
import { cropToContent } from '../../src/media/crop-to-content.ts';
import { openImage } from '../../src/media/decode.ts';
import { MediaError } from '../../src/media/errors.ts';
import { subjectBox } from '../../src/media/layout.ts';
import { renderImage } from '../../src/media/render-image.ts';
import { replaceAlphaWithGray } from '../../src/media/replace-alpha-with-gray.ts';
import { upscale, upscaleTarget } from '../../src/media/upscale.ts';
import { findModel, type ModelTemplate } from '../../src/modules/models/models.ts';
import { hex, near, pixelAt, rawPixels, solidPng } from '../helpers/media.ts';

const transparent = { r: 0, g: 0, b: 0, alpha: 0 };
const newYear = findModel('vim_new_year_2026')!.template;
const aurora = findModel('aurora_portrait_2026')!.template;

function canvas(
  width: number,
  height: number,
  background: Color,
  blocks: Array<{ left: number; top: number; width: number; height: number; color: Color }>,
) {
  return sharp({ create: { width, height, channels: 4, background } })
    .composite(
      blocks.map((b) => ({
        input: { create: { width: b.width, height: b.height, channels: 4 as const, background: b.color } },
        left: b.left,
        top: b.top,
      })),
    )
    .png()
    .toBuffer();
}

async function expectMediaError(promise: Promise<unknown>, message: RegExp) {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(MediaError);
  expect((error as MediaError).code).toBe('INVALID_INPUT');
  expect((error as MediaError).message).toMatch(message);
}

describe('cropToContent', () => {
  test('trims a transparent border to exactly the opaque subject', async () => {
    const input = await canvas(200, 200, transparent, [
      { left: 37, top: 51, width: 100, height: 80, color: { r: 20, g: 200, b: 30, alpha: 1 } },
    ]);
    const out = await cropToContent(input);
    expect([out.width, out.height, out.contentType]).toEqual([100, 80, 'image/png']);
    const pixels = await rawPixels(out.data);
    expect([pixels.width, pixels.height]).toEqual([100, 80]);
    for (const [x, y] of [
      [0, 0],
      [99, 0],
      [0, 79],
      [99, 79],
      [50, 40],
    ] as const) {
      expect(pixelAt(pixels, x, y)).toEqual([20, 200, 30, 255]);
    }
  });

  test('trims the uniform white border of an opaque image to its content', async () => {
    const input = await sharp(
      await canvas(300, 200, '#ffffff', [
        { left: 40, top: 70, width: 120, height: 90, color: '#102030' },
        { left: 100, top: 100, width: 20, height: 20, color: '#f0a000' },
      ]),
    )
      .removeAlpha()
      .png()
      .toBuffer();
    const out = await cropToContent(input);
    expect([out.width, out.height]).toEqual([120, 90]);
    const pixels = await rawPixels(out.data);
    expect(pixelAt(pixels, 0, 0)).toEqual([16, 32, 48]);
    expect(pixelAt(pixels, 65, 35)).toEqual([240, 160, 0]);
  });

  test('applies EXIF orientation before trimming', async () => {
    const input = await sharp(await canvas(300, 200, '#ffffff', [{ left: 40, top: 70, width: 120, height: 90, color: '#102030' }]))
      .removeAlpha()
      .withMetadata({ orientation: 6 })
      .jpeg({ quality: 95 })
      .toBuffer();
    const out = await cropToContent(input);
    // Orientation 6 is a quarter turn: the 120x90 content is displayed 90x120.
    expect([out.width, out.height]).toEqual([90, 120]);
  });

  test('an image of one colour is all content: it comes back whole', async () => {
    const out = await cropToContent(await solidPng(64, 48, { r: 255, g: 255, b: 255 }));
    expect([out.width, out.height]).toEqual([64, 48]);
  });

  test('an entirely transparent image is a MediaError', async () => {
    const input = await canvas(64, 64, transparent, []);
    await expectMediaError(cropToContent(input), /entirely transparent/);
  });

  test('bytes that are not an image are a MediaError', async () => {
    await expectMediaError(cropToContent(Buffer.from('not an image at all')), /could not be decoded/);
  });

  // A transparent corner sends the crop down its alpha-only path (the RGBA image is never held
  // whole): it must cut exactly what sharp's trim of the whole image cuts, whatever the colours
  // under low alpha, soft or speckled edges, or content touching the sides.
  test('with a transparent corner, crops exactly as sharp trims the whole image', async () => {
    const alphaValue = fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 20 }), fc.integer({ min: 0, max: 255 }), fc.constant(255));
    const image = fc
      .record({ width: fc.integer({ min: 3, max: 24 }), height: fc.integer({ min: 3, max: 24 }), channels: fc.constantFrom(2, 4) })
      .chain(({ width, height, channels }) =>
        fc.record({
          width: fc.constant(width),
          height: fc.constant(height),
          channels: fc.constant(channels),
          alpha: fc.array(alphaValue, { minLength: width * height, maxLength: width * height }),
          colours: fc.uint8Array({ minLength: width * height * (channels - 1), maxLength: width * height * (channels - 1) }),
          // Rows and columns from each side left fully transparent (whatever colour they hold).
          border: fc.array(fc.integer({ min: 0, max: 8 }), { minLength: 4, maxLength: 4 }),
        }),
      );
    await fc.assert(
      fc.asyncProperty(image, async ({ width, height, channels, alpha, colours, border: [left, top, right, bottom] }) => {
        const raw = Buffer.alloc(width * height * channels);
        for (let pixel = 0; pixel < width * height; pixel += 1) {
          const x = pixel % width;
          const y = Math.floor(pixel / width);
          const inBorder = x < left! || y < top! || x >= width - right! || y >= height - bottom!;
          if (pixel === 0 || inBorder) alpha[pixel] = 0;
          raw.set(colours.subarray(pixel * (channels - 1), (pixel + 1) * (channels - 1)), pixel * channels);
          raw[pixel * channels + channels - 1] = alpha[pixel]!;
        }
        const png = await sharp(raw, { raw: { width, height, channels: channels as 2 | 4 } })
          .png()
          .toBuffer();
        const expected = await openImage(png)
          .trim()
          .raw()
          .toBuffer({ resolveWithObject: true })
          .then(({ data, info }) => ({ data, width: info.width, height: info.height }));
        if (expected.width === width && expected.height === height && alpha.every((value) => value === 0)) {
          await expectMediaError(cropToContent(png), /entirely transparent/);
          return;
        }
        const out = await cropToContent(png);
        const pixels = await openImage(out.data).raw().toBuffer({ resolveWithObject: true });
        expect([pixels.info.width, pixels.info.height]).toEqual([expected.width, expected.height]);
        expect(pixels.data.equals(expected.data)).toBe(true);
      }),
      // Shrinking re-encodes an image per step: the first counterexample is reported as it is.
      { numRuns: Number(process.env['CROP_PROPERTY_RUNS'] ?? 300), endOnFailure: true },
    );
  });
});

describe('replaceAlphaWithGray', () => {
  test('transparent areas become exactly #808080, the alpha channel goes, the subject keeps its colour', async () => {
    const input = await canvas(100, 100, transparent, [
      { left: 30, top: 30, width: 40, height: 40, color: { r: 200, g: 10, b: 20, alpha: 1 } },
      { left: 0, top: 90, width: 100, height: 10, color: { r: 0, g: 0, b: 255, alpha: 0.5 } },
    ]);
    const out = await replaceAlphaWithGray(input);
    expect(out.contentType).toBe('image/png');
    const metadata = await sharp(out.data).metadata();
    expect(metadata.hasAlpha).toBe(false);
    expect(metadata.channels).toBe(3);
    const pixels = await rawPixels(out.data);
    expect(pixels.channels).toBe(3);
    expect(pixelAt(pixels, 0, 0)).toEqual([128, 128, 128]);
    expect(pixelAt(pixels, 99, 50)).toEqual([128, 128, 128]);
    expect(pixelAt(pixels, 50, 50)).toEqual([200, 10, 20]);
    // Half-transparent blue over gray: a blend, halfway.
    expect(near(pixelAt(pixels, 50, 95), [64, 64, 192], 2)).toBe(true);
  });

  test('an opaque image passes through with its pixels unchanged', async () => {
    const out = await replaceAlphaWithGray(await solidPng(10, 10, { r: 1, g: 2, b: 3 }));
    expect(pixelAt(await rawPixels(out.data), 5, 5)).toEqual([1, 2, 3]);
  });

  test('an opaque 8-bit sRGB PNG is handed on as it is, not re-encoded; an opaque JPEG is made a PNG', async () => {
    const png = await sharp({ create: { width: 40, height: 30, channels: 3, background: { r: 9, g: 8, b: 7 } } })
      .png({ compressionLevel: 0 })
      .toBuffer();
    const out = await replaceAlphaWithGray(png);
    expect(out.data.equals(png)).toBe(true);
    expect([out.width, out.height]).toEqual([40, 30]);
    const fromJpeg = await replaceAlphaWithGray(await sharp(png).jpeg().toBuffer());
    expect((await sharp(fromJpeg.data).metadata()).format).toBe('png');
  });
});

describe('upscale', () => {
  test('an image already as large as the box is handed on as it is when it is a plain PNG', async () => {
    const png = await sharp({ create: { width: 2000, height: 1500, channels: 3, background: { r: 9, g: 8, b: 7 } } })
      .png({ compressionLevel: 0 })
      .toBuffer();
    const out = await upscale(png, { template: newYear, aspectRatio: '16:9' });
    expect(out.data.equals(png)).toBe(true);
    expect([out.width, out.height, out.scale]).toEqual([2000, 1500, 1]);
  });

  // The documented rule, worked out by hand for subjectScale 0.7 (boxes 1344x756, 756x1344, 1344x1344, 1074x1344).
  const cases: Array<[string, [number, number], [number, number]]> = [
    ['16:9', [400, 300], [1008, 756]], // height-bound: 756 / 300 = 2.52x
    ['9:16', [400, 300], [756, 566]], // width-bound: 756 / 400 = 1.89x, 567 rounded down to even
    ['1:1', [400, 300], [1344, 1008]], // width-bound: 3.36x
    ['4:5', [400, 300], [1074, 804]], // width-bound: 2.685x, 805.5 → 804
    ['16:9', [100, 80], [400, 320]], // would need 9.45x: capped at 4x
    ['9:16', [100, 80], [400, 320]],
    ['1:1', [100, 80], [400, 320]],
    ['4:5', [100, 80], [400, 320]],
    ['16:9', [3000, 2000], [3000, 2000]], // larger than the box: never shrunk
    ['9:16', [3000, 2000], [3000, 2000]],
    ['1:1', [2001, 1501], [2000, 1500]], // odd sides lose one pixel to become even
    ['4:5', [1074, 1344], [1074, 1344]], // exactly the box: unchanged
    ['16:9', [301, 201], [1132, 756]], // height-bound, 1132.1 → 1132
  ];
  test.each(cases)('%s: %j → %j', (aspectRatio, [width, height], expected) => {
    const target = upscaleTarget({ width, height }, newYear, aspectRatio);
    expect([target.width, target.height]).toEqual(expected);
    expect(target.width % 2).toBe(0);
    expect(target.height % 2).toBe(0);
    expect(target.width).toBeLessThanOrEqual(width * 4);
    expect(target.height).toBeLessThanOrEqual(height * 4);
    if (width <= 1344 && height <= 1344) {
      const box = subjectBox(newYear, aspectRatio);
      expect(target.width).toBeLessThanOrEqual(box.width);
      expect(target.height).toBeLessThanOrEqual(box.height);
    }
  });

  test('the box follows the template: subjectScale 0.8 at 9:16 is 864x1536', () => {
    expect(subjectBox(aurora, '9:16')).toEqual({ width: 864, height: 1536 });
    expect(upscaleTarget({ width: 300, height: 400 }, aurora, '9:16')).toMatchObject({ width: 864, height: 1152 });
  });

  test('resizes real pixels with Lanczos to the target, keeping each side its colour', async () => {
    const input = await canvas(400, 300, '#ff0000', [{ left: 200, top: 0, width: 200, height: 300, color: '#0000ff' }]);
    const out = await upscale(input, { template: newYear, aspectRatio: '16:9' });
    expect([out.width, out.height, out.scale]).toEqual([1008, 756, 2.52]);
    const pixels = await rawPixels(out.data);
    expect([pixels.width, pixels.height]).toEqual([1008, 756]);
    expect(pixelAt(pixels, 100, 378).slice(0, 3)).toEqual([255, 0, 0]);
    expect(pixelAt(pixels, 900, 378).slice(0, 3)).toEqual([0, 0, 255]);
  });

  test('a large image comes back at its own size', async () => {
    const out = await upscale(await solidPng(2400, 1600, { r: 9, g: 9, b: 9 }), { template: newYear, aspectRatio: '1:1' });
    expect([out.width, out.height, out.scale]).toEqual([2400, 1600, 1]);
  });
});

describe('renderImage', () => {
  const subjectColor = { r: 30, g: 200, b: 60 };
  const frames: Array<[string, number, number]> = [
    ['16:9', 1920, 1080],
    ['9:16', 1080, 1920],
    ['1:1', 1920, 1920],
    ['4:5', 1536, 1920],
  ];
  test.each(frames)(
    '%s: a %ix%i PNG, subject in the centre, gradient in the corners, the title below',
    async (aspectRatio, width, height) => {
      const out = await renderImage(await solidPng(600, 400, subjectColor), {
        template: newYear,
        aspectRatio,
        title: 'Happy 2026 & <you>',
      });
      expect(out.contentType).toBe('image/png');
      expect((await sharp(out.data).metadata()).format).toBe('png');
      const pixels = await rawPixels(out.data);
      expect([pixels.width, pixels.height, out.width, out.height]).toEqual([width, height, width, height]);
      const cx = width / 2;
      const cy = height / 2;
      for (const [dx, dy] of [
        [0, 0],
        [-150, -100],
        [149, 99],
      ] as const) {
        expect(pixelAt(pixels, cx + dx, cy + dy).slice(0, 3)).toEqual([30, 200, 60]);
      }
      // Just outside the subject (600x400, centred, not enlarged): background.
      expect(pixelAt(pixels, cx - 301, cy).slice(0, 3)).not.toEqual([30, 200, 60]);
      expect(pixelAt(pixels, 0, 0).slice(0, 3)).toEqual(hex(newYear.background[0]));
      expect(pixelAt(pixels, width - 1, 0).slice(0, 3)).toEqual(hex(newYear.background[0]));
      expect(pixelAt(pixels, 0, height - 1).slice(0, 3)).toEqual(hex(newYear.background[1]));
      expect(out.titleDrawn).toBe(true);
      expect(countNear(pixels, hex(newYear.title!.color), 12, Math.round(height * 0.85))).toBeGreaterThan(500);
    },
  );

  test('a subject larger than the box is shrunk into it, centred', async () => {
    const out = await renderImage(await solidPng(3000, 3000, subjectColor), { template: newYear, aspectRatio: '1:1', title: null });
    const pixels = await rawPixels(out.data);
    // Box 1344x1344 centred in 1920x1920: columns 288..1631.
    expect(pixelAt(pixels, 289, 960).slice(0, 3)).toEqual([30, 200, 60]);
    expect(pixelAt(pixels, 1630, 960).slice(0, 3)).toEqual([30, 200, 60]);
    expect(pixelAt(pixels, 286, 960).slice(0, 3)).not.toEqual([30, 200, 60]);
    expect(pixelAt(pixels, 1633, 960).slice(0, 3)).not.toEqual([30, 200, 60]);
    expect(out.titleDrawn).toBe(false);
  });

  test('no title style, or a blank title: nothing is drawn, every background row is one colour', async () => {
    const template: ModelTemplate = { ...aurora, title: null };
    for (const [tpl, title] of [
      [template, 'ignored'],
      [newYear, '   '],
    ] as const) {
      const out = await renderImage(await solidPng(100, 100, subjectColor), { template: tpl, aspectRatio: '9:16', title });
      expect(out.titleDrawn).toBe(false);
      const pixels = await rawPixels(out.data);
      for (const y of [1700, 1800, 1900]) {
        expect(pixelAt(pixels, 100, y)).toEqual(pixelAt(pixels, 540, y));
      }
    }
  });

  test('every model draws the title in its own colour', async () => {
    const out = await renderImage(await solidPng(100, 100, subjectColor), { template: aurora, aspectRatio: '9:16', title: 'Happy 2026' });
    expect(out.titleDrawn).toBe(true);
    expect(countNear(await rawPixels(out.data), hex(aurora.title!.color), 12, 1700)).toBeGreaterThan(500);
  });

  test('with the matte, the gray-flattened subject is cut out: no #808080 where the source was transparent', async () => {
    // The pipeline's steps in order: a red disc with a soft edge on a transparent canvas, cropped, flattened, upscaled.
    const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="300" height="240"><defs><radialGradient id="d"><stop offset="0.7" stop-color="#dc1e1e" stop-opacity="1"/><stop offset="1" stop-color="#dc1e1e" stop-opacity="0"/></radialGradient></defs><circle cx="120" cy="110" r="60" fill="url(#d)"/></svg>`;
    const cropped = await cropToContent(await sharp(Buffer.from(svg)).png().toBuffer());
    const gray = await replaceAlphaWithGray(cropped.data);
    const upscaled = await upscale(gray.data, { template: newYear, aspectRatio: '1:1' });
    const withMatte = await rawPixels(
      (await renderImage(upscaled.data, { template: newYear, aspectRatio: '1:1', matte: cropped.data })).data,
    );
    const without = await rawPixels((await renderImage(upscaled.data, { template: newYear, aspectRatio: '1:1' })).data);
    const side = upscaled.width;
    const corner = 960 - side / 2 + 4; // inside the subject's box, outside the disc
    expect(pixelAt(without, corner, corner).slice(0, 3)).toEqual(hex('#808080'));
    expect(near(pixelAt(withMatte, corner, corner), pixelAt(withMatte, 4, corner), 2)).toBe(true);
    expect(near(pixelAt(withMatte, 960, 960), hex('#dc1e1e'), 3)).toBe(true);
    expect(countNear(withMatte, hex('#808080'), 10, 0)).toBe(0);
    // The soft edge blends red into the background, with no gray in it: red stays above green and blue.
    for (let x = 960 + side / 2 - 1; x > 960; x -= 1) {
      const [r, g, b] = pixelAt(withMatte, x, 960) as [number, number, number];
      const [bgR, bgG, bgB] = pixelAt(withMatte, 4, 960) as [number, number, number];
      if (near([r, g, b], [bgR, bgG, bgB], 2)) continue;
      expect(r).toBeGreaterThanOrEqual(bgR);
      expect(g).toBeLessThanOrEqual(Math.max(bgG, 30) + 1);
      expect(b).toBeLessThanOrEqual(Math.max(bgB, 30) + 1);
    }
  });

  test('an opaque matte leaves the subject as it is', async () => {
    const subject = await solidPng(200, 100, subjectColor);
    const out = await rawPixels((await renderImage(subject, { template: newYear, aspectRatio: '16:9', matte: subject })).data);
    expect(pixelAt(out, 960 - 99, 540 - 49).slice(0, 3)).toEqual([30, 200, 60]);
  });

  test('an unknown aspect ratio is a MediaError', async () => {
    await expectMediaError(renderImage(await solidPng(10, 10, subjectColor), { template: newYear, aspectRatio: 'wide' }), /aspect ratio/);
  });
});

/** Pixels within `tolerance` of `rgb` in the rows from `fromRow` down. */
function countNear(pixels: Awaited<ReturnType<typeof rawPixels>>, rgb: number[], tolerance: number, fromRow: number): number {
  let count = 0;
  for (let y = fromRow; y < pixels.height; y += 1) {
    for (let x = 0; x < pixels.width; x += 1) {
      if (near(pixelAt(pixels, x, y), rgb, tolerance)) count += 1;
    }
  }
  return count;
}
