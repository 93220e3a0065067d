import { FramewrightApiError, FramewrightClient, FramewrightRequestError } from '../../packages/client/src/index.ts';

/** Exit codes of the client commands (submit, workflows). */
export const EXIT = {
  OK: 0,
  /** The workflow FAILED or was CANCELED, or the service refused the request. */
  FAILED: 1,
  /** Bad arguments: a missing URL or key, an unreadable image, input the service found invalid. */
  USAGE: 2,
  /** The service refused the key (UNAUTHENTICATED) or the call (FORBIDDEN). */
  AUTH: 3,
} as const;

/** Ends a command with this message on stderr and this exit code. */
export class CommandError extends Error {
  readonly exitCode: number;
  constructor(message: string, exitCode: number) {
    super(message);
    this.exitCode = exitCode;
  }
}

export interface ConnectionOptions {
  url?: string;
  key?: string;
}

/** The client, from --url/--key or FRAMEWRIGHT_URL/FRAMEWRIGHT_API_KEY. */
export function connect(options: ConnectionOptions): FramewrightClient {
  const url = options.url ?? process.env['FRAMEWRIGHT_URL'];
  const apiKey = options.key ?? process.env['FRAMEWRIGHT_API_KEY'];
  if (!url) throw new CommandError('no service: set FRAMEWRIGHT_URL (npm start prints it) or pass --url', EXIT.USAGE);
  if (!URL.canParse(url)) throw new CommandError(`FRAMEWRIGHT_URL / --url is not a URL: ${url}`, EXIT.USAGE);
  if (!apiKey) throw new CommandError('no API key: set FRAMEWRIGHT_API_KEY (npm start prints it) or pass --key', EXIT.USAGE);
  return new FramewrightClient({ url: graphqlEndpoint(url), apiKey });
}

/** The service's root (`http://localhost:4000`, what a browser shows) stands for its GraphQL endpoint. */
export function graphqlEndpoint(url: string): string {
  const endpoint = new URL(url);
  if (endpoint.pathname === '/' || endpoint.pathname === '') endpoint.pathname = '/graphql';
  return endpoint.toString();
}

function describe(error: unknown): { message: string; exitCode: number } {
  if (error instanceof CommandError) return { message: error.message, exitCode: error.exitCode };
  if (error instanceof FramewrightApiError) {
    return { message: `${error.code}: ${error.describe()}`, exitCode: error.code === 'VALIDATION_ERROR' ? EXIT.USAGE : EXIT.FAILED };
  }
  if (error instanceof FramewrightRequestError) {
    const auth = error.code === 'UNAUTHENTICATED' || error.code === 'FORBIDDEN';
    return { message: `${error.code}: ${error.message}`, exitCode: auth ? EXIT.AUTH : EXIT.FAILED };
  }
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT' || code === 'EISDIR' || code === 'EACCES') return { message: (error as Error).message, exitCode: EXIT.USAGE };
  return { message: error instanceof Error ? error.message : String(error), exitCode: EXIT.FAILED };
}

/** Runs a client command: its exit code, or one line on stderr and the code its error calls for. */
export async function runClientCommand(work: () => Promise<number>): Promise<never> {
  try {
    process.exit(await work());
  } catch (error) {
    const { message, exitCode } = describe(error);
    process.stderr.write(`framewright: ${message}\n`);
    process.exit(exitCode);
  }
}
