import { NotFoundError, ValidationError } from '../../modules/shared/errors.ts';
import type { RotatedSecret, WebhookDelivery, WebhookDeliveryPage, WebhookEndpoint } from '../../modules/webhooks/webhook.ts';
import { builder } from '../builder.ts';
import { decodeCursor, encodeCursor } from '../cursor.ts';
import { PageInfoType, pageInfoOf } from './page-info.ts';

const WebhookEventTypeEnum = builder.enumType('WebhookEventType', {
  values: ['WORKFLOW_SUCCEEDED', 'WORKFLOW_FAILED', 'WORKFLOW_CANCELED', 'WORKFLOW_DELETED'] as const,
});

const WebhookDeliveryStatusEnum = builder.enumType('WebhookDeliveryStatus', {
  values: {
    PENDING: { description: 'Not yet acknowledged; nextAttemptAt says when it is sent (again).' },
    SUCCEEDED: {},
    FAILED: { description: 'Every attempt failed; redeliverWebhook sends it again.' },
  } as const,
});

const WebhookDeliveryType = builder.objectRef<WebhookDelivery>('WebhookDelivery').implement({
  fields: (t) => ({
    id: t.exposeID('id'),
    eventId: t.exposeID('eventId', { description: "The event's id, the same in every delivery of it (the receiver's deduplication key)." }),
    eventType: t.expose('eventType', { type: WebhookEventTypeEnum }),
    workflowId: t.exposeID('workflowId'),
    status: t.expose('status', { type: WebhookDeliveryStatusEnum }),
    attempts: t.exposeInt('attempts'),
    lastStatusCode: t.exposeInt('lastStatusCode', {
      nullable: true,
      description: 'HTTP status of the last attempt; null when it got no answer.',
    }),
    lastError: t.exposeString('lastError', { nullable: true }),
    nextAttemptAt: t.expose('nextAttemptAt', { type: 'DateTime', nullable: true }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    deliveredAt: t.expose('deliveredAt', { type: 'DateTime', nullable: true }),
  }),
});

const WebhookDeliveryEdgeType = builder.objectRef<WebhookDelivery>('WebhookDeliveryEdge').implement({
  fields: (t) => ({
    cursor: t.string({ resolve: (delivery) => encodeCursor(delivery) }),
    node: t.field({ type: WebhookDeliveryType, resolve: (delivery) => delivery }),
  }),
});

const WebhookDeliveryConnectionType = builder.objectRef<WebhookDeliveryPage>('WebhookDeliveryConnection').implement({
  fields: (t) => ({
    edges: t.field({ type: [WebhookDeliveryEdgeType], resolve: (page) => page.deliveries }),
    pageInfo: t.field({
      type: PageInfoType,
      resolve: (page) => pageInfoOf(page.deliveries, page),
    }),
  }),
});

const WebhookEndpointType = builder.objectRef<WebhookEndpoint>('WebhookEndpoint').implement({
  description: "An address of the customer's server, told about its workflows by signed POSTs.",
  fields: (t) => ({
    id: t.exposeID('id'),
    url: t.exposeString('url'),
    events: t.field({ type: [WebhookEventTypeEnum], description: 'The event types sent here.', resolve: (endpoint) => endpoint.events }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    deliveries: t.field({
      type: WebhookDeliveryConnectionType,
      description: 'Newest first.',
      args: { first: t.arg.int(), after: t.arg.string() },
      resolve: (endpoint, { first, after }, ctx) =>
        ctx.services.webhooks.deliveries(endpoint, { first, after: after ? decodeCursor(after, 'after') : undefined }),
    }),
  }),
});

const CreateWebhookEndpointInput = builder.inputType('CreateWebhookEndpointInput', {
  fields: (t) => ({
    url: t.string({ required: true }),
    events: t.field({ type: [WebhookEventTypeEnum], description: 'Defaults to every event type.' }),
  }),
});

const CreateWebhookEndpointPayload = builder
  .objectRef<{ endpoint: WebhookEndpoint; signingSecret: string }>('CreateWebhookEndpointPayload')
  .implement({
    fields: (t) => ({
      endpoint: t.field({ type: WebhookEndpointType, resolve: (payload) => payload.endpoint }),
      signingSecret: t.exposeString('signingSecret', {
        description: 'Shown once: the key of the HMAC-SHA256 signature on every delivery.',
      }),
    }),
  });

const RotateWebhookSecretPayload = builder.objectRef<RotatedSecret>('RotateWebhookSecretPayload').implement({
  fields: (t) => ({
    endpoint: t.field({ type: WebhookEndpointType, resolve: (payload) => payload.endpoint }),
    signingSecret: t.exposeString('signingSecret', {
      description: 'Shown once: the new signing secret. Deliveries carry a v1 signature for each live secret.',
    }),
    previousSecretExpiresAt: t.expose('previousSecretExpiresAt', {
      type: 'DateTime',
      nullable: true,
      description: 'When the previous secret stops signing; null when it stopped at once.',
    }),
  }),
});

builder.queryField('webhookEndpoints', (t) =>
  t.field({
    type: [WebhookEndpointType],
    description: "The caller's webhook endpoints, newest first.",
    resolve: (_root, _args, ctx) => ctx.services.webhooks.listEndpoints(ctx.viewer),
  }),
);

builder.mutationFields((t) => ({
  createWebhookEndpoint: t.field({
    type: CreateWebhookEndpointPayload,
    description: 'At most 10 per customer; the URL must be https and resolve to public addresses.',
    args: { input: t.arg({ type: CreateWebhookEndpointInput, required: true }) },
    errors: { types: [ValidationError], union: { name: 'CreateWebhookEndpointResult' } },
    resolve: (_root, { input }, ctx) => ctx.services.webhooks.createEndpoint(ctx.viewer, input),
  }),
  deleteWebhookEndpoint: t.field({
    type: WebhookEndpointType,
    description: 'Stops every delivery to it, pending ones included.',
    args: { id: t.arg.id({ required: true }) },
    errors: { types: [NotFoundError, ValidationError], union: { name: 'DeleteWebhookEndpointResult' } },
    resolve: (_root, { id }, ctx) => ctx.services.webhooks.deleteEndpoint(ctx.viewer, id),
  }),
  redeliverWebhook: t.field({
    type: WebhookDeliveryType,
    description: 'Sends the delivery again now, with a fresh attempt budget.',
    args: { deliveryId: t.arg.id({ required: true }) },
    errors: { types: [NotFoundError, ValidationError], union: { name: 'RedeliverWebhookResult' } },
    resolve: (_root, { deliveryId }, ctx) => ctx.services.webhooks.redeliver(ctx.viewer, deliveryId),
  }),
  rotateWebhookSecret: t.field({
    type: RotateWebhookSecretPayload,
    description: 'A new signing secret; the old one keeps signing for expireOldAfterSeconds (0 to 86400, default 86400).',
    args: { id: t.arg.id({ required: true }), expireOldAfterSeconds: t.arg.int() },
    errors: { types: [NotFoundError, ValidationError], union: { name: 'RotateWebhookSecretResult' } },
    resolve: (_root, { id, expireOldAfterSeconds }, ctx) => ctx.services.webhooks.rotateSecret(ctx.viewer, id, expireOldAfterSeconds),
  }),
}));
