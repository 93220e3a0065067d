import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { EVENT_ID_HEADER, SIGNATURE_HEADER, verifySignature } from '../modules/webhooks/signature.ts';

export interface ListenOptions {
  port: number;
  host: string;
  /** The endpoint's signing secret; without it deliveries are printed unverified. */
  secret?: string | undefined;
}

/**
 * A small receiver for trying webhooks on one machine: it answers 200 to each delivery it can
 * verify (400 otherwise), skips event ids it has already seen, and prints one line per delivery.
 * Register it with WEBHOOK_ALLOW_PRIVATE_NETWORKS=true on the service, since it listens on loopback.
 */
export function listenForWebhooks(options: ListenOptions, print: (line: string) => void): Promise<http.Server> {
  const seen = new Set<string>();
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const eventId = String(req.headers[EVENT_ID_HEADER.toLowerCase()] ?? '');
      const signature = String(req.headers[SIGNATURE_HEADER.toLowerCase()] ?? '');
      if (options.secret && !verifySignature(options.secret, body, signature)) {
        print(`refused ${eventId || 'a request'}: the signature does not verify with this secret`);
        res.writeHead(400).end('bad signature');
        return;
      }
      res.writeHead(200).end('ok');
      if (seen.has(eventId)) return print(`${eventId} again (already seen; a receiver deduplicates by event id)`);
      seen.add(eventId);
      print(describe(eventId, body, options.secret ? 'verified' : 'not verified: no --secret'));
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

function describe(eventId: string, body: string, verification: string): string {
  try {
    const event = JSON.parse(body) as {
      type?: string;
      data?: { workflow?: { id?: string; processingStatus?: string; result?: string[] } };
    };
    const workflow = event.data?.workflow;
    const media = workflow?.result?.[0] ? ` ${workflow.result[0]}` : '';
    return `${event.type} ${workflow?.id} ${workflow?.processingStatus} (event ${eventId}, ${verification})${media}`;
  } catch {
    return `a delivery that is not JSON (event ${eventId}, ${verification})`;
  }
}
