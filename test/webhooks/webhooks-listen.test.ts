import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import readline from 'node:readline';
import { afterEach, describe, expect, test } from 'vitest';
import { listenForWebhooks, MAX_BODY_BYTES, SECRET_ENV } from '../../src/cli/webhooks-listen.ts';
import { signatureHeader } from '../../src/modules/webhooks/signature.ts';
import { framewright } from '../cli/run-cli.ts';
import { trackRunning } from '../helpers/leaks.ts';

// `framewright webhooks listen`, the receiver for trying webhooks on one machine: its secret never
// on the command line, bodies bounded, and events told apart by the id the signature covers.

const SECRET = 'whsec_listen-test-secret';
const ROOT = path.resolve(import.meta.dirname, '../..');

interface Listener {
  url: string;
  /** Every line printed on stdout so far. */
  lines: string[];
  /** Resolves with the first line (printed from now on or before) that matches. */
  line(matches: RegExp): Promise<string>;
  stop(): Promise<void>;
}

const started: Listener[] = [];
afterEach(async () => {
  for (const listener of started.splice(0)) await listener.stop();
});

/** The listener as a user runs it, a real process: stdin carries `stdinText` (then ends) when given. */
async function spawnListener(args: string[], env: Record<string, string>, stdinText?: string): Promise<Listener> {
  const child: ChildProcessWithoutNullStreams = spawn(
    process.execPath,
    ['bin/framewright.js', 'webhooks', 'listen', '--port', '0', ...args],
    { cwd: ROOT, env: { PATH: process.env['PATH'] ?? '', ...env } },
  );
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const untrack = trackRunning(child, `framewright webhooks listen (pid ${child.pid})`, () => stop());
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
    untrack();
  };
  if (stdinText !== undefined) child.stdin.end(stdinText);
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const lines: string[] = [];
  const waiters: Array<{ matches: RegExp; resolve: (line: string) => void }> = [];
  readline.createInterface({ input: child.stdout }).on('line', (text) => {
    lines.push(text);
    for (const waiter of waiters.filter((w) => w.matches.test(text))) {
      waiters.splice(waiters.indexOf(waiter), 1);
      waiter.resolve(text);
    }
  });
  const line = (matches: RegExp) =>
    new Promise<string>((resolve, reject) => {
      const seen = lines.find((text) => matches.test(text));
      if (seen) return resolve(seen);
      waiters.push({ matches, resolve });
      void exited.then(() => reject(new Error(`exited before printing ${matches}: ${stderr}`)));
    });
  const listening = await line(/^listening on http:\/\/127\.0\.0\.1:\d+\//);
  const listener = { url: /http:\/\/\S+/.exec(listening)![0], lines, line, stop };
  started.push(listener);
  return listener;
}

function eventBody(id: string): string {
  return JSON.stringify({
    id,
    type: 'workflow.succeeded',
    data: { workflow: { id: `wf-${id}`, processingStatus: 'SUCCESS', result: [`https://bucket/${id}.png`] } },
  });
}

function deliver(url: string, body: string, secret: string, headerEventId = 'evt-header'): Promise<Response> {
  return fetch(url, {
    method: 'POST',
    body,
    headers: {
      'content-type': 'application/json',
      'framewright-event-id': headerEventId,
      'framewright-signature': signatureHeader(secret, body, Math.floor(Date.now() / 1000)),
    },
  });
}

describe('the signing secret', () => {
  test(`is read from ${SECRET_ENV}: a delivery signed with it is verified, one signed otherwise refused`, async () => {
    const listener = await spawnListener([], { [SECRET_ENV]: SECRET });
    expect((await deliver(listener.url, eventBody('evt-env'), SECRET)).status).toBe(200);
    expect(await listener.line(/evt-env/)).toBe(
      'workflow.succeeded wf-evt-env SUCCESS (event evt-env, verified) https://bucket/evt-env.png',
    );
    expect((await deliver(listener.url, eventBody('evt-forged'), 'whsec_another', 'evt-forged')).status).toBe(400);
    expect(await listener.line(/evt-forged/)).toMatch(/^refused evt-forged: the signature does not verify/);
  });

  test("is read from stdin with --secret-stdin (echo's newline dropped)", async () => {
    const listener = await spawnListener(['--secret-stdin'], {}, `${SECRET}\n`);
    expect((await deliver(listener.url, eventBody('evt-stdin'), SECRET)).status).toBe(200);
    expect(await listener.line(/evt-stdin/)).toMatch(/\(event evt-stdin, verified\)/);
    expect((await deliver(listener.url, eventBody('evt-stdin-forged'), 'whsec_another')).status).toBe(400);
  });

  test('without one, deliveries are printed as not verified', async () => {
    const listener = await spawnListener([], {});
    expect((await deliver(listener.url, eventBody('evt-open'), 'whsec_anything')).status).toBe(200);
    expect(await listener.line(/evt-open/)).toMatch(/\(event evt-open, not verified: no FRAMEWRIGHT_WEBHOOK_SECRET\)/);
  });

  test('--secret on the command line is refused with exit code 2, naming the ways that keep it out of ps', async () => {
    const run = await framewright(['webhooks', 'listen', '--port', '0', '--secret', SECRET], {});
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^framewright: --secret is no longer accepted .*FRAMEWRIGHT_WEBHOOK_SECRET.*--secret-stdin/m);
    expect(run.stdout).not.toMatch(/listening/);
  });

  test('--secret-stdin with nothing on stdin is exit code 2, not a listener that verifies nothing', async () => {
    const child = spawn(process.execPath, ['bin/framewright.js', 'webhooks', 'listen', '--port', '0', '--secret-stdin'], {
      cwd: ROOT,
      env: { PATH: process.env['PATH'] ?? '' },
    });
    child.stdin.end('\n');
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    expect(code).toBe(2);
    expect(stderr).toMatch(/^framewright: --secret-stdin read nothing/m);
  });
});

