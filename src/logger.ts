import { pino } from 'pino';

export type Logger = pino.Logger;

/** JSON lines on stderr, so stdout stays free for what a command prints (e.g. `customer create`). */
export function createLogger(level: string): Logger {
  return pino({ level, base: { pid: process.pid } }, pino.destination(2));
}

type LogArgs = unknown[];

/**
 * graphql-yoga's logger interface (console-like) over pino. Yoga logs every error it masks; the
 * app's maskError already logs the unexpected ones, so GraphQL errors go to debug here.
 */
export function toYogaLogger(logger: Logger) {
  const write = (level: 'debug' | 'info' | 'warn' | 'error') => (...args: LogArgs) => {
    const [first, ...rest] = args;
    if (first instanceof Error) {
      const effective = level === 'error' && first.name === 'GraphQLError' ? 'debug' : level;
      logger[effective]({ err: first }, first.message);
    } else {
      logger[level](rest.length > 0 ? { details: rest } : {}, String(first));
    }
  };
  return { debug: write('debug'), info: write('info'), warn: write('warn'), error: write('error') };
}
