import { graphql } from '../gql/index.ts';

export const RunState = graphql(`
  query RunState($id: ID!) {
    workflow(id: $id) {
      __typename
      ... on Workflow {
        id
        processingStatus
        progressPercentage
        error
        version
        completions {
          flow
          status
          attempts
          error
          startedAt
          completedAt
          result {
            key
            contentType
            width
            height
            durationMs
          }
        }
        mediaResult {
          key
          url
          contentType
          size
          width
          height
          durationMs
        }
        result
      }
    }
  }
`);

export const CancelWorkflow = graphql(`
  mutation CancelWorkflow($id: ID!) {
    cancelWorkflow(id: $id) {
      __typename
      ... on Workflow {
        id
        processingStatus
        creditCost
      }
      ...ErrorFields
    }
  }
`);

export const RetryWorkflow = graphql(`
  mutation RetryWorkflow($id: ID!) {
    retryWorkflow(id: $id) {
      __typename
      ... on Workflow {
        id
        processingStatus
      }
      ...ErrorFields
      ... on InsufficientCreditError {
        required
        available
      }
    }
  }
`);
