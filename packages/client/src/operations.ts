import { graphql } from './gql/index.ts';

/** What every operation asks of an expected failure, so the client can say what went wrong. */
export const ErrorFields = graphql(`
  fragment ClientErrorFields on Error {
    code
    message
    ... on ValidationError {
      fieldErrors {
        field
        message
      }
    }
    ... on NotFoundError {
      resource
      missingId: id
    }
    ... on InsufficientCreditError {
      required
      available
    }
  }
`);

export const MediaFileFields = graphql(`
  fragment ClientMediaFileFields on MediaFile {
    key
    url
    contentType
    size
    width
    height
    durationMs
  }
`);

export const WorkflowFields = graphql(`
  fragment ClientWorkflowFields on Workflow {
    id
    title
    description
    model
    options {
      aspectRatio
      pipelineMode
    }
    primaryUserId
    visibilityStatus
    processingStatus
    progressPercentage
    error
    creditCost
    version
    createdAt
    updatedAt
    completions {
      flow
      status
      attempts
      error
      startedAt
      completedAt
    }
    mediaResult {
      ...ClientMediaFileFields
    }
  }
`);

export const Me = graphql(`
  query ClientMe {
    me {
      id
      name
      credits
    }
  }
`);

export const Models = graphql(`
  query ClientModels {
    models {
      id
      title
      aspectRatios
      pipelineModes
    }
  }
`);

export const CreateUpload = graphql(`
  mutation ClientCreateUpload($input: CreateUploadInput!) {
    createUpload(input: $input) {
      __typename
      ... on Upload {
        id
        url
        headers
        expiresAt
      }
      ... on Error {
        ...ClientErrorFields
      }
    }
  }
`);

export const CreateWorkflow = graphql(`
  mutation ClientCreateWorkflow($input: CreateWorkflowInput!) {
    createWorkflow(input: $input) {
      __typename
      ... on Workflow {
        ...ClientWorkflowFields
      }
      ... on Error {
        ...ClientErrorFields
      }
    }
  }
`);

export const GetWorkflow = graphql(`
  query ClientWorkflow($id: ID!) {
    workflow(id: $id) {
      __typename
      ... on Workflow {
        ...ClientWorkflowFields
      }
      ... on Error {
        ...ClientErrorFields
      }
    }
  }
`);

export const ListWorkflows = graphql(`
  query ClientWorkflows($first: Int, $after: String, $filter: WorkflowFilter) {
    workflows(first: $first, after: $after, filter: $filter) {
      edges {
        node {
          ...ClientWorkflowFields
        }
      }
      pageInfo {
        hasNextPage
        endCursor
      }
    }
  }
`);

export const CancelWorkflow = graphql(`
  mutation ClientCancelWorkflow($id: ID!) {
    cancelWorkflow(id: $id) {
      __typename
      ... on Workflow {
        ...ClientWorkflowFields
      }
      ... on Error {
        ...ClientErrorFields
      }
    }
  }
`);

export const RetryWorkflow = graphql(`
  mutation ClientRetryWorkflow($id: ID!) {
    retryWorkflow(id: $id) {
      __typename
      ... on Workflow {
        ...ClientWorkflowFields
      }
      ... on Error {
        ...ClientErrorFields
      }
    }
  }
`);

export const DeleteWorkflow = graphql(`
  mutation ClientDeleteWorkflow($id: ID!) {
    deleteWorkflow(id: $id) {
      __typename
      ... on DeleteWorkflowPayload {
        deletedObjects
        workflow {
          id
        }
      }
      ... on Error {
        ...ClientErrorFields
      }
    }
  }
`);

export const LogError = graphql(`
  mutation ClientLogError($input: LogErrorInput!) {
    logError(input: $input) {
      __typename
      ... on LogErrorSuccess {
        logPath
        message
      }
      ... on Error {
        ...ClientErrorFields
      }
    }
  }
`);

export const WorkflowProgress = graphql(`
  subscription ClientWorkflowProgress($id: ID!, $sinceVersion: Int) {
    workflowProgress(id: $id, sinceVersion: $sinceVersion) {
      workflowId
      version
      processingStatus
      progressPercentage
      flow
      flowStatus
      emittedAt
      workflow {
        ...ClientWorkflowFields
      }
    }
  }
`);
