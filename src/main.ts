import fs from 'node:fs/promises';
import path from 'node:path';
import { Command, InvalidArgumentError, Option } from 'commander';
import type { Config } from './config.ts';
import type { Infrastructure } from './infrastructure.ts';
import type { Logger } from './logger.ts';
import { OPERATOR } from './modules/auth/viewer.ts';
import { ValidationError } from './modules/shared/errors.ts';
import type { Services } from './services.ts';
import { startTracing, stopTracing } from './tracing/tracing.ts';

// Each command imports what only it uses when it runs: a worker never loads the HTTP stack (yoga,
// graphql-ws, the schema: ~25 MB of a worker's resident memory), nor the API the job runner and
// media code, nor a server role the client commands; `--help` loads none of them.

/** Exit code for a bad setting or bad arguments (the README's CLI section promises it). */
const EXIT_USAGE = 2;

async function readConfig(): Promise<Config> {
  const { ConfigError, loadConfig } = await import('./config.ts');
  try {
    return loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`framewright: ${error.message}\n`);
      process.exit(EXIT_USAGE);
    }
    throw error;
  }
}

async function loggerAt(level: string, options: { traceCorrelation?: boolean } = {}): Promise<Logger> {
  const { createLogger } = await import('./logger.ts');
  return createLogger(level, options);
}

/**
 * SIGINT (Ctrl+C) and SIGTERM both ask for a graceful stop; a second one of either forces the
 * exit. Listening from the very start means a signal during startup also waits for a clean stop
 * instead of killing us with the embedded services half started.
 */
function shutdownSignals(logger: Logger): { requested: Promise<NodeJS.Signals>; dispose(): void } {
  let received: NodeJS.Signals | undefined;
  let resolveRequested!: (signal: NodeJS.Signals) => void;
  const requested = new Promise<NodeJS.Signals>((resolve) => (resolveRequested = resolve));
  const onSignal = (signal: NodeJS.Signals) => {
    if (received) {
      // Exit hooks still stop our embedded PostgreSQL and ffmpeg children, which run in process groups of their own.
      logger.warn({ signal }, 'second signal: exiting now');
      process.exit(1);
    }
    received = signal;
    resolveRequested(signal);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return {
    requested,
    dispose: () => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    },
  };
}

/** Runs `work` with the infrastructure up, and tears everything down on SIGINT/SIGTERM or when work ends. */
async function withInfrastructure(
  config: Config,
  logger: Logger,
  work: (infra: Infrastructure, services: Services) => Promise<{ stop(): Promise<void> } | void>,
): Promise<void> {
  const signals = shutdownSignals(logger);
  const [{ startInfrastructure }, { createServices }] = await Promise.all([import('./infrastructure.ts'), import('./services.ts')]);
  const infra = await startInfrastructure(config, logger);
  // The admin key may come from DATA_DIR (embedded mode): the infrastructure decided which one applies.
  const services = createServices({
    config: { ...config, adminApiKey: infra.adminApiKey, webhookSecretKey: infra.webhookSecretKey },
    db: infra.db,
    storage: infra.storage,
    logger,
    rateLimitStore: infra.rateLimitStore,
  });
  let running: { stop(): Promise<void> } | void;
  try {
    await prepareWebhookSecrets(services, logger);
    running = await work(infra, services);
  } catch (error) {
    await infra.stop();
    signals.dispose();
    throw error;
  }
  if (!running) {
    await infra.stop();
    signals.dispose();
    return;
  }
  const signal = await signals.requested;
  logger.info({ signal }, 'shutting down');
  try {
    // First what uses the services (requests and flows drain), then the pool, then the services themselves.
    await running.stop();
    await infra.stop();
    // The last spans (the shutdown's own statements) go out before the exit.
    await stopTracing();
    logger.info('stopped');
    process.exit(0);
  } catch (error) {
    logger.error({ err: error }, 'shutdown failed');
    process.exit(1);
  }
}