/** A POST whose body is sent as the test says, to see what the listener answers before it is all sent. */
function startPost(url: string, headers: Record<string, string>) {
  const request = http.request(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers } });
  request.on('error', () => undefined);
  const response = new Promise<{ status: number; body: string }>((resolve) => {
    request.on('response', (res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => (body += chunk.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      res.on('error', () => resolve({ status: res.statusCode ?? 0, body }));
    });
  });
  return { request, response };
}

describe('bodies over 1 MB', () => {
  test('a Content-Length over the limit is 413 before the body is sent', async () => {
    const lines: string[] = [];
    const server = await listenForWebhooks({ port: 0, host: '127.0.0.1', secret: SECRET }, (line) => lines.push(line));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
      const held = startPost(url, { 'content-length': String(MAX_BODY_BYTES + 1), 'framewright-event-id': 'evt-big' });
      held.request.write('{"id":"evt-big","padding":"');
      // The rest of the body is never sent: an answer proves the listener did not wait for it.
      expect(await held.response).toEqual({ status: 413, body: 'body too large' });
      held.request.destroy();
      expect(lines).toContain(`refused evt-big: its body is over ${MAX_BODY_BYTES} bytes`);
      // The listener goes on serving.
      expect((await deliver(url, eventBody('evt-after-big'), SECRET)).status).toBe(200);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  test('a chunked body is refused with 413 as soon as it passes the limit, while more is still to come', async () => {
    const lines: string[] = [];
    const server = await listenForWebhooks({ port: 0, host: '127.0.0.1', secret: SECRET }, (line) => lines.push(line));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
      const held = startPost(url, { 'transfer-encoding': 'chunked', 'framewright-event-id': 'evt-stream' });
      const chunk = Buffer.alloc(64 * 1024, 'x');
      // 1.5 MB written, and the request never ended: only a listener that stops at 1 MB can answer.
      for (let sent = 0; sent < 1.5 * MAX_BODY_BYTES; sent += chunk.length) held.request.write(chunk);
      expect((await held.response).status).toBe(413);
      held.request.destroy();
      expect(lines).toContain(`refused evt-stream: its body is over ${MAX_BODY_BYTES} bytes`);
      const exactly = JSON.stringify({ id: 'evt-at-limit', padding: '' });
      const atLimit = exactly.replace('"padding":""', `"padding":"${'y'.repeat(MAX_BODY_BYTES - exactly.length)}"`);
      expect(Buffer.byteLength(atLimit)).toBe(MAX_BODY_BYTES);
      expect((await deliver(url, atLimit, SECRET)).status).toBe(200);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});

describe('deduplication', () => {
  test('is on the event id inside the signed body, not the unsigned Framewright-Event-Id header', async () => {
    const lines: string[] = [];
    const server = await listenForWebhooks({ port: 0, host: '127.0.0.1', secret: SECRET }, (line) => lines.push(line));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
      // Two events under one header id: both new.
      expect((await deliver(url, eventBody('evt-a'), SECRET, 'evt-same-header')).status).toBe(200);
      expect((await deliver(url, eventBody('evt-b'), SECRET, 'evt-same-header')).status).toBe(200);
      // The first event again under a fresh header id (a replayed delivery): seen.
      expect((await deliver(url, eventBody('evt-a'), SECRET, 'evt-fresh-header')).status).toBe(200);
      expect(lines.slice(1)).toEqual([
        'workflow.succeeded wf-evt-a SUCCESS (event evt-a, verified) https://bucket/evt-a.png',
        'workflow.succeeded wf-evt-b SUCCESS (event evt-b, verified) https://bucket/evt-b.png',
        'evt-a again (already seen; a receiver deduplicates by the event id in the body)',
      ]);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});

describe('a rotated endpoint', () => {
  test('a delivery carrying one v1 per live secret verifies when any of them is the listener’s', async () => {
    const lines: string[] = [];
    const server = await listenForWebhooks({ port: 0, host: '127.0.0.1', secret: SECRET }, (line) => lines.push(line));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
      const send = (id: string, secrets: string[]) => {
        const body = eventBody(id);
        return fetch(url, {
          method: 'POST',
          body,
          headers: {
            'content-type': 'application/json',
            'framewright-signature': signatureHeader(secrets, body, Math.floor(Date.now() / 1000)),
          },
        });
      };
      // The listener still on the old secret, then already on the new one: both verify.
      expect((await send('evt-old-listener', ['whsec_new', SECRET])).status).toBe(200);
      expect((await send('evt-new-listener', [SECRET, 'whsec_old'])).status).toBe(200);
      expect((await send('evt-neither', ['whsec_new', 'whsec_old'])).status).toBe(400);
      expect(lines.slice(1)).toEqual([
        expect.stringMatching(/\(event evt-old-listener, verified\)/),
        expect.stringMatching(/\(event evt-new-listener, verified\)/),
        expect.stringMatching(/^refused .*: the signature does not verify/),
      ]);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
