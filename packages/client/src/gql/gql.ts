/* eslint-disable */
import * as types from './graphql.ts';
import type { TypedDocumentNode as DocumentNode } from '@graphql-typed-document-node/core';

/**
 * Map of all GraphQL operations in the project.
 *
 * This map has several performance disadvantages:
 * 1. It is not tree-shakeable, so it will include all operations in the project.
 * 2. It is not minifiable, so the string of a GraphQL query will be multiple times inside the bundle.
 * 3. It does not support dead code elimination, so it will add unused operations.
 *
 * Therefore it is highly recommended to use the babel or swc plugin for production.
 * Learn more about it here: https://the-guild.dev/graphql/codegen/plugins/presets/preset-client#reducing-bundle-size
 */
type Documents = {
    "\n  fragment ClientErrorFields on Error {\n    code\n    message\n    ... on ValidationError {\n      fieldErrors {\n        field\n        message\n      }\n    }\n    ... on NotFoundError {\n      resource\n      missingId: id\n    }\n    ... on InsufficientCreditError {\n      required\n      available\n    }\n  }\n": typeof types.ClientErrorFieldsFragmentDoc,
    "\n  fragment ClientMediaFileFields on MediaFile {\n    key\n    url\n    contentType\n    size\n    width\n    height\n    durationMs\n  }\n": typeof types.ClientMediaFileFieldsFragmentDoc,
    "\n  fragment ClientWorkflowFields on Workflow {\n    id\n    title\n    description\n    model\n    options {\n      aspectRatio\n      pipelineMode\n    }\n    primaryUserId\n    visibilityStatus\n    processingStatus\n    progressPercentage\n    error\n    creditCost\n    version\n    createdAt\n    updatedAt\n    completions {\n      flow\n      status\n      attempts\n      error\n      startedAt\n      completedAt\n    }\n    mediaResult {\n      ...ClientMediaFileFields\n    }\n  }\n": typeof types.ClientWorkflowFieldsFragmentDoc,
    "\n  query ClientMe {\n    me {\n      id\n      name\n      credits\n    }\n  }\n": typeof types.ClientMeDocument,
    "\n  query ClientModels {\n    models {\n      id\n      title\n      aspectRatios\n      pipelineModes\n    }\n  }\n": typeof types.ClientModelsDocument,
    "\n  mutation ClientCreateUpload($input: CreateUploadInput!) {\n    createUpload(input: $input) {\n      __typename\n      ... on Upload {\n        id\n        url\n        headers\n        expiresAt\n      }\n      ... on Error {\n        ...ClientErrorFields\n      }\n    }\n  }\n": typeof types.ClientCreateUploadDocument,
    "\n  mutation ClientCreateWorkflow($input: CreateWorkflowInput!) {\n    createWorkflow(input: $input) {\n      __typename\n      ... on Workflow {\n        ...ClientWorkflowFields\n      }\n      ... on Error {\n        ...ClientErrorFields\n      }\n    }\n  }\n": typeof types.ClientCreateWorkflowDocument,
    "\n  query ClientWorkflow($id: ID!) {\n    workflow(id: $id) {\n      __typename\n      ... on Workflow {\n        ...ClientWorkflowFields\n      }\n      ... on Error {\n        ...ClientErrorFields\n      }\n    }\n  }\n": typeof types.ClientWorkflowDocument,
    "\n  query ClientWorkflows($first: Int, $after: String, $filter: WorkflowFilter) {\n    workflows(first: $first, after: $after, filter: $filter) {\n      edges {\n        node {\n          ...ClientWorkflowFields\n        }\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n  }\n": typeof types.ClientWorkflowsDocument,
    "\n  mutation ClientCancelWorkflow($id: ID!) {\n    cancelWorkflow(id: $id) {\n      __typename\n      ... on Workflow {\n        ...ClientWorkflowFields\n      }\n      ... on Error {\n        ...ClientErrorFields\n      }\n    }\n  }\n": typeof types.ClientCancelWorkflowDocument,
    "\n  mutation ClientRetryWorkflow($id: ID!) {\n    retryWorkflow(id: $id) {\n      __typename\n      ... on Workflow {\n        ...ClientWorkflowFields\n      }\n      ... on Error {\n        ...ClientErrorFields\n      }\n    }\n  }\n": typeof types.ClientRetryWorkflowDocument,
    "\n  mutation ClientDeleteWorkflow($id: ID!) {\n    deleteWorkflow(id: $id) {\n      __typename\n      ... on DeleteWorkflowPayload {\n        deletedObjects\n        workflow {\n          id\n        }\n      }\n      ... on Error {\n        ...ClientErrorFields\n      }\n    }\n  }\n": typeof types.ClientDeleteWorkflowDocument,
    "\n  mutation ClientLogError($input: LogErrorInput!) {\n    logError(input: $input) {\n      __typename\n      ... on LogErrorSuccess {\n        logPath\n        message\n      }\n      ... on Error {\n        ...ClientErrorFields\n      }\n    }\n  }\n": typeof types.ClientLogErrorDocument,
    "\n  subscription ClientWorkflowProgress($id: ID!, $sinceVersion: Int) {\n    workflowProgress(id: $id, sinceVersion: $sinceVersion) {\n      workflowId\n      version\n      processingStatus\n      progressPercentage\n      flow\n      flowStatus\n      emittedAt\n      workflow {\n        ...ClientWorkflowFields\n      }\n    }\n  }\n": typeof types.ClientWorkflowProgressDocument,
    "fragment DemoWorkflow on Workflow {\n  id\n  title\n  model\n  processingStatus\n  progressPercentage\n  error\n  createdAt\n  options {\n    pipelineMode\n    aspectRatio\n  }\n  completions {\n    flow\n    status\n    attempts\n    error\n  }\n  mediaResult {\n    url\n    contentType\n    width\n    height\n    durationMs\n  }\n}\n\nquery DemoModels {\n  models {\n    id\n    title\n    description\n    aspectRatios\n    pipelineModes\n    imageCost: creditCost(pipelineMode: IMAGE)\n    videoCost: creditCost(pipelineMode: VIDEO)\n  }\n}\n\nquery DemoMe {\n  me {\n    name\n    credits\n  }\n}\n\nquery DemoRecent {\n  workflows(first: 10) {\n    edges {\n      node {\n        id\n        title\n        model\n        processingStatus\n        createdAt\n        options {\n          pipelineMode\n          aspectRatio\n        }\n      }\n    }\n  }\n}\n\nquery DemoWorkflowById($id: ID!) {\n  workflow(id: $id) {\n    __typename\n    ...DemoWorkflow\n    ... on Error {\n      message\n    }\n  }\n}\n\nmutation DemoCreate($input: CreateWorkflowInput!) {\n  createWorkflow(input: $input) {\n    __typename\n    ...DemoWorkflow\n    ... on Error {\n      code\n      message\n    }\n    ... on ValidationError {\n      fieldErrors {\n        field\n        message\n      }\n    }\n  }\n}\n\nsubscription DemoProgress($id: ID!) {\n  workflowProgress(id: $id) {\n    version\n    flow\n    flowStatus\n    processingStatus\n    progressPercentage\n    workflow {\n      ...DemoWorkflow\n    }\n  }\n}": typeof types.DemoWorkflowFragmentDoc,
};
const documents: Documents = {
    "\n  fragment ClientErrorFields on Error {\n    code\n    message\n    ... on ValidationError {\n      fieldErrors {\n        field\n        message\n      }\n    }\n    ... on NotFoundError {\n      resource\n      missingId: id\n    }\n    ... on InsufficientCreditError {\n      required\n      available\n    }\n  }\n": types.ClientErrorFieldsFragmentDoc,
    "\n  fragment ClientMediaFileFields on MediaFile {\n    key\n    url\n    contentType\n    size\n    width\n    height\n    durationMs\n  }\n": types.ClientMediaFileFieldsFragmentDoc,
    "\n  fragment ClientWorkflowFields on Workflow {\n    id\n    title\n    description\n    model\n    options {\n      aspectRatio\n      pipelineMode\n    }\n    primaryUserId\n    visibilityStatus\n    processingStatus\n    progressPercentage\n    error\n    creditCost\n    version\n    createdAt\n    updatedAt\n    completions {\n      flow\n      status\n      attempts\n      error\n      startedAt\n      completedAt\n    }\n    mediaResult {\n      ...ClientMediaFileFields\n    }\n  }\n": types.ClientWorkflowFieldsFragmentDoc,
    "\n  query ClientMe {\n    me {\n      id\n      name\n      credits\n    }\n  }\n": types.ClientMeDocument,
    "\n  query ClientModels {\n    models {\n      id\n      title\n      aspectRatios\n      pipelineModes\n    }\n  }\n": types.ClientModelsDocument,
    "\n  mutation ClientCreateUpload($input: CreateUploadInput!) {\n    createUpload(input: $input) {\n      __typename\n      ... on Upload {\n        id\n        url\n        headers\n        expiresAt\n      }\n      ... on Error {\n        ...ClientErrorFields\n      }\n    }\n  }\n": types.ClientCreateUploadDocument,
    "\n  mutation ClientCreateWorkflow($input: CreateWorkflowInput!) {\n    createWorkflow(input: $input) {\n      __typename\n      ... on Workflow {\n        ...ClientWorkflowFields\n      }\n      ... on Error {\n        ...ClientErrorFields\n      }\n    }\n  }\n": types.ClientCreateWorkflowDocument,
    "\n  query ClientWorkflow($id: ID!) {\n    workflow(id: $id) {\n      __typename\n      ... on Workflow {\n        ...ClientWorkflowFields\n      }\n      ... on Error {\n        ...ClientErrorFields\n      }\n    }\n  }\n": types.ClientWorkflowDocument,
    "\n  query ClientWorkflows($first: Int, $after: String, $filter: WorkflowFilter) {\n    workflows(first: $first, after: $after, filter: $filter) {\n      edges {\n        node {\n          ...ClientWorkflowFields\n        }\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n  }\n": types.ClientWorkflowsDocument,
    "\n  mutation ClientCancelWorkflow($id: ID!) {\n    cancelWorkflow(id: $id) {\n      __typename\n      ... on Workflow {\n        ...ClientWorkflowFields\n      }\n      ... on Error {\n        ...ClientErrorFields\n      }\n    }\n  }\n": types.ClientCancelWorkflowDocument,
    "\n  mutation ClientRetryWorkflow($id: ID!) {\n    retryWorkflow(id: $id) {\n      __typename\n      ... on Workflow {\n        ...ClientWorkflowFields\n      }\n      ... on Error {\n        ...ClientErrorFields\n      }\n    }\n  }\n": types.ClientRetryWorkflowDocument,
    "\n  mutation ClientDeleteWorkflow($id: ID!) {\n    deleteWorkflow(id: $id) {\n      __typename\n      ... on DeleteWorkflowPayload {\n        deletedObjects\n        workflow {\n          id\n        }\n      }\n      ... on Error {\n        ...ClientErrorFields\n      }\n    }\n  }\n": types.ClientDeleteWorkflowDocument,
    "\n  mutation ClientLogError($input: LogErrorInput!) {\n    logError(input: $input) {\n      __typename\n      ... on LogErrorSuccess {\n        logPath\n        message\n      }\n      ... on Error {\n        ...ClientErrorFields\n      }\n    }\n  }\n": types.ClientLogErrorDocument,
    "\n  subscription ClientWorkflowProgress($id: ID!, $sinceVersion: Int) {\n    workflowProgress(id: $id, sinceVersion: $sinceVersion) {\n      workflowId\n      version\n      processingStatus\n      progressPercentage\n      flow\n      flowStatus\n      emittedAt\n      workflow {\n        ...ClientWorkflowFields\n      }\n    }\n  }\n": types.ClientWorkflowProgressDocument,
    "fragment DemoWorkflow on Workflow {\n  id\n  title\n  model\n  processingStatus\n  progressPercentage\n  error\n  createdAt\n  options {\n    pipelineMode\n    aspectRatio\n  }\n  completions {\n    flow\n    status\n    attempts\n    error\n  }\n  mediaResult {\n    url\n    contentType\n    width\n    height\n    durationMs\n  }\n}\n\nquery DemoModels {\n  models {\n    id\n    title\n    description\n    aspectRatios\n    pipelineModes\n    imageCost: creditCost(pipelineMode: IMAGE)\n    videoCost: creditCost(pipelineMode: VIDEO)\n  }\n}\n\nquery DemoMe {\n  me {\n    name\n    credits\n  }\n}\n\nquery DemoRecent {\n  workflows(first: 10) {\n    edges {\n      node {\n        id\n        title\n        model\n        processingStatus\n        createdAt\n        options {\n          pipelineMode\n          aspectRatio\n        }\n      }\n    }\n  }\n}\n\nquery DemoWorkflowById($id: ID!) {\n  workflow(id: $id) {\n    __typename\n    ...DemoWorkflow\n    ... on Error {\n      message\n    }\n  }\n}\n\nmutation DemoCreate($input: CreateWorkflowInput!) {\n  createWorkflow(input: $input) {\n    __typename\n    ...DemoWorkflow\n    ... on Error {\n      code\n      message\n    }\n    ... on ValidationError {\n      fieldErrors {\n        field\n        message\n      }\n    }\n  }\n}\n\nsubscription DemoProgress($id: ID!) {\n  workflowProgress(id: $id) {\n    version\n    flow\n    flowStatus\n    processingStatus\n    progressPercentage\n    workflow {\n      ...DemoWorkflow\n    }\n  }\n}": types.DemoWorkflowFragmentDoc,
};

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 *
 *
 * @example
 * ```ts
 * const query = graphql(`query GetUser($id: ID!) { user(id: $id) { name } }`);
 * ```
 *
 * The query argument is unknown!
 * Please regenerate the types.
 */
