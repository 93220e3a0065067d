import fs from 'node:fs/promises';
import path from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import { buildApp } from './app.ts';
import { listenForWebhooks } from './cli/webhooks-listen.ts';
import { type Config, ConfigError, loadConfig } from './config.ts';
import { startInfrastructure, type Infrastructure } from './infrastructure.ts';
import { flows } from './jobs/flows/index.ts';
import { startMaintenance } from './jobs/maintenance.ts';
import { startJobRunner } from './jobs/runner.ts';
import { createLogger, type Logger } from './logger.ts';
import { ValidationError } from './modules/shared/errors.ts';
import { createServices, type Services } from './services.ts';
import { OPERATOR } from './modules/auth/viewer.ts';

/** Exit code for a bad setting or bad arguments, as the contract says. */
const EXIT_USAGE = 2;

function readConfig(): Config {
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

/** Runs `work` with the infrastructure up, and tears everything down on SIGINT/SIGTERM or when work ends. */
async function withInfrastructure(
  config: Config,
  logger: Logger,
  work: (infra: Infrastructure, services: Services) => Promise<{ stop(): Promise<void> } | void>,
): Promise<void> {
  const infra = await startInfrastructure(config, logger);
  const services = createServices({ config, db: infra.db, storage: infra.storage, logger });
  let running: { stop(): Promise<void> } | void;
  try {
    running = await work(infra, services);
  } catch (error) {
    await infra.stop();
    throw error;
  }
  if (!running) {
    await infra.stop();
    return;
  }
  const service = running;
  let stopping = false;
  const shutdown = async (signal: NodeJS.Signals) => {
    if (stopping) {
      logger.warn({ signal }, 'second signal: exiting now');
      process.exit(1);
    }
    stopping = true;
    logger.info({ signal }, 'shutting down');
    try {
      await service.stop();
      await infra.stop();
      logger.info('stopped');
      process.exit(0);
    } catch (error) {
      logger.error({ err: error }, 'shutdown failed');
      process.exit(1);
    }
  };
  process.on('SIGINT', (signal) => void shutdown(signal));
  process.on('SIGTERM', (signal) => void shutdown(signal));
}

async function runServer(roles: { api: boolean; worker: boolean }): Promise<void> {
  const config = readConfig();
  const logger = createLogger(config.logLevel);
  await withInfrastructure(config, logger, async (infra, services) => {
    const stops: Array<() => Promise<void>> = [];
    if (roles.worker) {
      const runner = startJobRunner({
        db: infra.db,
        databaseUrl: infra.databaseUrl,
        storage: infra.storage,
        credits: services.credits,
        webhooks: services.webhooks,
        deliveryConcurrency: config.webhooks.concurrency,
        allowPrivateWebhookNetworks: config.webhooks.allowPrivateNetworks,
        flows,
        logger,
        concurrency: config.worker.concurrency,
        leaseSeconds: config.worker.leaseSeconds,
      });
      stops.push(() => runner.stop(config.shutdownGraceSeconds * 1000));
      const maintenance = startMaintenance({ uploads: services.uploads, workflows: services.workflows, errorLogs: services.errorLogs, logger });
      stops.push(() => maintenance.stop());
    }
    if (roles.api) {
      const app = buildApp({
        services,
        db: infra.db,
        storage: infra.storage,
        logger,
        limits: config.limits,
        http: config.http,
        databaseUrl: infra.databaseUrl,
        shutdownGraceMs: config.shutdownGraceSeconds * 1000,
      });
      const port = await app.listen(config.port, config.host);
      stops.unshift(() => app.stop());
      logger.info({ port }, 'API listening');
      const demoKey = infra.embedded.postgres ? await ensureDemoCustomer(config, services) : undefined;
      printWelcome(port, demoKey);
    }
    return { stop: async () => void (await Promise.all(stops.map((stop) => stop()))) };
  });
}

/**
 * On embedded defaults, a newcomer gets a customer to try the API with. Its key is kept in
 * DATA_DIR (only its hash is in the database), so later starts can print it again.
 */
async function ensureDemoCustomer(config: Config, services: Services): Promise<string | undefined> {
  const keyFile = path.join(config.dataDir, 'demo-api-key');
  const saved = await fs.readFile(keyFile, 'utf8').catch(() => undefined);
  if (saved) return saved.trim();
  if ((await services.customers.count()) > 0) return undefined;
  const { apiKey } = await services.customers.create(OPERATOR, { name: 'Demo customer', credits: 100 });
  await fs.writeFile(keyFile, `${apiKey}\n`, { mode: 0o600 });
  return apiKey;
}

function printWelcome(port: number, demoKey: string | undefined): void {
  const url = `http://localhost:${port}/graphql`;
  const lines = ['', `Framewright is up. GraphiQL: ${url}`];
  if (demoKey) {
    lines.push(
      '',
      `Demo customer's API key (100 credits): ${demoKey}`,
      'In GraphiQL, add the header {"Authorization": "Bearer <key>"}. Or from a shell:',
      '',
      `  curl -s ${url} -H 'content-type: application/json' \\`,
      `    -H 'authorization: Bearer ${demoKey}' \\`,
      `    -d '{"query":"{ me { id name credits } models { id aspectRatios } }"}'`,
    );
  }
  process.stdout.write(`${lines.join('\n')}\n\n`);
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

program.command('serve').description('API and worker in one process (what `npm start` runs)').action(() => runServer({ api: true, worker: true }));
program.command('api').description('the GraphQL API alone').action(() => runServer({ api: true, worker: false }));
program.command('worker').description('the job runner alone').action(() => runServer({ api: false, worker: true }));
program
  .command('migrate')
  .description('apply database migrations (every role also applies them at start)')
  .action(async () => {
    const config = readConfig();
    const logger = createLogger(config.logLevel);
    await withInfrastructure(config, logger, async () => logger.info('database is up to date'));
  });
program
  .command('webhooks')
  .description('try webhooks on one machine')
  .command('listen')
  .description('receive, verify and print webhook deliveries (answers 200 to each one that verifies)')
  .option('--port <n>', 'port to listen on (0: any free one)', parsePort, 4100)
  .option('--host <host>', 'address to listen on', '127.0.0.1')
  .option('--secret <secret>', "the endpoint's signing secret, to verify each delivery")
  .action(async (options: { port: number; host: string; secret?: string }) => {
    const server = await listenForWebhooks(options, (line) => process.stdout.write(`${line}\n`));
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
    const config = readConfig();
    const logger = createLogger(config.logLevel === 'info' ? 'warn' : config.logLevel);
    await withInfrastructure(config, logger, async (_infra, services) => {
      const { customer, apiKey } = await services.customers.create(OPERATOR, { name: options.name, credits: options.credits });
      process.stdout.write(`${JSON.stringify({ customerId: customer.id, apiKey })}\n`);
    });
  });

try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (error instanceof ValidationError) {
    process.stderr.write(`framewright: ${error.fieldErrors.map((e) => `${e.field.replace(/^input\./, '--')} ${e.message}`).join('; ')}\n`);
    process.exit(EXIT_USAGE);
  }
  const logger = createLogger('error');
  logger.error({ err: error }, error instanceof Error ? error.message : 'failed');
  process.exitCode = 1;
}