/**
 * After the migrations, before any work: refuses a WEBHOOK_SECRET_KEY that does not open the stored
 * secrets, and encrypts those still in plain text (from before encryption; a migration cannot, it
 * has no key). Once they are sealed this only reads, so every start runs it.
 */
async function prepareWebhookSecrets(services: Services, logger: Logger): Promise<void> {
  await services.webhooks.checkSecretKey();
  const sealed = await services.webhooks.sealPlainSecrets();
  if (sealed > 0) logger.info({ count: sealed }, 'encrypted webhook signing secrets that were stored in plain text');
}

async function runServer(roles: { api: boolean; worker: boolean }): Promise<void> {
  const config = await readConfig();
  const logger = await loggerAt(config.logLevel, { traceCorrelation: config.tracing !== undefined });
  // Before the infrastructure starts, so its clients run under the tracer from their first call.
  await startTracing(config.tracing, logger);
  await withInfrastructure(config, logger, async (infra, services) => {
    const worker = roles.worker ? await startWorkerRole(config, infra, services, logger) : undefined;
    const api = roles.api ? await startApiRole(config, infra, services, logger) : undefined;
    return {
      stop: async () => {
        // The HTTP server and the job runner drain side by side: in sequence, each would wait out its own grace period.
        await Promise.all([api?.drain(), worker?.drain()]);
        // Background sweeps stop once the drains are over, before the pool closes under them.
        await worker?.stopSweeps();
      },
    };
  });
}

/** The job runner and the maintenance sweeps. drain: stop taking jobs, let running ones finish within the grace period. */
async function startWorkerRole(config: Config, infra: Infrastructure, services: Services, logger: Logger) {
  const [{ startJobRunner }, { flows }, { startMaintenance }] = await Promise.all([
    import('./worker/runner.ts'),
    import('./worker/flows/index.ts'),
    import('./worker/maintenance.ts'),
  ]);
  const runner = startJobRunner({
    db: infra.db,
    databaseUrl: infra.databaseListenUrl,
    notifier: infra.notifier,
    storage: infra.storage,
    credits: services.credits,
    webhooks: services.webhooks,
    deliveryConcurrency: config.webhooks.concurrency,
    flows,
    logger,
    concurrency: config.worker.concurrency,
    leaseSeconds: config.worker.leaseSeconds,
  });
  const maintenance = startMaintenance({
    uploads: services.uploads,
    workflows: services.workflows,
    errorLogs: services.errorLogs,
    webhooks: services.webhooks,
    logger,
  });
  return { drain: () => runner.stop(config.shutdownGraceSeconds * 1000), stopSweeps: () => maintenance.stop() };
}

/** The HTTP API on its port, and the start banner. drain: stop accepting, let requests in flight finish. */
async function startApiRole(config: Config, infra: Infrastructure, services: Services, logger: Logger) {
  const { buildApp } = await import('./app.ts');
  const app = buildApp({
    services,
    db: infra.db,
    storage: infra.storage,
    logger,
    limits: config.limits,
    http: config.http,
    databaseUrl: infra.databaseListenUrl,
    notifier: infra.notifier,
    shutdownGraceMs: config.shutdownGraceSeconds * 1000,
  });
  const port = await app.listen(config.port, config.host);
  logger.info({ port }, 'API listening');
  const demo = infra.embedded.postgres ? await ensureDemoCustomer(config, services) : undefined;
  printWelcome(port, demo, infra.embedded, infra.adminApiKeyGenerated ? infra.adminApiKey : undefined);
  return { drain: () => app.stop() };
}

/**
 * On embedded defaults, a newcomer gets a customer to try the API with. Its key is kept in
 * DATA_DIR (only its hash is in the database), so later starts can print it again, with the
 * balance it has now.
 */
