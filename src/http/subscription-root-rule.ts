import {
  type ASTNode,
  Kind,
  type OperationDefinitionNode,
  type SelectionSetNode,
  type ValidationContext,
  type ValidationRule,
} from 'graphql';
import { createGraphQLError, type Plugin } from 'graphql-yoga';

const CONDITIONAL_DIRECTIVES = new Set(['skip', 'include']);

/**
 * A subscription's root field may not be skipped or included by a directive (the GraphQL spec's
 * rule). graphql 16 does not check it: its SingleFieldSubscriptionsRule collects the root fields
 * with the directives applied, so with a variable in the condition it throws out of validation
 * (graphql-ws then drops the message as an internal error), and with the field skipped the
 * executor finds no root field and throws a TypeError, a masked 500. That rule is replaced here by
 * one that refuses such a selection first, with a message that says which selection to change,
 * and checks the rest as before.
 */
export function useSubscriptionRootRule(): Plugin {
  return {
    onValidate({ params }) {
      const rules = params.rules as ValidationRule[] | undefined;
      // By name: under vitest the rules may come from another copy of graphql than this file's import.
      const index = rules?.findIndex((rule) => rule.name === 'SingleFieldSubscriptionsRule') ?? -1;
      if (index >= 0) rules!.splice(index, 1, guarded(rules![index]!));
    },
  };
}

const guardedRules = new WeakMap<ValidationRule, ValidationRule>();

function guarded(singleFieldRule: ValidationRule): ValidationRule {
  const known = guardedRules.get(singleFieldRule);
  if (known) return known;
  const rule: ValidationRule = (context) => {
    // graphql 16's rule visits operations only, and reads nothing but the node.
    const checkSingleField = (singleFieldRule(context) as { OperationDefinition?: (node: OperationDefinitionNode) => unknown })
      .OperationDefinition;
    return {
      OperationDefinition(operation) {
        if (operation.operation === 'subscription') {
          const conditional = firstConditionalSelection(context, operation.selectionSet, new Set());
          if (conditional) {
            const name = operation.name ? `Subscription "${operation.name.value}"` : 'An anonymous subscription';
            const message = `${name} must not use @skip or @include in its top-level selection: a subscription needs its one root field.`;
            context.reportError(createGraphQLError(message, { nodes: [conditional] }));
            return;
          }
        }
        checkSingleField?.(operation);
      },
    };
  };
  guardedRules.set(singleFieldRule, rule);
  return rule;
}

/** The first selection of the root level (fragments followed) that carries @skip or @include. */
function firstConditionalSelection(context: ValidationContext, selectionSet: SelectionSetNode, seen: Set<string>): ASTNode | undefined {
  for (const selection of selectionSet.selections) {
    if (selection.directives?.some((directive) => CONDITIONAL_DIRECTIVES.has(directive.name.value))) return selection;
    if (selection.kind === Kind.INLINE_FRAGMENT) {
      const inner = firstConditionalSelection(context, selection.selectionSet, seen);
      if (inner) return inner;
    } else if (selection.kind === Kind.FRAGMENT_SPREAD && !seen.has(selection.name.value)) {
      seen.add(selection.name.value);
      const fragment = context.getFragment(selection.name.value);
      const inner = fragment && firstConditionalSelection(context, fragment.selectionSet, seen);
      if (inner) return inner;
    }
  }
  return undefined;
}
