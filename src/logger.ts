import { pino } from 'pino';
import { AppError, ForbiddenError, RateLimitedError, UnauthenticatedError } from './modules/shared/errors.ts';

export type Logger = pino.Logger;

/** JSON lines on stderr, so stdout stays free for what a command prints (e.g. `customer create`). */
export function createLogger(level: string): Logger {
  return pino({ level, base: { pid: process.pid } }, pino.destination(2));
}

type LogArgs = unknown[];

/**
 * graphql-yoga's logger interface (console-like) over pino. Yoga logs every error it masks; the
 * app's maskError already logs the unexpected ones, so GraphQL errors and the caller's own
 * mistakes (a bad key, a forbidden call: logged where they are decided) go to debug here.
 */
export function toYogaLogger(logger: Logger) {
  const write =
    (level: 'debug' | 'info' | 'warn' | 'error') =>
    (...args: LogArgs) => {
      const [first, ...rest] = args;
      if (first instanceof Error) {
        const effective = level === 'error' && isClientMistake(first) ? 'debug' : level;
        logger[effective]({ err: first }, first.message);
      } else {
        logger[level](rest.length > 0 ? { details: rest } : {}, String(first));
      }
    };
  return { debug: write('debug'), info: write('info'), warn: write('warn'), error: write('error') };
}

function isClientMistake(error: Error): boolean {
  return (
    error.name === 'GraphQLError' ||
    error instanceof AppError ||
    error instanceof UnauthenticatedError ||
    error instanceof ForbiddenError ||
    error instanceof RateLimitedError
  );
}
