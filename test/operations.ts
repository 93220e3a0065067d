import { graphql } from './gql/index.ts';

/** What every operation asks of an expected failure; ValidationError adds the fields at fault. */
export const ErrorFields = graphql(`
  fragment ErrorFields on Error {
    message
    code
    ... on ValidationError {
      fieldErrors {
        field
        message
      }
    }
  }
`);

export const WorkflowFields = graphql(`
  fragment WorkflowFields on Workflow {
    id
    title
    description
    visibilityStatus
    model
    options {
      aspectRatio
      pipelineMode
    }
    primaryUserId
    customerId
    processingStatus
    progressPercentage
    creditCost
    version
    createdAt
    updatedAt
    completions {
      flow
      status
      attempts
      result {
        key
      }
    }
    source {
      key
      url
      contentType
      size
      width
      height
    }
    mediaResult {
      key
    }
    result
  }
`);

export const CreateWorkflow = graphql(`
  mutation CreateWorkflow($input: CreateWorkflowInput!) {
    createWorkflow(input: $input) {
      __typename
      ...WorkflowFields
      ...ErrorFields
      ... on NotFoundError {
        resource
        missingId: id
      }
      ... on InsufficientCreditError {
        required
        available
      }
    }
  }
`);

export const GetWorkflow = graphql(`
  query GetWorkflow($id: ID!) {
    workflow(id: $id) {
      __typename
      ...WorkflowFields
      ...ErrorFields
      ... on NotFoundError {
        resource
        missingId: id
      }
    }
  }
`);

export const ListWorkflows = graphql(`
  query ListWorkflows($first: Int, $after: String, $filter: WorkflowFilter) {
    workflows(first: $first, after: $after, filter: $filter) {
      edges {
        cursor
        node {
          id
          title
          primaryUserId
          processingStatus
          completions {
            flow
          }
        }
      }
      pageInfo {
        hasNextPage
        hasPreviousPage
        startCursor
        endCursor
      }
    }
  }
`);

export const UpdateWorkflow = graphql(`
  mutation UpdateWorkflow($id: ID!, $input: UpdateWorkflowInput!) {
    updateWorkflow(id: $id, input: $input) {
      __typename
      ... on Workflow {
        id
        title
        description
        visibilityStatus
        primaryUserId
        version
      }
      ...ErrorFields
    }
  }
`);

export const DeleteWorkflow = graphql(`
  mutation DeleteWorkflow($id: ID!) {
    deleteWorkflow(id: $id) {
      __typename
      ... on DeleteWorkflowPayload {
        deletedObjects
        workflow {
          id
          title
          completions {
            flow
          }
          source {
            key
          }
        }
      }
      ...ErrorFields
    }
  }
`);

export const CreateUpload = graphql(`
  mutation CreateUpload($input: CreateUploadInput!) {
    createUpload(input: $input) {
      __typename
      ... on Upload {
        id
        url
        headers
        expiresAt
      }
      ... on ValidationError {
        message
        fieldErrors {
          field
          message
        }
      }
    }
  }
`);

export const Me = graphql(`
  query Me {
    me {
      id
      name
      credits
    }
  }
`);

export const Models = graphql(`
  query Models {
    models {
      id
      title
      description
      pipelineModes
      aspectRatios
      image: creditCost(pipelineMode: IMAGE)
      video: creditCost(pipelineMode: VIDEO)
    }
  }
`);

export const CreateCustomer = graphql(`
  mutation CreateCustomer($input: CreateCustomerInput!) {
    createCustomer(input: $input) {
      apiKey
      customer {
        id
        name
        credits
      }
    }
  }
`);

export const GrantCredits = graphql(`
  mutation GrantCredits($customerId: ID!, $amount: Int!) {
    grantCredits(customerId: $customerId, amount: $amount) {
      id
      credits
    }
  }
`);

/** Every nested read of a workflow that costs a query (test/api/query-count.test.ts). */
export const EverythingOfAWorkflow = graphql(`
  fragment EverythingOfAWorkflow on Workflow {
    id
    completions {
      flow
      result {
        key
      }
    }
    mediaResult {
      key
      url
    }
    source {
      key
    }
  }
`);
