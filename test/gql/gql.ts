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
    "\n  query ModelIds {\n    models {\n      id\n    }\n  }\n": typeof types.ModelIdsDocument,
    "\n  query Introspection {\n    __schema {\n      queryType {\n        name\n      }\n      mutationType {\n        name\n      }\n    }\n  }\n": typeof types.IntrospectionDocument,
    "\n  query ModelCatalog {\n    models {\n      id\n      title\n      description\n      pipelineModes\n      aspectRatios\n    }\n  }\n": typeof types.ModelCatalogDocument,
    "\n  query ModelCosts($mode: PipelineMode!) {\n    models {\n      id\n      creditCost(pipelineMode: $mode)\n    }\n  }\n": typeof types.ModelCostsDocument,
    "\n  query ModelIdsForMetrics {\n    models {\n      id\n    }\n  }\n": typeof types.ModelIdsForMetricsDocument,
    "\n  query OneWorkflowWithEverything($id: ID!) {\n    workflow(id: $id) {\n      ...EverythingOfAWorkflow\n    }\n  }\n": typeof types.OneWorkflowWithEverythingDocument,
    "\n  query PageWithEverything($first: Int) {\n    workflows(first: $first) {\n      edges {\n        node {\n          ...EverythingOfAWorkflow\n        }\n      }\n    }\n  }\n": typeof types.PageWithEverythingDocument,
    "\n  query ClientTestModelIds {\n    models {\n      id\n    }\n  }\n": typeof types.ClientTestModelIdsDocument,
    "\n  mutation LogError($input: LogErrorInput!) {\n    logError(input: $input) {\n      __typename\n      ... on LogErrorSuccess {\n        message\n        logPath\n      }\n      ...ErrorFields\n    }\n  }\n": typeof types.LogErrorDocument,
    "\n  query GetErrorLog($week: String, $customerId: ID, $expiresIn: Int) {\n    errorLog(week: $week, customerId: $customerId) {\n      logPath\n      week\n      entries\n      url(expiresIn: $expiresIn)\n    }\n  }\n": typeof types.GetErrorLogDocument,
    "\n  fragment ErrorFields on Error {\n    message\n    code\n    ... on ValidationError {\n      fieldErrors {\n        field\n        message\n      }\n    }\n  }\n": typeof types.ErrorFieldsFragmentDoc,
    "\n  fragment WorkflowFields on Workflow {\n    id\n    title\n    description\n    visibilityStatus\n    model\n    options {\n      aspectRatio\n      pipelineMode\n    }\n    primaryUserId\n    customerId\n    processingStatus\n    progressPercentage\n    creditCost\n    version\n    createdAt\n    updatedAt\n    completions {\n      flow\n      status\n      attempts\n      result {\n        key\n      }\n    }\n    source {\n      key\n      url\n      contentType\n      size\n      width\n      height\n    }\n    mediaResult {\n      key\n    }\n    result\n  }\n": typeof types.WorkflowFieldsFragmentDoc,
    "\n  mutation CreateWorkflow($input: CreateWorkflowInput!) {\n    createWorkflow(input: $input) {\n      __typename\n      ...WorkflowFields\n      ...ErrorFields\n      ... on NotFoundError {\n        resource\n        missingId: id\n      }\n      ... on InsufficientCreditError {\n        required\n        available\n      }\n    }\n  }\n": typeof types.CreateWorkflowDocument,
    "\n  query GetWorkflow($id: ID!) {\n    workflow(id: $id) {\n      __typename\n      ...WorkflowFields\n      ...ErrorFields\n      ... on NotFoundError {\n        resource\n        missingId: id\n      }\n    }\n  }\n": typeof types.GetWorkflowDocument,
    "\n  query ListWorkflows($first: Int, $after: String, $filter: WorkflowFilter) {\n    workflows(first: $first, after: $after, filter: $filter) {\n      edges {\n        cursor\n        node {\n          id\n          title\n          primaryUserId\n          processingStatus\n          completions {\n            flow\n          }\n        }\n      }\n      pageInfo {\n        hasNextPage\n        hasPreviousPage\n        startCursor\n        endCursor\n      }\n    }\n  }\n": typeof types.ListWorkflowsDocument,
    "\n  mutation UpdateWorkflow($id: ID!, $input: UpdateWorkflowInput!) {\n    updateWorkflow(id: $id, input: $input) {\n      __typename\n      ... on Workflow {\n        id\n        title\n        description\n        visibilityStatus\n        primaryUserId\n        version\n      }\n      ...ErrorFields\n    }\n  }\n": typeof types.UpdateWorkflowDocument,
    "\n  mutation DeleteWorkflow($id: ID!) {\n    deleteWorkflow(id: $id) {\n      __typename\n      ... on DeleteWorkflowPayload {\n        deletedObjects\n        workflow {\n          id\n          title\n          completions {\n            flow\n          }\n          source {\n            key\n          }\n        }\n      }\n      ...ErrorFields\n    }\n  }\n": typeof types.DeleteWorkflowDocument,
    "\n  mutation CreateUpload($input: CreateUploadInput!) {\n    createUpload(input: $input) {\n      __typename\n      ... on Upload {\n        id\n        url\n        headers\n        expiresAt\n      }\n      ... on ValidationError {\n        message\n        fieldErrors {\n          field\n          message\n        }\n      }\n    }\n  }\n": typeof types.CreateUploadDocument,
    "\n  query Me {\n    me {\n      id\n      name\n      credits\n    }\n  }\n": typeof types.MeDocument,
    "\n  query Models {\n    models {\n      id\n      title\n      description\n      pipelineModes\n      aspectRatios\n      image: creditCost(pipelineMode: IMAGE)\n      video: creditCost(pipelineMode: VIDEO)\n    }\n  }\n": typeof types.ModelsDocument,
    "\n  mutation CreateCustomer($input: CreateCustomerInput!) {\n    createCustomer(input: $input) {\n      apiKey\n      customer {\n        id\n        name\n        credits\n      }\n    }\n  }\n": typeof types.CreateCustomerDocument,
    "\n  mutation GrantCredits($customerId: ID!, $amount: Int!) {\n    grantCredits(customerId: $customerId, amount: $amount) {\n      id\n      credits\n    }\n  }\n": typeof types.GrantCreditsDocument,
    "\n  fragment EverythingOfAWorkflow on Workflow {\n    id\n    completions {\n      flow\n      result {\n        key\n      }\n    }\n    mediaResult {\n      key\n      url\n    }\n    source {\n      key\n    }\n  }\n": typeof types.EverythingOfAWorkflowFragmentDoc,
    "\n  query RunState($id: ID!) {\n    workflow(id: $id) {\n      __typename\n      ... on Workflow {\n        id\n        processingStatus\n        progressPercentage\n        error\n        version\n        completions {\n          flow\n          status\n          attempts\n          error\n          startedAt\n          completedAt\n          result {\n            key\n            contentType\n            width\n            height\n            durationMs\n          }\n        }\n        mediaResult {\n          key\n          url\n          contentType\n          size\n          width\n          height\n          durationMs\n        }\n        result\n      }\n    }\n  }\n": typeof types.RunStateDocument,
    "\n  mutation CancelWorkflow($id: ID!) {\n    cancelWorkflow(id: $id) {\n      __typename\n      ... on Workflow {\n        id\n        processingStatus\n        creditCost\n      }\n      ...ErrorFields\n    }\n  }\n": typeof types.CancelWorkflowDocument,
    "\n  mutation RetryWorkflow($id: ID!) {\n    retryWorkflow(id: $id) {\n      __typename\n      ... on Workflow {\n        id\n        processingStatus\n      }\n      ...ErrorFields\n      ... on InsufficientCreditError {\n        required\n        available\n      }\n    }\n  }\n": typeof types.RetryWorkflowDocument,
    "\n  query ComparedWorkflow($id: ID!) {\n    workflow(id: $id) {\n      __typename\n      ... on Workflow {\n        id\n        title\n        description\n        visibilityStatus\n        model\n        options {\n          aspectRatio\n          pipelineMode\n        }\n        primaryUserId\n        customerId\n        processingStatus\n        progressPercentage\n        completions {\n          flow\n          result {\n            url\n          }\n        }\n        result\n        mediaResult {\n          size\n          updatedAt\n        }\n        createdAt\n        updatedAt\n      }\n    }\n  }\n": typeof types.ComparedWorkflowDocument,
    "\n  mutation CreateApiKey($customerId: ID) {\n    createApiKey(customerId: $customerId) {\n      apiKey\n      key {\n        id\n        prefix\n        createdAt\n        revokedAt\n        mintedByKeyId\n      }\n    }\n  }\n": typeof types.CreateApiKeyDocument,
    "\n  mutation RevokeApiKey($id: ID!, $cascade: Boolean) {\n    revokeApiKey(id: $id, cascade: $cascade) {\n      __typename\n      ... on ApiKey {\n        id\n        revokedAt\n      }\n      ...ErrorFields\n    }\n  }\n": typeof types.RevokeApiKeyDocument,
    "\n  query MyKeys {\n    me {\n      apiKeys {\n        id\n        prefix\n        revokedAt\n        mintedByKeyId\n      }\n    }\n  }\n": typeof types.MyKeysDocument,
    "\n  query WorkflowOutputs($id: ID!) {\n    workflow(id: $id) {\n      __typename\n      ... on Workflow {\n        customerId\n        source {\n          key\n          url\n        }\n        completions {\n          flow\n          status\n          result {\n            key\n            url\n            contentType\n            size\n            width\n            height\n          }\n        }\n        mediaResult {\n          key\n          url\n          size\n        }\n        result\n      }\n    }\n  }\n": typeof types.WorkflowOutputsDocument,
    "\n  subscription ProgressOutputs($id: ID!) {\n    workflowProgress(id: $id) {\n      processingStatus\n      workflow {\n        source {\n          key\n        }\n        completions {\n          flow\n          result {\n            key\n            url\n          }\n        }\n        mediaResult {\n          key\n          url\n        }\n      }\n    }\n  }\n": typeof types.ProgressOutputsDocument,
    "\n  subscription WorkflowProgress($id: ID!, $sinceVersion: Int) {\n    workflowProgress(id: $id, sinceVersion: $sinceVersion) {\n      workflowId\n      processingStatus\n      progressPercentage\n      flow\n      flowStatus\n      version\n      emittedAt\n      workflow {\n        id\n        processingStatus\n        progressPercentage\n        version\n        visibilityStatus\n        completions {\n          flow\n          status\n        }\n      }\n    }\n  }\n": typeof types.WorkflowProgressDocument,
    "\n  mutation CreateWebhookEndpoint($input: CreateWebhookEndpointInput!) {\n    createWebhookEndpoint(input: $input) {\n      __typename\n      ... on CreateWebhookEndpointPayload {\n        signingSecret\n        endpoint {\n          id\n          url\n          events\n        }\n      }\n      ...ErrorFields\n    }\n  }\n": typeof types.CreateWebhookEndpointDocument,
    "\n  query WebhookEndpoints($first: Int, $after: String) {\n    webhookEndpoints {\n      id\n      url\n      events\n      deliveries(first: $first, after: $after) {\n        edges {\n          cursor\n          node {\n            id\n            eventId\n            eventType\n            workflowId\n            status\n            attempts\n            lastStatusCode\n            lastError\n            nextAttemptAt\n            deliveredAt\n          }\n        }\n        pageInfo {\n          hasNextPage\n          endCursor\n        }\n      }\n    }\n  }\n": typeof types.WebhookEndpointsDocument,
    "\n  mutation DeleteWebhookEndpoint($id: ID!) {\n    deleteWebhookEndpoint(id: $id) {\n      __typename\n      ... on WebhookEndpoint {\n        id\n      }\n      ...ErrorFields\n    }\n  }\n": typeof types.DeleteWebhookEndpointDocument,
    "\n  mutation RedeliverWebhook($deliveryId: ID!) {\n    redeliverWebhook(deliveryId: $deliveryId) {\n      __typename\n      ... on WebhookDelivery {\n        id\n        status\n        attempts\n      }\n      ...ErrorFields\n    }\n  }\n": typeof types.RedeliverWebhookDocument,
    "\n  mutation RotateWebhookSecret($id: ID!, $expireOldAfterSeconds: Int) {\n    rotateWebhookSecret(id: $id, expireOldAfterSeconds: $expireOldAfterSeconds) {\n      __typename\n      ... on RotateWebhookSecretPayload {\n        signingSecret\n        previousSecretExpiresAt\n        endpoint {\n          id\n        }\n      }\n      ...ErrorFields\n    }\n  }\n": typeof types.RotateWebhookSecretDocument,
};
const documents: Documents = {
    "\n  query ModelIds {\n    models {\n      id\n    }\n  }\n": types.ModelIdsDocument,
    "\n  query Introspection {\n    __schema {\n      queryType {\n        name\n      }\n      mutationType {\n        name\n      }\n    }\n  }\n": types.IntrospectionDocument,
    "\n  query ModelCatalog {\n    models {\n      id\n      title\n      description\n      pipelineModes\n      aspectRatios\n    }\n  }\n": types.ModelCatalogDocument,
    "\n  query ModelCosts($mode: PipelineMode!) {\n    models {\n      id\n      creditCost(pipelineMode: $mode)\n    }\n  }\n": types.ModelCostsDocument,
    "\n  query ModelIdsForMetrics {\n    models {\n      id\n    }\n  }\n": types.ModelIdsForMetricsDocument,
    "\n  query OneWorkflowWithEverything($id: ID!) {\n    workflow(id: $id) {\n      ...EverythingOfAWorkflow\n    }\n  }\n": types.OneWorkflowWithEverythingDocument,
    "\n  query PageWithEverything($first: Int) {\n    workflows(first: $first) {\n      edges {\n        node {\n          ...EverythingOfAWorkflow\n        }\n      }\n    }\n  }\n": types.PageWithEverythingDocument,
    "\n  query ClientTestModelIds {\n    models {\n      id\n    }\n  }\n": types.ClientTestModelIdsDocument,
    "\n  mutation LogError($input: LogErrorInput!) {\n    logError(input: $input) {\n      __typename\n      ... on LogErrorSuccess {\n        message\n        logPath\n      }\n      ...ErrorFields\n    }\n  }\n": types.LogErrorDocument,
    "\n  query GetErrorLog($week: String, $customerId: ID, $expiresIn: Int) {\n    errorLog(week: $week, customerId: $customerId) {\n      logPath\n      week\n      entries\n      url(expiresIn: $expiresIn)\n    }\n  }\n": types.GetErrorLogDocument,
    "\n  fragment ErrorFields on Error {\n    message\n    code\n    ... on ValidationError {\n      fieldErrors {\n        field\n        message\n      }\n    }\n  }\n": types.ErrorFieldsFragmentDoc,
    "\n  fragment WorkflowFields on Workflow {\n    id\n    title\n    description\n    visibilityStatus\n    model\n    options {\n      aspectRatio\n      pipelineMode\n    }\n    primaryUserId\n    customerId\n    processingStatus\n    progressPercentage\n    creditCost\n    version\n    createdAt\n    updatedAt\n    completions {\n      flow\n      status\n      attempts\n      result {\n        key\n      }\n    }\n    source {\n      key\n      url\n      contentType\n      size\n      width\n      height\n    }\n    mediaResult {\n      key\n    }\n    result\n  }\n": types.WorkflowFieldsFragmentDoc,
    "\n  mutation CreateWorkflow($input: CreateWorkflowInput!) {\n    createWorkflow(input: $input) {\n      __typename\n      ...WorkflowFields\n      ...ErrorFields\n      ... on NotFoundError {\n        resource\n        missingId: id\n      }\n      ... on InsufficientCreditError {\n        required\n        available\n      }\n    }\n  }\n": types.CreateWorkflowDocument,
    "\n  query GetWorkflow($id: ID!) {\n    workflow(id: $id) {\n      __typename\n      ...WorkflowFields\n      ...ErrorFields\n      ... on NotFoundError {\n        resource\n        missingId: id\n      }\n    }\n  }\n": types.GetWorkflowDocument,
    "\n  query ListWorkflows($first: Int, $after: String, $filter: WorkflowFilter) {\n    workflows(first: $first, after: $after, filter: $filter) {\n      edges {\n        cursor\n        node {\n          id\n          title\n          primaryUserId\n          processingStatus\n          completions {\n            flow\n          }\n        }\n      }\n      pageInfo {\n        hasNextPage\n        hasPreviousPage\n        startCursor\n        endCursor\n      }\n    }\n  }\n": types.ListWorkflowsDocument,
    "\n  mutation UpdateWorkflow($id: ID!, $input: UpdateWorkflowInput!) {\n    updateWorkflow(id: $id, input: $input) {\n      __typename\n      ... on Workflow {\n        id\n        title\n        description\n        visibilityStatus\n        primaryUserId\n        version\n      }\n      ...ErrorFields\n    }\n  }\n": types.UpdateWorkflowDocument,
    "\n  mutation DeleteWorkflow($id: ID!) {\n    deleteWorkflow(id: $id) {\n      __typename\n      ... on DeleteWorkflowPayload {\n        deletedObjects\n        workflow {\n          id\n          title\n          completions {\n            flow\n          }\n          source {\n            key\n          }\n        }\n      }\n      ...ErrorFields\n    }\n  }\n": types.DeleteWorkflowDocument,
    "\n  mutation CreateUpload($input: CreateUploadInput!) {\n    createUpload(input: $input) {\n      __typename\n      ... on Upload {\n        id\n        url\n        headers\n        expiresAt\n      }\n      ... on ValidationError {\n        message\n        fieldErrors {\n          field\n          message\n        }\n      }\n    }\n  }\n": types.CreateUploadDocument,
    "\n  query Me {\n    me {\n      id\n      name\n      credits\n    }\n  }\n": types.MeDocument,
    "\n  query Models {\n    models {\n      id\n      title\n      description\n      pipelineModes\n      aspectRatios\n      image: creditCost(pipelineMode: IMAGE)\n      video: creditCost(pipelineMode: VIDEO)\n    }\n  }\n": types.ModelsDocument,
    "\n  mutation CreateCustomer($input: CreateCustomerInput!) {\n    createCustomer(input: $input) {\n      apiKey\n      customer {\n        id\n        name\n        credits\n      }\n    }\n  }\n": types.CreateCustomerDocument,
    "\n  mutation GrantCredits($customerId: ID!, $amount: Int!) {\n    grantCredits(customerId: $customerId, amount: $amount) {\n      id\n      credits\n    }\n  }\n": types.GrantCreditsDocument,
    "\n  fragment EverythingOfAWorkflow on Workflow {\n    id\n    completions {\n      flow\n      result {\n        key\n      }\n    }\n    mediaResult {\n      key\n      url\n    }\n    source {\n      key\n    }\n  }\n": types.EverythingOfAWorkflowFragmentDoc,
    "\n  query RunState($id: ID!) {\n    workflow(id: $id) {\n      __typename\n      ... on Workflow {\n        id\n        processingStatus\n        progressPercentage\n        error\n        version\n        completions {\n          flow\n          status\n          attempts\n          error\n          startedAt\n          completedAt\n          result {\n            key\n            contentType\n            width\n            height\n            durationMs\n          }\n        }\n        mediaResult {\n          key\n          url\n          contentType\n          size\n          width\n          height\n          durationMs\n        }\n        result\n      }\n    }\n  }\n": types.RunStateDocument,
    "\n  mutation CancelWorkflow($id: ID!) {\n    cancelWorkflow(id: $id) {\n      __typename\n      ... on Workflow {\n        id\n        processingStatus\n        creditCost\n      }\n      ...ErrorFields\n    }\n  }\n": types.CancelWorkflowDocument,
    "\n  mutation RetryWorkflow($id: ID!) {\n    retryWorkflow(id: $id) {\n      __typename\n      ... on Workflow {\n        id\n        processingStatus\n      }\n      ...ErrorFields\n      ... on InsufficientCreditError {\n        required\n        available\n      }\n    }\n  }\n": types.RetryWorkflowDocument,
    "\n  query ComparedWorkflow($id: ID!) {\n    workflow(id: $id) {\n      __typename\n      ... on Workflow {\n        id\n        title\n        description\n        visibilityStatus\n        model\n        options {\n          aspectRatio\n          pipelineMode\n        }\n        primaryUserId\n        customerId\n        processingStatus\n        progressPercentage\n        completions {\n          flow\n          result {\n            url\n          }\n        }\n        result\n        mediaResult {\n          size\n          updatedAt\n        }\n        createdAt\n        updatedAt\n      }\n    }\n  }\n": types.ComparedWorkflowDocument,
    "\n  mutation CreateApiKey($customerId: ID) {\n    createApiKey(customerId: $customerId) {\n      apiKey\n      key {\n        id\n        prefix\n        createdAt\n        revokedAt\n        mintedByKeyId\n      }\n    }\n  }\n": types.CreateApiKeyDocument,
    "\n  mutation RevokeApiKey($id: ID!, $cascade: Boolean) {\n    revokeApiKey(id: $id, cascade: $cascade) {\n      __typename\n      ... on ApiKey {\n        id\n        revokedAt\n      }\n      ...ErrorFields\n    }\n  }\n": types.RevokeApiKeyDocument,
    "\n  query MyKeys {\n    me {\n      apiKeys {\n        id\n        prefix\n        revokedAt\n        mintedByKeyId\n      }\n    }\n  }\n": types.MyKeysDocument,
    "\n  query WorkflowOutputs($id: ID!) {\n    workflow(id: $id) {\n      __typename\n      ... on Workflow {\n        customerId\n        source {\n          key\n          url\n        }\n        completions {\n          flow\n          status\n          result {\n            key\n            url\n            contentType\n            size\n            width\n            height\n          }\n        }\n        mediaResult {\n          key\n          url\n          size\n        }\n        result\n      }\n    }\n  }\n": types.WorkflowOutputsDocument,
    "\n  subscription ProgressOutputs($id: ID!) {\n    workflowProgress(id: $id) {\n      processingStatus\n      workflow {\n        source {\n          key\n        }\n        completions {\n          flow\n          result {\n            key\n            url\n          }\n        }\n        mediaResult {\n          key\n          url\n        }\n      }\n    }\n  }\n": types.ProgressOutputsDocument,
    "\n  subscription WorkflowProgress($id: ID!, $sinceVersion: Int) {\n    workflowProgress(id: $id, sinceVersion: $sinceVersion) {\n      workflowId\n      processingStatus\n      progressPercentage\n      flow\n      flowStatus\n      version\n      emittedAt\n      workflow {\n        id\n        processingStatus\n        progressPercentage\n        version\n        visibilityStatus\n        completions {\n          flow\n          status\n        }\n      }\n    }\n  }\n": types.WorkflowProgressDocument,
    "\n  mutation CreateWebhookEndpoint($input: CreateWebhookEndpointInput!) {\n    createWebhookEndpoint(input: $input) {\n      __typename\n      ... on CreateWebhookEndpointPayload {\n        signingSecret\n        endpoint {\n          id\n          url\n          events\n        }\n      }\n      ...ErrorFields\n    }\n  }\n": types.CreateWebhookEndpointDocument,
    "\n  query WebhookEndpoints($first: Int, $after: String) {\n    webhookEndpoints {\n      id\n      url\n      events\n      deliveries(first: $first, after: $after) {\n        edges {\n          cursor\n          node {\n            id\n            eventId\n            eventType\n            workflowId\n            status\n            attempts\n            lastStatusCode\n            lastError\n            nextAttemptAt\n            deliveredAt\n          }\n        }\n        pageInfo {\n          hasNextPage\n          endCursor\n        }\n      }\n    }\n  }\n": types.WebhookEndpointsDocument,
    "\n  mutation DeleteWebhookEndpoint($id: ID!) {\n    deleteWebhookEndpoint(id: $id) {\n      __typename\n      ... on WebhookEndpoint {\n        id\n      }\n      ...ErrorFields\n    }\n  }\n": types.DeleteWebhookEndpointDocument,
    "\n  mutation RedeliverWebhook($deliveryId: ID!) {\n    redeliverWebhook(deliveryId: $deliveryId) {\n      __typename\n      ... on WebhookDelivery {\n        id\n        status\n        attempts\n      }\n      ...ErrorFields\n    }\n  }\n": types.RedeliverWebhookDocument,
    "\n  mutation RotateWebhookSecret($id: ID!, $expireOldAfterSeconds: Int) {\n    rotateWebhookSecret(id: $id, expireOldAfterSeconds: $expireOldAfterSeconds) {\n      __typename\n      ... on RotateWebhookSecretPayload {\n        signingSecret\n        previousSecretExpiresAt\n        endpoint {\n          id\n        }\n      }\n      ...ErrorFields\n    }\n  }\n": types.RotateWebhookSecretDocument,
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
export function graphql(source: "\n  query ModelIds {\n    models {\n      id\n    }\n  }\n"): (typeof documents)["\n  query ModelIds {\n    models {\n      id\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Introspection {\n    __schema {\n      queryType {\n        name\n      }\n      mutationType {\n        name\n      }\n    }\n  }\n"): (typeof documents)["\n  query Introspection {\n    __schema {\n      queryType {\n        name\n      }\n      mutationType {\n        name\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query ModelCatalog {\n    models {\n      id\n      title\n      description\n      pipelineModes\n      aspectRatios\n    }\n  }\n"): (typeof documents)["\n  query ModelCatalog {\n    models {\n      id\n      title\n      description\n      pipelineModes\n      aspectRatios\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query ModelCosts($mode: PipelineMode!) {\n    models {\n      id\n      creditCost(pipelineMode: $mode)\n    }\n  }\n"): (typeof documents)["\n  query ModelCosts($mode: PipelineMode!) {\n    models {\n      id\n      creditCost(pipelineMode: $mode)\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query ModelIdsForMetrics {\n    models {\n      id\n    }\n  }\n"): (typeof documents)["\n  query ModelIdsForMetrics {\n    models {\n      id\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query OneWorkflowWithEverything($id: ID!) {\n    workflow(id: $id) {\n      ...EverythingOfAWorkflow\n    }\n  }\n"): (typeof documents)["\n  query OneWorkflowWithEverything($id: ID!) {\n    workflow(id: $id) {\n      ...EverythingOfAWorkflow\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query PageWithEverything($first: Int) {\n    workflows(first: $first) {\n      edges {\n        node {\n          ...EverythingOfAWorkflow\n        }\n      }\n    }\n  }\n"): (typeof documents)["\n  query PageWithEverything($first: Int) {\n    workflows(first: $first) {\n      edges {\n        node {\n          ...EverythingOfAWorkflow\n        }\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query ClientTestModelIds {\n    models {\n      id\n    }\n  }\n"): (typeof documents)["\n  query ClientTestModelIds {\n    models {\n      id\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation LogError($input: LogErrorInput!) {\n    logError(input: $input) {\n      __typename\n      ... on LogErrorSuccess {\n        message\n        logPath\n      }\n      ...ErrorFields\n    }\n  }\n"): (typeof documents)["\n  mutation LogError($input: LogErrorInput!) {\n    logError(input: $input) {\n      __typename\n      ... on LogErrorSuccess {\n        message\n        logPath\n      }\n      ...ErrorFields\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query GetErrorLog($week: String, $customerId: ID, $expiresIn: Int) {\n    errorLog(week: $week, customerId: $customerId) {\n      logPath\n      week\n      entries\n      url(expiresIn: $expiresIn)\n    }\n  }\n"): (typeof documents)["\n  query GetErrorLog($week: String, $customerId: ID, $expiresIn: Int) {\n    errorLog(week: $week, customerId: $customerId) {\n      logPath\n      week\n      entries\n      url(expiresIn: $expiresIn)\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment ErrorFields on Error {\n    message\n    code\n    ... on ValidationError {\n      fieldErrors {\n        field\n        message\n      }\n    }\n  }\n"): (typeof documents)["\n  fragment ErrorFields on Error {\n    message\n    code\n    ... on ValidationError {\n      fieldErrors {\n        field\n        message\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment WorkflowFields on Workflow {\n    id\n    title\n    description\n    visibilityStatus\n    model\n    options {\n      aspectRatio\n      pipelineMode\n    }\n    primaryUserId\n    customerId\n    processingStatus\n    progressPercentage\n    creditCost\n    version\n    createdAt\n    updatedAt\n    completions {\n      flow\n      status\n      attempts\n      result {\n        key\n      }\n    }\n    source {\n      key\n      url\n      contentType\n      size\n      width\n      height\n    }\n    mediaResult {\n      key\n    }\n    result\n  }\n"): (typeof documents)["\n  fragment WorkflowFields on Workflow {\n    id\n    title\n    description\n    visibilityStatus\n    model\n    options {\n      aspectRatio\n      pipelineMode\n    }\n    primaryUserId\n    customerId\n    processingStatus\n    progressPercentage\n    creditCost\n    version\n    createdAt\n    updatedAt\n    completions {\n      flow\n      status\n      attempts\n      result {\n        key\n      }\n    }\n    source {\n      key\n      url\n      contentType\n      size\n      width\n      height\n    }\n    mediaResult {\n      key\n    }\n    result\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation CreateWorkflow($input: CreateWorkflowInput!) {\n    createWorkflow(input: $input) {\n      __typename\n      ...WorkflowFields\n      ...ErrorFields\n      ... on NotFoundError {\n        resource\n        missingId: id\n      }\n      ... on InsufficientCreditError {\n        required\n        available\n      }\n    }\n  }\n"): (typeof documents)["\n  mutation CreateWorkflow($input: CreateWorkflowInput!) {\n    createWorkflow(input: $input) {\n      __typename\n      ...WorkflowFields\n      ...ErrorFields\n      ... on NotFoundError {\n        resource\n        missingId: id\n      }\n      ... on InsufficientCreditError {\n        required\n        available\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query GetWorkflow($id: ID!) {\n    workflow(id: $id) {\n      __typename\n      ...WorkflowFields\n      ...ErrorFields\n      ... on NotFoundError {\n        resource\n        missingId: id\n      }\n    }\n  }\n"): (typeof documents)["\n  query GetWorkflow($id: ID!) {\n    workflow(id: $id) {\n      __typename\n      ...WorkflowFields\n      ...ErrorFields\n      ... on NotFoundError {\n        resource\n        missingId: id\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query ListWorkflows($first: Int, $after: String, $filter: WorkflowFilter) {\n    workflows(first: $first, after: $after, filter: $filter) {\n      edges {\n        cursor\n        node {\n          id\n          title\n          primaryUserId\n          processingStatus\n          completions {\n            flow\n          }\n        }\n      }\n      pageInfo {\n        hasNextPage\n        hasPreviousPage\n        startCursor\n        endCursor\n      }\n    }\n  }\n"): (typeof documents)["\n  query ListWorkflows($first: Int, $after: String, $filter: WorkflowFilter) {\n    workflows(first: $first, after: $after, filter: $filter) {\n      edges {\n        cursor\n        node {\n          id\n          title\n          primaryUserId\n          processingStatus\n          completions {\n            flow\n          }\n        }\n      }\n      pageInfo {\n        hasNextPage\n        hasPreviousPage\n        startCursor\n        endCursor\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation UpdateWorkflow($id: ID!, $input: UpdateWorkflowInput!) {\n    updateWorkflow(id: $id, input: $input) {\n      __typename\n      ... on Workflow {\n        id\n        title\n        description\n        visibilityStatus\n        primaryUserId\n        version\n      }\n      ...ErrorFields\n    }\n  }\n"): (typeof documents)["\n  mutation UpdateWorkflow($id: ID!, $input: UpdateWorkflowInput!) {\n    updateWorkflow(id: $id, input: $input) {\n      __typename\n      ... on Workflow {\n        id\n        title\n        description\n        visibilityStatus\n        primaryUserId\n        version\n      }\n      ...ErrorFields\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation DeleteWorkflow($id: ID!) {\n    deleteWorkflow(id: $id) {\n      __typename\n      ... on DeleteWorkflowPayload {\n        deletedObjects\n        workflow {\n          id\n          title\n          completions {\n            flow\n          }\n          source {\n            key\n          }\n        }\n      }\n      ...ErrorFields\n    }\n  }\n"): (typeof documents)["\n  mutation DeleteWorkflow($id: ID!) {\n    deleteWorkflow(id: $id) {\n      __typename\n      ... on DeleteWorkflowPayload {\n        deletedObjects\n        workflow {\n          id\n          title\n          completions {\n            flow\n          }\n          source {\n            key\n          }\n        }\n      }\n      ...ErrorFields\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation CreateUpload($input: CreateUploadInput!) {\n    createUpload(input: $input) {\n      __typename\n      ... on Upload {\n        id\n        url\n        headers\n        expiresAt\n      }\n      ... on ValidationError {\n        message\n        fieldErrors {\n          field\n          message\n        }\n      }\n    }\n  }\n"): (typeof documents)["\n  mutation CreateUpload($input: CreateUploadInput!) {\n    createUpload(input: $input) {\n      __typename\n      ... on Upload {\n        id\n        url\n        headers\n        expiresAt\n      }\n      ... on ValidationError {\n        message\n        fieldErrors {\n          field\n          message\n        }\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Me {\n    me {\n      id\n      name\n      credits\n    }\n  }\n"): (typeof documents)["\n  query Me {\n    me {\n      id\n      name\n      credits\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Models {\n    models {\n      id\n      title\n      description\n      pipelineModes\n      aspectRatios\n      image: creditCost(pipelineMode: IMAGE)\n      video: creditCost(pipelineMode: VIDEO)\n    }\n  }\n"): (typeof documents)["\n  query Models {\n    models {\n      id\n      title\n      description\n      pipelineModes\n      aspectRatios\n      image: creditCost(pipelineMode: IMAGE)\n      video: creditCost(pipelineMode: VIDEO)\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation CreateCustomer($input: CreateCustomerInput!) {\n    createCustomer(input: $input) {\n      apiKey\n      customer {\n        id\n        name\n        credits\n      }\n    }\n  }\n"): (typeof documents)["\n  mutation CreateCustomer($input: CreateCustomerInput!) {\n    createCustomer(input: $input) {\n      apiKey\n      customer {\n        id\n        name\n        credits\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation GrantCredits($customerId: ID!, $amount: Int!) {\n    grantCredits(customerId: $customerId, amount: $amount) {\n      id\n      credits\n    }\n  }\n"): (typeof documents)["\n  mutation GrantCredits($customerId: ID!, $amount: Int!) {\n    grantCredits(customerId: $customerId, amount: $amount) {\n      id\n      credits\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment EverythingOfAWorkflow on Workflow {\n    id\n    completions {\n      flow\n      result {\n        key\n      }\n    }\n    mediaResult {\n      key\n      url\n    }\n    source {\n      key\n    }\n  }\n"): (typeof documents)["\n  fragment EverythingOfAWorkflow on Workflow {\n    id\n    completions {\n      flow\n      result {\n        key\n      }\n    }\n    mediaResult {\n      key\n      url\n    }\n    source {\n      key\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query RunState($id: ID!) {\n    workflow(id: $id) {\n      __typename\n      ... on Workflow {\n        id\n        processingStatus\n        progressPercentage\n        error\n        version\n        completions {\n          flow\n          status\n          attempts\n          error\n          startedAt\n          completedAt\n          result {\n            key\n            contentType\n            width\n            height\n            durationMs\n          }\n        }\n        mediaResult {\n          key\n          url\n          contentType\n          size\n          width\n          height\n          durationMs\n        }\n        result\n      }\n    }\n  }\n"): (typeof documents)["\n  query RunState($id: ID!) {\n    workflow(id: $id) {\n      __typename\n      ... on Workflow {\n        id\n        processingStatus\n        progressPercentage\n        error\n        version\n        completions {\n          flow\n          status\n          attempts\n          error\n          startedAt\n          completedAt\n          result {\n            key\n            contentType\n            width\n            height\n            durationMs\n          }\n        }\n        mediaResult {\n          key\n          url\n          contentType\n          size\n          width\n          height\n          durationMs\n        }\n        result\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation CancelWorkflow($id: ID!) {\n    cancelWorkflow(id: $id) {\n      __typename\n      ... on Workflow {\n        id\n        processingStatus\n        creditCost\n      }\n      ...ErrorFields\n    }\n  }\n"): (typeof documents)["\n  mutation CancelWorkflow($id: ID!) {\n    cancelWorkflow(id: $id) {\n      __typename\n      ... on Workflow {\n        id\n        processingStatus\n        creditCost\n      }\n      ...ErrorFields\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation RetryWorkflow($id: ID!) {\n    retryWorkflow(id: $id) {\n      __typename\n      ... on Workflow {\n        id\n        processingStatus\n      }\n      ...ErrorFields\n      ... on InsufficientCreditError {\n        required\n        available\n      }\n    }\n  }\n"): (typeof documents)["\n  mutation RetryWorkflow($id: ID!) {\n    retryWorkflow(id: $id) {\n      __typename\n      ... on Workflow {\n        id\n        processingStatus\n      }\n      ...ErrorFields\n      ... on InsufficientCreditError {\n        required\n        available\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query ComparedWorkflow($id: ID!) {\n    workflow(id: $id) {\n      __typename\n      ... on Workflow {\n        id\n        title\n        description\n        visibilityStatus\n        model\n        options {\n          aspectRatio\n          pipelineMode\n        }\n        primaryUserId\n        customerId\n        processingStatus\n        progressPercentage\n        completions {\n          flow\n          result {\n            url\n          }\n        }\n        result\n        mediaResult {\n          size\n          updatedAt\n        }\n        createdAt\n        updatedAt\n      }\n    }\n  }\n"): (typeof documents)["\n  query ComparedWorkflow($id: ID!) {\n    workflow(id: $id) {\n      __typename\n      ... on Workflow {\n        id\n        title\n        description\n        visibilityStatus\n        model\n        options {\n          aspectRatio\n          pipelineMode\n        }\n        primaryUserId\n        customerId\n        processingStatus\n        progressPercentage\n        completions {\n          flow\n          result {\n            url\n          }\n        }\n        result\n        mediaResult {\n          size\n          updatedAt\n        }\n        createdAt\n        updatedAt\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation CreateApiKey($customerId: ID) {\n    createApiKey(customerId: $customerId) {\n      apiKey\n      key {\n        id\n        prefix\n        createdAt\n        revokedAt\n        mintedByKeyId\n      }\n    }\n  }\n"): (typeof documents)["\n  mutation CreateApiKey($customerId: ID) {\n    createApiKey(customerId: $customerId) {\n      apiKey\n      key {\n        id\n        prefix\n        createdAt\n        revokedAt\n        mintedByKeyId\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation RevokeApiKey($id: ID!, $cascade: Boolean) {\n    revokeApiKey(id: $id, cascade: $cascade) {\n      __typename\n      ... on ApiKey {\n        id\n        revokedAt\n      }\n      ...ErrorFields\n    }\n  }\n"): (typeof documents)["\n  mutation RevokeApiKey($id: ID!, $cascade: Boolean) {\n    revokeApiKey(id: $id, cascade: $cascade) {\n      __typename\n      ... on ApiKey {\n        id\n        revokedAt\n      }\n      ...ErrorFields\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query MyKeys {\n    me {\n      apiKeys {\n        id\n        prefix\n        revokedAt\n        mintedByKeyId\n      }\n    }\n  }\n"): (typeof documents)["\n  query MyKeys {\n    me {\n      apiKeys {\n        id\n        prefix\n        revokedAt\n        mintedByKeyId\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query WorkflowOutputs($id: ID!) {\n    workflow(id: $id) {\n      __typename\n      ... on Workflow {\n        customerId\n        source {\n          key\n          url\n        }\n        completions {\n          flow\n          status\n          result {\n            key\n            url\n            contentType\n            size\n            width\n            height\n          }\n        }\n        mediaResult {\n          key\n          url\n          size\n        }\n        result\n      }\n    }\n  }\n"): (typeof documents)["\n  query WorkflowOutputs($id: ID!) {\n    workflow(id: $id) {\n      __typename\n      ... on Workflow {\n        customerId\n        source {\n          key\n          url\n        }\n        completions {\n          flow\n          status\n          result {\n            key\n            url\n            contentType\n            size\n            width\n            height\n          }\n        }\n        mediaResult {\n          key\n          url\n          size\n        }\n        result\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription ProgressOutputs($id: ID!) {\n    workflowProgress(id: $id) {\n      processingStatus\n      workflow {\n        source {\n          key\n        }\n        completions {\n          flow\n          result {\n            key\n            url\n          }\n        }\n        mediaResult {\n          key\n          url\n        }\n      }\n    }\n  }\n"): (typeof documents)["\n  subscription ProgressOutputs($id: ID!) {\n    workflowProgress(id: $id) {\n      processingStatus\n      workflow {\n        source {\n          key\n        }\n        completions {\n          flow\n          result {\n            key\n            url\n          }\n        }\n        mediaResult {\n          key\n          url\n        }\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription WorkflowProgress($id: ID!, $sinceVersion: Int) {\n    workflowProgress(id: $id, sinceVersion: $sinceVersion) {\n      workflowId\n      processingStatus\n      progressPercentage\n      flow\n      flowStatus\n      version\n      emittedAt\n      workflow {\n        id\n        processingStatus\n        progressPercentage\n        version\n        visibilityStatus\n        completions {\n          flow\n          status\n        }\n      }\n    }\n  }\n"): (typeof documents)["\n  subscription WorkflowProgress($id: ID!, $sinceVersion: Int) {\n    workflowProgress(id: $id, sinceVersion: $sinceVersion) {\n      workflowId\n      processingStatus\n      progressPercentage\n      flow\n      flowStatus\n      version\n      emittedAt\n      workflow {\n        id\n        processingStatus\n        progressPercentage\n        version\n        visibilityStatus\n        completions {\n          flow\n          status\n        }\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation CreateWebhookEndpoint($input: CreateWebhookEndpointInput!) {\n    createWebhookEndpoint(input: $input) {\n      __typename\n      ... on CreateWebhookEndpointPayload {\n        signingSecret\n        endpoint {\n          id\n          url\n          events\n        }\n      }\n      ...ErrorFields\n    }\n  }\n"): (typeof documents)["\n  mutation CreateWebhookEndpoint($input: CreateWebhookEndpointInput!) {\n    createWebhookEndpoint(input: $input) {\n      __typename\n      ... on CreateWebhookEndpointPayload {\n        signingSecret\n        endpoint {\n          id\n          url\n          events\n        }\n      }\n      ...ErrorFields\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query WebhookEndpoints($first: Int, $after: String) {\n    webhookEndpoints {\n      id\n      url\n      events\n      deliveries(first: $first, after: $after) {\n        edges {\n          cursor\n          node {\n            id\n            eventId\n            eventType\n            workflowId\n            status\n            attempts\n            lastStatusCode\n            lastError\n            nextAttemptAt\n            deliveredAt\n          }\n        }\n        pageInfo {\n          hasNextPage\n          endCursor\n        }\n      }\n    }\n  }\n"): (typeof documents)["\n  query WebhookEndpoints($first: Int, $after: String) {\n    webhookEndpoints {\n      id\n      url\n      events\n      deliveries(first: $first, after: $after) {\n        edges {\n          cursor\n          node {\n            id\n            eventId\n            eventType\n            workflowId\n            status\n            attempts\n            lastStatusCode\n            lastError\n            nextAttemptAt\n            deliveredAt\n          }\n        }\n        pageInfo {\n          hasNextPage\n          endCursor\n        }\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation DeleteWebhookEndpoint($id: ID!) {\n    deleteWebhookEndpoint(id: $id) {\n      __typename\n      ... on WebhookEndpoint {\n        id\n      }\n      ...ErrorFields\n    }\n  }\n"): (typeof documents)["\n  mutation DeleteWebhookEndpoint($id: ID!) {\n    deleteWebhookEndpoint(id: $id) {\n      __typename\n      ... on WebhookEndpoint {\n        id\n      }\n      ...ErrorFields\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation RedeliverWebhook($deliveryId: ID!) {\n    redeliverWebhook(deliveryId: $deliveryId) {\n      __typename\n      ... on WebhookDelivery {\n        id\n        status\n        attempts\n      }\n      ...ErrorFields\n    }\n  }\n"): (typeof documents)["\n  mutation RedeliverWebhook($deliveryId: ID!) {\n    redeliverWebhook(deliveryId: $deliveryId) {\n      __typename\n      ... on WebhookDelivery {\n        id\n        status\n        attempts\n      }\n      ...ErrorFields\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation RotateWebhookSecret($id: ID!, $expireOldAfterSeconds: Int) {\n    rotateWebhookSecret(id: $id, expireOldAfterSeconds: $expireOldAfterSeconds) {\n      __typename\n      ... on RotateWebhookSecretPayload {\n        signingSecret\n        previousSecretExpiresAt\n        endpoint {\n          id\n        }\n      }\n      ...ErrorFields\n    }\n  }\n"): (typeof documents)["\n  mutation RotateWebhookSecret($id: ID!, $expireOldAfterSeconds: Int) {\n    rotateWebhookSecret(id: $id, expireOldAfterSeconds: $expireOldAfterSeconds) {\n      __typename\n      ... on RotateWebhookSecretPayload {\n        signingSecret\n        previousSecretExpiresAt\n        endpoint {\n          id\n        }\n      }\n      ...ErrorFields\n    }\n  }\n"];

export function graphql(source: string) {
  return (documents as any)[source] ?? {};
}

export type DocumentType<TDocumentNode extends DocumentNode<any, any>> = TDocumentNode extends DocumentNode<  infer TType,  any>  ? TType  : never;