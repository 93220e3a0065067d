import type { ApiKey } from '../../modules/customers/api-key.ts';
import type { Customer } from '../../modules/customers/customer.ts';
import { NotFoundError, ValidationError } from '../../modules/shared/errors.ts';
import { builder } from '../builder.ts';

const ApiKeyType = builder.objectRef<ApiKey>('ApiKey').implement({
  fields: (t) => ({
    id: t.exposeID('id'),
    prefix: t.exposeString('prefix', { description: "The key's first characters, to recognise it; the key itself is shown only once." }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    revokedAt: t.expose('revokedAt', { type: 'DateTime', nullable: true }),
    mintedByKeyId: t.exposeID('mintedByKeyId', {
      nullable: true,
      description:
        'The key this one was created with (revokeApiKey with cascade follows it); null when the admin key or createCustomer made it.',
    }),
  }),
});

// A Customer is only ever returned to its own key (me) or to the admin: its keys may be listed.
export const CustomerType = builder.objectRef<Customer>('Customer').implement({
  fields: (t) => ({
    id: t.exposeID('id'),
    name: t.exposeString('name'),
    credits: t.exposeInt('credits'),
    apiKeys: t.field({
      type: [ApiKeyType],
      description: 'Every key of the customer, revoked ones included, newest first.',
      resolve: (customer, _args, ctx) => ctx.services.customers.apiKeysOf(customer.id),
    }),
  }),
});

const CreateApiKeyPayload = builder.objectRef<{ apiKey: string; key: ApiKey }>('CreateApiKeyPayload').implement({
  fields: (t) => ({
    apiKey: t.exposeString('apiKey', { description: 'Shown once; only its hash is stored.' }),
    key: t.field({ type: ApiKeyType, resolve: (payload) => payload.key }),
  }),
});

builder.mutationFields((t) => ({
  createApiKey: t.field({
    type: CreateApiKeyPayload,
    description:
      "A new key for the caller's customer (the admin names one); the old keys keep working. A customer holds at most MAX_API_KEYS_PER_CUSTOMER live keys (default 20): past it, BAD_REQUEST.",
    args: { customerId: t.arg.id() },
    resolve: (_root, { customerId }, ctx) => ctx.services.customers.createApiKey(ctx.viewer, customerId),
  }),
  revokeApiKey: t.field({
    type: ApiKeyType,
    description: 'The key stops working in every process within 5 seconds; revoking is final.',
    args: {
      id: t.arg.id({ required: true }),
      cascade: t.arg.boolean({
        defaultValue: false,
        description: 'Also revokes every key created with this one, and the keys those created, and so on down.',
      }),
    },
    errors: { types: [NotFoundError, ValidationError], union: { name: 'RevokeApiKeyResult' } },
    resolve: (_root, { id, cascade }, ctx) => ctx.services.customers.revokeApiKey(ctx.viewer, id, cascade ?? false),
  }),
}));

const CreateCustomerInput = builder.inputType('CreateCustomerInput', {
  fields: (t) => ({
    name: t.string({ required: true }),
    credits: t.int(),
  }),
});

const CreateCustomerPayload = builder.objectRef<{ customer: Customer; apiKey: string }>('CreateCustomerPayload').implement({
  fields: (t) => ({
    customer: t.field({ type: CustomerType, resolve: (payload) => payload.customer }),
    apiKey: t.exposeString('apiKey', { description: 'Shown once; only its hash is stored.' }),
  }),
});

builder.queryField('me', (t) =>
  t.field({
    type: CustomerType,
    description: 'The customer behind the API key.',
    resolve: (_root, _args, ctx) => ctx.services.customers.me(ctx.viewer),
  }),
);

builder.mutationField('createCustomer', (t) =>
  t.field({
    type: CreateCustomerPayload,
    description: 'Admin key only.',
    args: { input: t.arg({ type: CreateCustomerInput, required: true }) },
    resolve: (_root, { input }, ctx) => ctx.services.customers.create(ctx.viewer, input),
  }),
);

builder.mutationField('grantCredits', (t) =>
  t.field({
    type: CustomerType,
    description: 'Admin key only; amount may be negative, the balance never goes below zero.',
    args: { customerId: t.arg.id({ required: true }), amount: t.arg.int({ required: true }) },
    resolve: (_root, { customerId, amount }, ctx) => ctx.services.customers.grantCredits(ctx.viewer, customerId, amount),
  }),
);
