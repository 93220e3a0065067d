import type { Customer } from '../../modules/customers/customer.ts';
import { builder } from '../builder.ts';

export const CustomerType = builder.objectRef<Customer>('Customer').implement({
  fields: (t) => ({
    id: t.exposeID('id'),
    name: t.exposeString('name'),
    credits: t.exposeInt('credits'),
  }),
});

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
