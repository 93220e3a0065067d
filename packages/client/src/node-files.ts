import { createWriteStream } from 'node:fs';
import { mkdir, readFile, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { FramewrightRequestError } from './errors.ts';
import { causeOf } from './transport.ts';

// What the client does with files on disk, in Node only: loaded on first use, so a browser app
// (whose sources are bytes and which downloads nothing to disk) never imports node: modules.

export async function readSourceFile(file: string): Promise<{ bytes: Uint8Array<ArrayBuffer>; filename: string }> {
  return { bytes: new Uint8Array(await readFile(file)), filename: path.basename(file) };
}

/** Saves each URL into `dir` under its name; returns the paths. */
export async function saveUrls(dir: string, files: Array<{ url: string; name: string }>): Promise<string[]> {
  await mkdir(dir, { recursive: true });
  const paths: string[] = [];
  for (const file of files) {
    const target = path.join(dir, file.name);
    await saveUrl(file.url, target);
    paths.push(target);
  }
  return paths;
}

/** Streams a URL to a file, written under a temporary name first so a broken download leaves no half file. */
async function saveUrl(url: string, target: string): Promise<void> {
  const response = await fetch(url).catch((error: unknown) => {
    throw new FramewrightRequestError(`cannot reach ${new URL(url).origin} to download: ${causeOf(error)}`, 'NETWORK_ERROR');
  });
  if (!response.ok || !response.body)
    throw new FramewrightRequestError(`the download failed: HTTP ${response.status}`, 'DOWNLOAD_FAILED', response.status);
  const partial = `${target}.part`;
  try {
    await pipeline(Readable.fromWeb(response.body as WebReadableStream<Uint8Array>), createWriteStream(partial));
    await rename(partial, target);
  } catch (error) {
    await rm(partial, { force: true });
    throw error;
  }
}
