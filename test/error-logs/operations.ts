import { graphql } from '../gql/index.ts';

export const LogError = graphql(`
  mutation LogError($input: LogErrorInput!) {
    logError(input: $input) {
      __typename
      ... on LogErrorSuccess {
        message
        logPath
      }
      ...ErrorFields
    }
  }
`);

export const GetErrorLog = graphql(`
  query GetErrorLog($week: String, $customerId: ID, $expiresIn: Int) {
    errorLog(week: $week, customerId: $customerId) {
      logPath
      week
      entries
      url(expiresIn: $expiresIn)
    }
  }
`);
