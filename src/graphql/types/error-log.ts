import type { ErrorLog, LoggedError } from '../../modules/error-logs/error-logs.service.ts';
import { BadRequestError, NotFoundError, ValidationError } from '../../modules/shared/errors.ts';
import { builder } from '../builder.ts';

const ErrorLogType = builder.objectRef<ErrorLog>('ErrorLog').implement({
  fields: (t) => ({
    logPath: t.exposeString('logPath', {
      description: 'customer-error-logs/{customerId}/errors-{ISO year}-W{ISO week, two digits}.log',
    }),
    week: t.exposeString('week', { description: 'ISO week, e.g. "2024-W15".' }),
    entries: t.exposeInt('entries', { description: 'Number of entries (lines) in the file.' }),
    url: t.string({
      description: 'A download URL of the file, signed at read time, valid for expiresIn seconds (default 3600).',
      args: { expiresIn: t.arg.int() },
      resolve: (log, { expiresIn }, ctx) => ctx.services.errorLogs.downloadUrl(log.logPath, expiresIn),
    }),
  }),
});

const LogErrorSuccessType = builder.objectRef<LoggedError>('LogErrorSuccess').implement({
  fields: (t) => ({
    message: t.exposeString('message', { description: 'Always "Error logged successfully".' }),
    logPath: t.exposeString('logPath'),
  }),
});

const LogErrorInput = builder.inputType('LogErrorInput', {
  fields: (t) => ({
    customerId: t.id({ description: 'Only the admin key may name a customer.' }),
    message: t.string({ required: true }),
    script: t.string(),
    stack: t.string(),
    level: t.string({ description: 'One of debug, info, warn, error, fatal; default error.' }),
    context: t.field({ type: 'JSON' }),
    occurredAt: t.field({ type: 'DateTime' }),
  }),
});

builder.queryField('errorLog', (t) =>
  t.field({
    type: ErrorLogType,
    nullable: true,
    description: "This week's log when week is omitted; null when that week has no log.",
    args: {
      week: t.arg.string(),
      customerId: t.arg.id({ description: 'Whose log: required with the admin key; a customer key reads only its own.' }),
    },
    resolve: (_root, args, ctx) => ctx.services.errorLogs.get(ctx.viewer, args),
  }),
);

builder.mutationField('logError', (t) =>
  t.field({
    type: LogErrorSuccessType,
    description: "Appends one entry to this ISO week's log file of the customer.",
    args: { input: t.arg({ type: LogErrorInput, required: true }) },
    errors: { types: [BadRequestError, NotFoundError, ValidationError], union: { name: 'LogErrorResult' } },
    resolve: (_root, { input }, ctx) => ctx.services.errorLogs.log(ctx.viewer, input),
  }),
);