export function graphql(source: string): unknown;

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment ClientErrorFields on Error {\n    code\n    message\n    ... on ValidationError {\n      fieldErrors {\n        field\n        message\n      }\n    }\n    ... on NotFoundError {\n      resource\n      missingId: id\n    }\n    ... on InsufficientCreditError {\n      required\n      available\n    }\n  }\n"): (typeof documents)["\n  fragment ClientErrorFields on Error {\n    code\n    message\n    ... on ValidationError {\n      fieldErrors {\n        field\n        message\n      }\n    }\n    ... on NotFoundError {\n      resource\n      missingId: id\n    }\n    ... on InsufficientCreditError {\n      required\n      available\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment ClientMediaFileFields on MediaFile {\n    key\n    url\n    contentType\n    size\n    width\n    height\n    durationMs\n  }\n"): (typeof documents)["\n  fragment ClientMediaFileFields on MediaFile {\n    key\n    url\n    contentType\n    size\n    width\n    height\n    durationMs\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment ClientWorkflowFields on Workflow {\n    id\n    title\n    description\n    model\n    options {\n      aspectRatio\n      pipelineMode\n    }\n    primaryUserId\n    visibilityStatus\n    processingStatus\n    progressPercentage\n    error\n    creditCost\n    version\n    createdAt\n    updatedAt\n    completions {\n      flow\n      status\n      attempts\n      error\n      startedAt\n      completedAt\n    }\n    mediaResult {\n      ...ClientMediaFileFields\n    }\n  }\n"): (typeof documents)["\n  fragment ClientWorkflowFields on Workflow {\n    id\n    title\n    description\n    model\n    options {\n      aspectRatio\n      pipelineMode\n    }\n    primaryUserId\n    visibilityStatus\n    processingStatus\n    progressPercentage\n    error\n    creditCost\n    version\n    createdAt\n    updatedAt\n    completions {\n      flow\n      status\n      attempts\n      error\n      startedAt\n      completedAt\n    }\n    mediaResult {\n      ...ClientMediaFileFields\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query ClientMe {\n    me {\n      id\n      name\n      credits\n    }\n  }\n"): (typeof documents)["\n  query ClientMe {\n    me {\n      id\n      name\n      credits\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query ClientModels {\n    models {\n      id\n      title\n      aspectRatios\n      pipelineModes\n    }\n  }\n"): (typeof documents)["\n  query ClientModels {\n    models {\n      id\n      title\n      aspectRatios\n      pipelineModes\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation ClientCreateUpload($input: CreateUploadInput!) {\n    createUpload(input: $input) {\n      __typename\n      ... on Upload {\n        id\n        url\n        headers\n        expiresAt\n      }\n      ... on Error {\n        ...ClientErrorFields\n      }\n    }\n  }\n"): (typeof documents)["\n  mutation ClientCreateUpload($input: CreateUploadInput!) {\n    createUpload(input: $input) {\n      __typename\n      ... on Upload {\n        id\n        url\n        headers\n        expiresAt\n      }\n      ... on Error {\n        ...ClientErrorFields\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation ClientCreateWorkflow($input: CreateWorkflowInput!) {\n    createWorkflow(input: $input) {\n      __typename\n      ... on Workflow {\n        ...ClientWorkflowFields\n      }\n      ... on Error {\n        ...ClientErrorFields\n      }\n    }\n  }\n"): (typeof documents)["\n  mutation ClientCreateWorkflow($input: CreateWorkflowInput!) {\n    createWorkflow(input: $input) {\n      __typename\n      ... on Workflow {\n        ...ClientWorkflowFields\n      }\n      ... on Error {\n        ...ClientErrorFields\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query ClientWorkflow($id: ID!) {\n    workflow(id: $id) {\n      __typename\n      ... on Workflow {\n        ...ClientWorkflowFields\n      }\n      ... on Error {\n        ...ClientErrorFields\n      }\n    }\n  }\n"): (typeof documents)["\n  query ClientWorkflow($id: ID!) {\n    workflow(id: $id) {\n      __typename\n      ... on Workflow {\n        ...ClientWorkflowFields\n      }\n      ... on Error {\n        ...ClientErrorFields\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query ClientWorkflows($first: Int, $after: String, $filter: WorkflowFilter) {\n    workflows(first: $first, after: $after, filter: $filter) {\n      edges {\n        node {\n          ...ClientWorkflowFields\n        }\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n  }\n"): (typeof documents)["\n  query ClientWorkflows($first: Int, $after: String, $filter: WorkflowFilter) {\n    workflows(first: $first, after: $after, filter: $filter) {\n      edges {\n        node {\n          ...ClientWorkflowFields\n        }\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation ClientCancelWorkflow($id: ID!) {\n    cancelWorkflow(id: $id) {\n      __typename\n      ... on Workflow {\n        ...ClientWorkflowFields\n      }\n      ... on Error {\n        ...ClientErrorFields\n      }\n    }\n  }\n"): (typeof documents)["\n  mutation ClientCancelWorkflow($id: ID!) {\n    cancelWorkflow(id: $id) {\n      __typename\n      ... on Workflow {\n        ...ClientWorkflowFields\n      }\n      ... on Error {\n        ...ClientErrorFields\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation ClientRetryWorkflow($id: ID!) {\n    retryWorkflow(id: $id) {\n      __typename\n      ... on Workflow {\n        ...ClientWorkflowFields\n      }\n      ... on Error {\n        ...ClientErrorFields\n      }\n    }\n  }\n"): (typeof documents)["\n  mutation ClientRetryWorkflow($id: ID!) {\n    retryWorkflow(id: $id) {\n      __typename\n      ... on Workflow {\n        ...ClientWorkflowFields\n      }\n      ... on Error {\n        ...ClientErrorFields\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation ClientDeleteWorkflow($id: ID!) {\n    deleteWorkflow(id: $id) {\n      __typename\n      ... on DeleteWorkflowPayload {\n        deletedObjects\n        workflow {\n          id\n        }\n      }\n      ... on Error {\n        ...ClientErrorFields\n      }\n    }\n  }\n"): (typeof documents)["\n  mutation ClientDeleteWorkflow($id: ID!) {\n    deleteWorkflow(id: $id) {\n      __typename\n      ... on DeleteWorkflowPayload {\n        deletedObjects\n        workflow {\n          id\n        }\n      }\n      ... on Error {\n        ...ClientErrorFields\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation ClientLogError($input: LogErrorInput!) {\n    logError(input: $input) {\n      __typename\n      ... on LogErrorSuccess {\n        logPath\n        message\n      }\n      ... on Error {\n        ...ClientErrorFields\n      }\n    }\n  }\n"): (typeof documents)["\n  mutation ClientLogError($input: LogErrorInput!) {\n    logError(input: $input) {\n      __typename\n      ... on LogErrorSuccess {\n        logPath\n        message\n      }\n      ... on Error {\n        ...ClientErrorFields\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription ClientWorkflowProgress($id: ID!, $sinceVersion: Int) {\n    workflowProgress(id: $id, sinceVersion: $sinceVersion) {\n      workflowId\n      version\n      processingStatus\n      progressPercentage\n      flow\n      flowStatus\n      emittedAt\n      workflow {\n        ...ClientWorkflowFields\n      }\n    }\n  }\n"): (typeof documents)["\n  subscription ClientWorkflowProgress($id: ID!, $sinceVersion: Int) {\n    workflowProgress(id: $id, sinceVersion: $sinceVersion) {\n      workflowId\n      version\n      processingStatus\n      progressPercentage\n      flow\n      flowStatus\n      emittedAt\n      workflow {\n        ...ClientWorkflowFields\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "fragment DemoWorkflow on Workflow {\n  id\n  title\n  model\n  processingStatus\n  progressPercentage\n  error\n  createdAt\n  options {\n    pipelineMode\n    aspectRatio\n  }\n  completions {\n    flow\n    status\n    attempts\n    error\n  }\n  mediaResult {\n    url\n    contentType\n    width\n    height\n    durationMs\n  }\n}\n\nquery DemoModels {\n  models {\n    id\n    title\n    description\n    aspectRatios\n    pipelineModes\n    imageCost: creditCost(pipelineMode: IMAGE)\n    videoCost: creditCost(pipelineMode: VIDEO)\n  }\n}\n\nquery DemoMe {\n  me {\n    name\n    credits\n  }\n}\n\nquery DemoRecent {\n  workflows(first: 10) {\n    edges {\n      node {\n        id\n        title\n        model\n        processingStatus\n        createdAt\n        options {\n          pipelineMode\n          aspectRatio\n        }\n      }\n    }\n  }\n}\n\nquery DemoWorkflowById($id: ID!) {\n  workflow(id: $id) {\n    __typename\n    ...DemoWorkflow\n    ... on Error {\n      message\n    }\n  }\n}\n\nmutation DemoCreate($input: CreateWorkflowInput!) {\n  createWorkflow(input: $input) {\n    __typename\n    ...DemoWorkflow\n    ... on Error {\n      code\n      message\n    }\n    ... on ValidationError {\n      fieldErrors {\n        field\n        message\n      }\n    }\n  }\n}\n\nsubscription DemoProgress($id: ID!) {\n  workflowProgress(id: $id) {\n    version\n    flow\n    flowStatus\n    processingStatus\n    progressPercentage\n    workflow {\n      ...DemoWorkflow\n    }\n  }\n}"): (typeof documents)["fragment DemoWorkflow on Workflow {\n  id\n  title\n  model\n  processingStatus\n  progressPercentage\n  error\n  createdAt\n  options {\n    pipelineMode\n    aspectRatio\n  }\n  completions {\n    flow\n    status\n    attempts\n    error\n  }\n  mediaResult {\n    url\n    contentType\n    width\n    height\n    durationMs\n  }\n}\n\nquery DemoModels {\n  models {\n    id\n    title\n    description\n    aspectRatios\n    pipelineModes\n    imageCost: creditCost(pipelineMode: IMAGE)\n    videoCost: creditCost(pipelineMode: VIDEO)\n  }\n}\n\nquery DemoMe {\n  me {\n    name\n    credits\n  }\n}\n\nquery DemoRecent {\n  workflows(first: 10) {\n    edges {\n      node {\n        id\n        title\n        model\n        processingStatus\n        createdAt\n        options {\n          pipelineMode\n          aspectRatio\n        }\n      }\n    }\n  }\n}\n\nquery DemoWorkflowById($id: ID!) {\n  workflow(id: $id) {\n    __typename\n    ...DemoWorkflow\n    ... on Error {\n      message\n    }\n  }\n}\n\nmutation DemoCreate($input: CreateWorkflowInput!) {\n  createWorkflow(input: $input) {\n    __typename\n    ...DemoWorkflow\n    ... on Error {\n      code\n      message\n    }\n    ... on ValidationError {\n      fieldErrors {\n        field\n        message\n      }\n    }\n  }\n}\n\nsubscription DemoProgress($id: ID!) {\n  workflowProgress(id: $id) {\n    version\n    flow\n    flowStatus\n    processingStatus\n    progressPercentage\n    workflow {\n      ...DemoWorkflow\n    }\n  }\n}"];

export function graphql(source: string) {
  return (documents as any)[source] ?? {};
}

export type DocumentType<TDocumentNode extends DocumentNode<any, any>> = TDocumentNode extends DocumentNode<  infer TType,  any>  ? TType  : never;