// Fragments shared by every feature. Masked like every fragment of the SPA: a component reads the
// fields it selected with `readFragment`, so a document spreading `...ErrorFields` says nothing more
// about the error it may answer (see docs/spa.md, "Fragments").
import { graphql } from './graphql.ts';

/**
 * Every typed error payload (any member of a result union that implements `Error`): its message and,
 * for a ValidationError, the issue of each field. Spread it on the result union next to the success
 * type; read it with `readError`, `failureMessage` or `fieldErrors` from lib/errors.ts.
 */
export const ErrorFields = graphql(`
  fragment ErrorFields on Error {
    message
    ... on ValidationError {
      issues {
        path
        message
      }
    }
  }
`);