async function ensureDemoCustomer(config: Config, services: Services): Promise<{ apiKey: string; credits: number } | undefined> {
  const keyFile = path.join(config.dataDir, 'demo-api-key');
  const saved = (await fs.readFile(keyFile, 'utf8').catch(() => undefined))?.trim();
  if (saved) {
    const viewer = await services.customers.authenticate(`Bearer ${saved}`).catch(() => undefined);
    // A key whose customer is gone (the database was reset) is not worth printing.
    if (viewer?.kind === 'customer') return { apiKey: saved, credits: (await services.customers.get(viewer.customerId)).credits };
  }
  if ((await services.customers.count()) > 0) return undefined;
  const { apiKey, customer } = await services.customers.create(OPERATOR, { name: 'Demo customer', credits: 100 });
  await fs.writeFile(keyFile, `${apiKey}\n`, { mode: 0o600 });
  return { apiKey, credits: customer.credits };
}

function welcomeText(
  port: number,
  demo: { apiKey: string; credits: number } | undefined,
  embedded: { postgres: boolean; s3: boolean },
  adminApiKey: string | undefined,
): string {
  const url = `http://localhost:${port}/graphql`;
  const lines = ['', `Framewright is up. GraphiQL: ${url}`, `Demo page (drop an image, watch it run): http://localhost:${port}/demo`];
  if (embedded.postgres || embedded.s3) {
    lines.push('The embedded PostgreSQL and S3 server are for development; set DATABASE_URL and S3_ENDPOINT in production.');
  }
  if (demo) {
    lines.push(
      '',
      `Demo customer's API key (${demo.credits} ${demo.credits === 1 ? 'credit' : 'credits'}): ${demo.apiKey}`,
      'In GraphiQL, add the header {"Authorization": "Bearer <key>"}. Or from a shell:',
      '',
      `  curl -s ${url} -H 'content-type: application/json' \\`,
      `    -H 'authorization: Bearer ${demo.apiKey}' \\`,
      `    -d '{"query":"{ me { id name credits } models { id aspectRatios } }"}'`,
      '',
      'For the CLI (`npx framewright submit IMAGE --watch --out out/`), paste in another terminal:',
      '',
      `  export FRAMEWRIGHT_URL=${url}`,
      `  export FRAMEWRIGHT_API_KEY=${demo.apiKey}`,
    );
  }
  if (adminApiKey) {
    // After the demo key: scripts (and .ci/run) take the first fw_ key printed as the customer's.
    lines.push(
      '',
      `Admin API key (kept in DATA_DIR/admin-api-key; set ADMIN_API_KEY to choose your own): ${adminApiKey}`,
      "With it: createCustomer, grantCredits, and any customer's workflows.",
    );
  }
  return `${lines.join('\n')}\n\n`;
}

function printWelcome(
  port: number,
  demo: { apiKey: string; credits: number } | undefined,
  embedded: { postgres: boolean; s3: boolean },
  adminApiKey: string | undefined,
): void {
  process.stdout.write(welcomeText(port, demo, embedded, adminApiKey));
}

function parsePort(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError('must be a port number, 0 to 65535');
  return n;
}

function parseCredits(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('must be a whole number, 0 or more');
  return n;
}

const program = new Command('framewright')
  .description('The Framewright media-workflow service')
  .showHelpAfterError()
  .exitOverride((error) => process.exit(error.exitCode === 0 ? 0 : EXIT_USAGE));

program
  .command('serve')
  .description('API and worker in one process (what `npm start` runs)')
  .action(() => runServer({ api: true, worker: true }));
program
  .command('api')
  .description('the GraphQL API alone')
  .action(() => runServer({ api: true, worker: false }));
program
  .command('worker')
  .description('the job runner alone')
  .action(() => runServer({ api: false, worker: true }));
program
  .command('migrate')
  .description('apply database migrations (every role also applies them at start)')
  .action(async () => {
    const config = await readConfig();
    const logger = await loggerAt(config.logLevel);
    await withInfrastructure(config, logger, async () => logger.info('database is up to date'));
  });
