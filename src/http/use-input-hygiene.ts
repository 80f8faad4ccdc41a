import { Kind, visit, type DocumentNode } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { badInput } from '../engine/errors.js';
import { toGraphQLError } from '../schema/errors.js';

// A high surrogate not followed by a low one, or a low one not preceded by a high one.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Paths name the client's own keys: cut them so an error never repeats much of the input. */
const MAX_PATH = 100;

function problemOf(text: string): string | undefined {
  if (text.includes('\u0000')) return 'contains a NUL character';
  if (LONE_SURROGATE.test(text)) return 'contains a lone surrogate (not valid Unicode)';
  return undefined;
}

/** The first bad string among the variables, with its path; iterative, so deep nesting cannot overflow the stack. */
export function findBadVariable(variables: unknown): { path: string; problem: string } | undefined {
  const pending: { value: unknown; path: string }[] = [{ value: variables, path: 'variables' }];
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    const { value, path } = next;
    if (typeof value === 'string') {
      const problem = problemOf(value);
      if (problem) return { path: path.length > MAX_PATH ? `${path.slice(0, MAX_PATH)}…` : path, problem };
    } else if (Array.isArray(value)) {
      value.forEach((item: unknown, index) => pending.push({ value: item, path: `${path}[${index}]` }));
    } else if (typeof value === 'object' && value !== null) {
      for (const [key, item] of Object.entries(value)) {
        const keyProblem = problemOf(key);
        if (keyProblem) return { path, problem: `has a key that ${keyProblem}` };
        pending.push({ value: item, path: `${path}.${key}` });
      }
    }
  }
  return undefined;
}

function findBadLiteral(document: DocumentNode): string | undefined {
  let problem: string | undefined;
  visit(document, {
    [Kind.STRING]: (node) => {
      problem ??= problemOf(node.value);
    },
  });
  return problem;
}

// envelop types the document `any`: it is the parsed document, checked before it is walked.
const isDocumentNode = (value: unknown): value is DocumentNode =>
  typeof value === 'object' && value !== null && 'kind' in value && value.kind === Kind.DOCUMENT;

function checkArguments(document: unknown, variables: unknown) {
  if (!isDocumentNode(document)) throw new TypeError('the operation has no parsed document');
  const literal = findBadLiteral(document);
  if (literal) return toGraphQLError(badInput('query', `a string in the query ${literal}`));
  const variable = findBadVariable(variables);
  if (variable) return toGraphQLError(badInput(variable.path, variable.problem));
  return undefined;
}

/** Refuses NUL characters and lone surrogates in any string a client sends, in the query or its variables. */
export function useInputHygiene(): Plugin {
  return {
    onExecute({ args, setResultAndStopExecution }) {
      const error = checkArguments(args.document, args.variableValues);
      if (error) setResultAndStopExecution({ errors: [error] });
    },
    onSubscribe({ args, setResultAndStopExecution }) {
      const error = checkArguments(args.document, args.variableValues);
      if (error) setResultAndStopExecution({ errors: [error] });
    },
  };
}
