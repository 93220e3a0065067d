import { graphql } from '../gql/index.ts';

export const CreateWebhookEndpoint = graphql(`
  mutation CreateWebhookEndpoint($input: CreateWebhookEndpointInput!) {
    createWebhookEndpoint(input: $input) {
      __typename
      ... on CreateWebhookEndpointPayload {
        signingSecret
        endpoint {
          id
          url
          events
        }
      }
      ...ErrorFields
    }
  }
`);

export const WebhookEndpoints = graphql(`
  query WebhookEndpoints($first: Int, $after: String) {
    webhookEndpoints {
      id
      url
      events
      deliveries(first: $first, after: $after) {
        edges {
          cursor
          node {
            id
            eventId
            eventType
            workflowId
            status
            attempts
            lastStatusCode
            lastError
            nextAttemptAt
            deliveredAt
          }
        }
        pageInfo {
          hasNextPage
          endCursor
        }
      }
    }
  }
`);

export const DeleteWebhookEndpoint = graphql(`
  mutation DeleteWebhookEndpoint($id: ID!) {
    deleteWebhookEndpoint(id: $id) {
      __typename
      ... on WebhookEndpoint {
        id
      }
      ...ErrorFields
    }
  }
`);

export const RedeliverWebhook = graphql(`
  mutation RedeliverWebhook($deliveryId: ID!) {
    redeliverWebhook(deliveryId: $deliveryId) {
      __typename
      ... on WebhookDelivery {
        id
        status
        attempts
      }
      ...ErrorFields
    }
  }
`);

export const RotateWebhookSecret = graphql(`
  mutation RotateWebhookSecret($id: ID!, $expireOldAfterSeconds: Int) {
    rotateWebhookSecret(id: $id, expireOldAfterSeconds: $expireOldAfterSeconds) {
      __typename
      ... on RotateWebhookSecretPayload {
        signingSecret
        previousSecretExpiresAt
        endpoint {
          id
        }
      }
      ...ErrorFields
    }
  }
`);