program
  .command('webhooks')
  .description('try webhooks on one machine')
  .command('listen')
  .description('receive, verify and print webhook deliveries (answers 200 to each one that verifies)')
  .option('--port <n>', 'port to listen on (0: any free one)', parsePort, 4100)
  .option('--host <host>', 'address to listen on', '127.0.0.1')
  .option('--secret-stdin', "read the endpoint's signing secret from stdin (else $FRAMEWRIGHT_WEBHOOK_SECRET), to verify each delivery")
  // Removed, not deprecated: by the time a warning printed, the secret would already be in `ps` and the shell history.
  .addOption(new Option('--secret <secret>').hideHelp())
  .action(async (options: { port: number; host: string; secretStdin?: boolean; secret?: string }) => {
    const { listenForWebhooks, ListenerSecretError, readListenerSecret, SECRET_ENV } = await import('./cli/webhooks-listen.ts');
    if (options.secret !== undefined) {
      process.stderr.write(
        `framewright: --secret is no longer accepted (the command line shows in ps and the shell history): set ${SECRET_ENV} or pipe the secret to --secret-stdin\n`,
      );
      process.exit(EXIT_USAGE);
    }
    const secret = await readListenerSecret(options.secretStdin ?? false, process.env, process.stdin).catch((error: unknown) => {
      if (!(error instanceof ListenerSecretError)) throw error;
      process.stderr.write(`framewright: ${error.message}\n`);
      process.exit(EXIT_USAGE);
    });
    const server = await listenForWebhooks({ port: options.port, host: options.host, secret }, (line) => process.stdout.write(`${line}\n`));
    const close = () => server.close(() => process.exit(0));
    process.once('SIGINT', close);
    process.once('SIGTERM', close);
  });
program
  .command('customer')
  .description('manage customers')
  .command('create')
  .description('create a customer and print {"customerId","apiKey"} as one JSON line')
  .requiredOption('--name <name>', "the customer's name")
  .option('--credits <n>', 'starting credits', parseCredits, 0)
  .action(async (options: { name: string; credits: number }) => {
    const config = await readConfig();
    const logger = await loggerAt(config.logLevel === 'info' ? 'warn' : config.logLevel);
    await withInfrastructure(config, logger, async (_infra, services) => {
      const { customer, apiKey } = await services.customers.create(OPERATOR, { name: options.name, credits: options.credits });
      process.stdout.write(`${JSON.stringify({ customerId: customer.id, apiKey })}\n`);
    });
  });

// Scale-out: the queue as /metrics shows it, for a person.
program
  .command('status')
  .description('print the queue depth, the oldest waiting run, workers alive and webhook deliveries pending')
  .option('--json', 'one JSON line instead of a table')
  .action(async (options: { json?: boolean }) => {
    const config = await readConfig();
    const logger = await loggerAt(config.logLevel === 'info' ? 'warn' : config.logLevel);
    const [{ queueStats }, { formatStatus }] = await Promise.all([import('./queue/stats.ts'), import('./cli/status.ts')]);
    await withInfrastructure(config, logger, async (infra) => {
      const stats = await queueStats(infra.db);
      process.stdout.write(formatStatus(stats, { json: options.json ?? false, notifier: infra.notifier.kind }));
    });
  });

/** The commands above, which run or manage the service itself and never act as its client. */
const SERVICE_COMMANDS = new Set(['serve', 'api', 'worker', 'migrate', 'webhooks', 'customer', 'status']);

// submit, workflows list|show|cancel|retry|delete|download: the service used as a client would.
// Registered for anything else (the client commands, --help, a mistyped name) so help lists them.
if (!SERVICE_COMMANDS.has(process.argv[2] ?? '')) {
  const { registerClientCommands } = await import('./cli/client-commands.ts');
  registerClientCommands(program);
}

try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (error instanceof ValidationError) {
    process.stderr.write(`framewright: ${error.fieldErrors.map((e) => `${e.field.replace(/^input\./, '--')} ${e.message}`).join('; ')}\n`);
    process.exit(EXIT_USAGE);
  }
  const logger = await loggerAt('error');
  logger.error({ err: error }, error instanceof Error ? error.message : 'failed');
  process.exitCode = 1;
}
