import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Readable } from 'node:stream';
import { EVENT_ID_HEADER, SIGNATURE_HEADER, verifySignature } from '../modules/webhooks/signature.ts';

/** Where the listener finds the endpoint's signing secret: never the command line, which `ps` and shell history show. */
export const SECRET_ENV = 'FRAMEWRIGHT_WEBHOOK_SECRET';

/** A delivery is a workflow's JSON, a few KB; anything past this is refused (413) as it streams in. */
export const MAX_BODY_BYTES = 1024 * 1024;

/** Event ids remembered for deduplication, oldest forgotten first, so a flood cannot grow the set without end. */
const REMEMBERED_EVENTS = 10_000;

/** A secret is a line; more than this on stdin is a mistake (a file piped in by accident). */
const MAX_SECRET_BYTES = 4096;

export interface ListenOptions {
  port: number;
  host: string;
  /** The endpoint's signing secret; without it deliveries are printed unverified. */
  secret?: string | undefined;
}

export class ListenerSecretError extends Error {
  override name = 'ListenerSecretError';
}

/**
 * The signing secret: read from stdin with `--secret-stdin` (to its end, surrounding whitespace
 * such as echo's newline dropped), else from FRAMEWRIGHT_WEBHOOK_SECRET; undefined when neither is given.
 */
export async function readListenerSecret(
  fromStdin: boolean,
  env: Record<string, string | undefined>,
  stdin: Readable,
): Promise<string | undefined> {
  if (!fromStdin) return env[SECRET_ENV] || undefined;
  let text = '';
  for await (const chunk of stdin) {
    text += String(chunk);
    if (text.length > MAX_SECRET_BYTES)
      throw new ListenerSecretError(`--secret-stdin reads one secret, not over ${MAX_SECRET_BYTES} bytes`);
  }
  const secret = text.trim();
  if (!secret) throw new ListenerSecretError('--secret-stdin read nothing: pipe the signing secret in');
  return secret;
}

/**
 * A small receiver for trying webhooks on one machine: it answers 200 to each delivery it can
 * verify (400 otherwise, 413 past MAX_BODY_BYTES), skips events it has already seen, and prints
 * one line per delivery. Events are told apart by the id inside the body, which the signature
 * covers; the Framewright-Event-Id header is not signed. Register it with
 * WEBHOOK_ALLOW_PRIVATE_NETWORKS=true on the service, since it listens on loopback.
 */
export function listenForWebhooks(options: ListenOptions, print: (line: string) => void): Promise<http.Server> {
  const seen = new Set<string>();
  const server = http.createServer((req, res) => {
    void readBody(req, res).then((body) => {
      if (body === 'too large') return print(`refused ${labelOf(req)}: its body is over ${MAX_BODY_BYTES} bytes`);
      if (body === 'lost') return;
      const signature = String(req.headers[SIGNATURE_HEADER.toLowerCase()] ?? '');
      if (options.secret && !verifySignature(options.secret, body, signature)) {
        print(`refused ${labelOf(req)}: the signature does not verify with this secret`);
        res.writeHead(400).end('bad signature');
        return;
      }
      res.writeHead(200).end('ok');
      const event = parseEvent(body);
      if (event && seen.has(event.id))
        return print(`${event.id} again (already seen; a receiver deduplicates by the event id in the body)`);
      if (event) remember(seen, event.id);
      print(describe(event, options.secret ? 'verified' : `not verified: no ${SECRET_ENV}`));
    });
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      const { port } = server.address() as AddressInfo;
      print(`listening on http://${options.host}:${port}/ for webhook deliveries`);
      resolve(server);
    });
  });
}

/**
 * The body as text, or 'too large' once it is known to pass MAX_BODY_BYTES: by its Content-Length
 * before a byte is read, or while it streams in. Either way 413 is answered at once, the bytes
 * read so far are dropped and the connection is closed instead of reading the rest. 'lost': the
 * sender went away mid-body.
 */
function readBody(req: http.IncomingMessage, res: http.ServerResponse): Promise<string | 'too large' | 'lost'> {
  return new Promise((resolve) => {
    const tooLarge = () => {
      req.removeAllListeners('data');
      res.shouldKeepAlive = false;
      res.writeHead(413, { connection: 'close' }).end('body too large', () => req.destroy());
      resolve('too large');
    };
    if (Number(req.headers['content-length'] ?? 0) > MAX_BODY_BYTES) return tooLarge();
    const chunks: Buffer[] = [];
    let received = 0;
    req.on('data', (chunk: Buffer) => {
      received += chunk.length;
      if (received > MAX_BODY_BYTES) return tooLarge();
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', () => resolve('lost'));
  });
}

interface WebhookEvent {
  id: string;
  type?: string;
  data?: { workflow?: { id?: string; processingStatus?: string; result?: string[] } };
}

function parseEvent(body: string): WebhookEvent | undefined {
  try {
    const event = JSON.parse(body) as Partial<WebhookEvent> | null;
    return event && typeof event.id === 'string' ? (event as WebhookEvent) : undefined;
  } catch {
    return undefined;
  }
}

function remember(seen: Set<string>, id: string): void {
  seen.add(id);
  if (seen.size > REMEMBERED_EVENTS) seen.delete(seen.values().next().value as string);
}

/** What a refused request is called in the log: the header's event id is unsigned, but names it well enough. */
function labelOf(req: http.IncomingMessage): string {
  return String(req.headers[EVENT_ID_HEADER.toLowerCase()] ?? '') || 'a request';
}

function describe(event: WebhookEvent | undefined, verification: string): string {
  if (!event) return `a delivery that is not a JSON event with an id (${verification})`;
  const workflow = event.data?.workflow;
  const media = workflow?.result?.[0] ? ` ${workflow.result[0]}` : '';
  return `${event.type} ${workflow?.id} ${workflow?.processingStatus} (event ${event.id}, ${verification})${media}`;
}
