/* eslint-disable */
import * as types from './graphql';
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
    "\n  query Discussions($after: String) {\n    discussions(first: 50, after: $after) {\n      edges {\n        node {\n          id\n          topic\n          status\n          protocol\n          createdAt\n          messageCount\n          usage {\n            totalTokens\n          }\n        }\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n  }\n": typeof types.DiscussionsDocument,
    "\n  query Setup {\n    providers {\n      name\n      configured\n      defaultModel\n    }\n    personaTemplates {\n      name\n      description\n    }\n  }\n": typeof types.SetupDocument,
    "\n  mutation CreateDiscussion($input: CreateDiscussionInput!) {\n    createDiscussion(input: $input) {\n      id\n    }\n  }\n": typeof types.CreateDiscussionDocument,
    "\n  fragment HeaderFields on Discussion {\n    id\n    topic\n    protocol\n    status\n    stopReason\n    error\n    currentRound\n    maxRounds\n    turn\n    nextSpeaker\n    messageCount\n    createdAt\n    usage {\n      inputTokens\n      outputTokens\n      totalTokens\n      costUsd\n    }\n  }\n": typeof types.HeaderFieldsFragmentDoc,
    "\n  fragment ToolCallFields on ToolCallDetails {\n    id\n    messageId\n    tool\n    arguments\n    result\n    isError\n    durationMs\n    step\n    at\n    reused\n  }\n": typeof types.ToolCallFieldsFragmentDoc,
    "\n  query Discussion($id: ID!) {\n    discussion(id: $id) {\n      ...HeaderFields\n      participants {\n        __typename\n        name\n        ... on Agent {\n          provider\n          model\n          persona\n          stance\n        }\n        ... on Human {\n          speaksInTurn\n          waitSeconds\n        }\n      }\n      inFlight {\n        messageId\n        author\n        text\n        round\n        provider\n        model\n      }\n    }\n  }\n": typeof types.DiscussionDocument,
    "\n  subscription DiscussionEvents($id: ID!, $after: String) {\n    discussionEvents(discussionId: $id, after: $after) {\n      __typename\n      ... on MessageEvent {\n        cursor\n        message {\n          id\n          author\n          role\n          content\n          round\n          turn\n          provider\n          model\n          finishReason\n          createdAt\n          visibleTo\n          usage {\n            inputTokens\n            outputTokens\n            totalTokens\n            costUsd\n          }\n          toolCalls {\n            ...ToolCallFields\n          }\n        }\n      }\n      ... on ToolCallEvent {\n        cursor\n        ...ToolCallFields\n      }\n      ... on TokenEvent {\n        messageId\n        author\n        offset\n        delta\n      }\n      ... on StatusEvent {\n        cursor\n        status\n        stopReason\n        error\n      }\n      ... on SpeakerSelectedEvent {\n        cursor\n        speaker\n        reason\n        candidates\n        fellBack\n      }\n      ... on TurnRestartedEvent {\n        discardedMessageId\n      }\n    }\n  }\n": typeof types.DiscussionEventsDocument,
    "\n    mutation StartDiscussion($id: ID!, $initialMessage: String) {\n      startDiscussion(id: $id, initialMessage: $initialMessage) {\n        ...HeaderFields\n      }\n    }\n  ": typeof types.StartDiscussionDocument,
    "\n    mutation PauseDiscussion($id: ID!) {\n      pauseDiscussion(id: $id) {\n        ...HeaderFields\n      }\n    }\n  ": typeof types.PauseDiscussionDocument,
    "\n    mutation ResumeDiscussion($id: ID!) {\n      resumeDiscussion(id: $id) {\n        ...HeaderFields\n      }\n    }\n  ": typeof types.ResumeDiscussionDocument,
    "\n    mutation StopDiscussion($id: ID!) {\n      stopDiscussion(id: $id) {\n        ...HeaderFields\n      }\n    }\n  ": typeof types.StopDiscussionDocument,
    "\n  mutation InjectMessage($id: ID!, $content: String!, $author: String) {\n    injectMessage(discussionId: $id, content: $content, author: $author) {\n      id\n    }\n  }\n": typeof types.InjectMessageDocument,
    "\n  query TranscriptMarkdown($id: ID!) {\n    discussion(id: $id) {\n      id\n      topic\n      transcriptMarkdown\n    }\n  }\n": typeof types.TranscriptMarkdownDocument,
};
const documents: Documents = {
    "\n  query Discussions($after: String) {\n    discussions(first: 50, after: $after) {\n      edges {\n        node {\n          id\n          topic\n          status\n          protocol\n          createdAt\n          messageCount\n          usage {\n            totalTokens\n          }\n        }\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n  }\n": types.DiscussionsDocument,
    "\n  query Setup {\n    providers {\n      name\n      configured\n      defaultModel\n    }\n    personaTemplates {\n      name\n      description\n    }\n  }\n": types.SetupDocument,
    "\n  mutation CreateDiscussion($input: CreateDiscussionInput!) {\n    createDiscussion(input: $input) {\n      id\n    }\n  }\n": types.CreateDiscussionDocument,
    "\n  fragment HeaderFields on Discussion {\n    id\n    topic\n    protocol\n    status\n    stopReason\n    error\n    currentRound\n    maxRounds\n    turn\n    nextSpeaker\n    messageCount\n    createdAt\n    usage {\n      inputTokens\n      outputTokens\n      totalTokens\n      costUsd\n    }\n  }\n": types.HeaderFieldsFragmentDoc,
    "\n  fragment ToolCallFields on ToolCallDetails {\n    id\n    messageId\n    tool\n    arguments\n    result\n    isError\n    durationMs\n    step\n    at\n    reused\n  }\n": types.ToolCallFieldsFragmentDoc,
    "\n  query Discussion($id: ID!) {\n    discussion(id: $id) {\n      ...HeaderFields\n      participants {\n        __typename\n        name\n        ... on Agent {\n          provider\n          model\n          persona\n          stance\n        }\n        ... on Human {\n          speaksInTurn\n          waitSeconds\n        }\n      }\n      inFlight {\n        messageId\n        author\n        text\n        round\n        provider\n        model\n      }\n    }\n  }\n": types.DiscussionDocument,
    "\n  subscription DiscussionEvents($id: ID!, $after: String) {\n    discussionEvents(discussionId: $id, after: $after) {\n      __typename\n      ... on MessageEvent {\n        cursor\n        message {\n          id\n          author\n          role\n          content\n          round\n          turn\n          provider\n          model\n          finishReason\n          createdAt\n          visibleTo\n          usage {\n            inputTokens\n            outputTokens\n            totalTokens\n            costUsd\n          }\n          toolCalls {\n            ...ToolCallFields\n          }\n        }\n      }\n      ... on ToolCallEvent {\n        cursor\n        ...ToolCallFields\n      }\n      ... on TokenEvent {\n        messageId\n        author\n        offset\n        delta\n      }\n      ... on StatusEvent {\n        cursor\n        status\n        stopReason\n        error\n      }\n      ... on SpeakerSelectedEvent {\n        cursor\n        speaker\n        reason\n        candidates\n        fellBack\n      }\n      ... on TurnRestartedEvent {\n        discardedMessageId\n      }\n    }\n  }\n": types.DiscussionEventsDocument,
    "\n    mutation StartDiscussion($id: ID!, $initialMessage: String) {\n      startDiscussion(id: $id, initialMessage: $initialMessage) {\n        ...HeaderFields\n      }\n    }\n  ": types.StartDiscussionDocument,
    "\n    mutation PauseDiscussion($id: ID!) {\n      pauseDiscussion(id: $id) {\n        ...HeaderFields\n      }\n    }\n  ": types.PauseDiscussionDocument,
    "\n    mutation ResumeDiscussion($id: ID!) {\n      resumeDiscussion(id: $id) {\n        ...HeaderFields\n      }\n    }\n  ": types.ResumeDiscussionDocument,
    "\n    mutation StopDiscussion($id: ID!) {\n      stopDiscussion(id: $id) {\n        ...HeaderFields\n      }\n    }\n  ": types.StopDiscussionDocument,
    "\n  mutation InjectMessage($id: ID!, $content: String!, $author: String) {\n    injectMessage(discussionId: $id, content: $content, author: $author) {\n      id\n    }\n  }\n": types.InjectMessageDocument,
    "\n  query TranscriptMarkdown($id: ID!) {\n    discussion(id: $id) {\n      id\n      topic\n      transcriptMarkdown\n    }\n  }\n": types.TranscriptMarkdownDocument,
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
export function graphql(source: "\n  query Discussions($after: String) {\n    discussions(first: 50, after: $after) {\n      edges {\n        node {\n          id\n          topic\n          status\n          protocol\n          createdAt\n          messageCount\n          usage {\n            totalTokens\n          }\n        }\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n  }\n"): (typeof documents)["\n  query Discussions($after: String) {\n    discussions(first: 50, after: $after) {\n      edges {\n        node {\n          id\n          topic\n          status\n          protocol\n          createdAt\n          messageCount\n          usage {\n            totalTokens\n          }\n        }\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Setup {\n    providers {\n      name\n      configured\n      defaultModel\n    }\n    personaTemplates {\n      name\n      description\n    }\n  }\n"): (typeof documents)["\n  query Setup {\n    providers {\n      name\n      configured\n      defaultModel\n    }\n    personaTemplates {\n      name\n      description\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation CreateDiscussion($input: CreateDiscussionInput!) {\n    createDiscussion(input: $input) {\n      id\n    }\n  }\n"): (typeof documents)["\n  mutation CreateDiscussion($input: CreateDiscussionInput!) {\n    createDiscussion(input: $input) {\n      id\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment HeaderFields on Discussion {\n    id\n    topic\n    protocol\n    status\n    stopReason\n    error\n    currentRound\n    maxRounds\n    turn\n    nextSpeaker\n    messageCount\n    createdAt\n    usage {\n      inputTokens\n      outputTokens\n      totalTokens\n      costUsd\n    }\n  }\n"): (typeof documents)["\n  fragment HeaderFields on Discussion {\n    id\n    topic\n    protocol\n    status\n    stopReason\n    error\n    currentRound\n    maxRounds\n    turn\n    nextSpeaker\n    messageCount\n    createdAt\n    usage {\n      inputTokens\n      outputTokens\n      totalTokens\n      costUsd\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment ToolCallFields on ToolCallDetails {\n    id\n    messageId\n    tool\n    arguments\n    result\n    isError\n    durationMs\n    step\n    at\n    reused\n  }\n"): (typeof documents)["\n  fragment ToolCallFields on ToolCallDetails {\n    id\n    messageId\n    tool\n    arguments\n    result\n    isError\n    durationMs\n    step\n    at\n    reused\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Discussion($id: ID!) {\n    discussion(id: $id) {\n      ...HeaderFields\n      participants {\n        __typename\n        name\n        ... on Agent {\n          provider\n          model\n          persona\n          stance\n        }\n        ... on Human {\n          speaksInTurn\n          waitSeconds\n        }\n      }\n      inFlight {\n        messageId\n        author\n        text\n        round\n        provider\n        model\n      }\n    }\n  }\n"): (typeof documents)["\n  query Discussion($id: ID!) {\n    discussion(id: $id) {\n      ...HeaderFields\n      participants {\n        __typename\n        name\n        ... on Agent {\n          provider\n          model\n          persona\n          stance\n        }\n        ... on Human {\n          speaksInTurn\n          waitSeconds\n        }\n      }\n      inFlight {\n        messageId\n        author\n        text\n        round\n        provider\n        model\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription DiscussionEvents($id: ID!, $after: String) {\n    discussionEvents(discussionId: $id, after: $after) {\n      __typename\n      ... on MessageEvent {\n        cursor\n        message {\n          id\n          author\n          role\n          content\n          round\n          turn\n          provider\n          model\n          finishReason\n          createdAt\n          visibleTo\n          usage {\n            inputTokens\n            outputTokens\n            totalTokens\n            costUsd\n          }\n          toolCalls {\n            ...ToolCallFields\n          }\n        }\n      }\n      ... on ToolCallEvent {\n        cursor\n        ...ToolCallFields\n      }\n      ... on TokenEvent {\n        messageId\n        author\n        offset\n        delta\n      }\n      ... on StatusEvent {\n        cursor\n        status\n        stopReason\n        error\n      }\n      ... on SpeakerSelectedEvent {\n        cursor\n        speaker\n        reason\n        candidates\n        fellBack\n      }\n      ... on TurnRestartedEvent {\n        discardedMessageId\n      }\n    }\n  }\n"): (typeof documents)["\n  subscription DiscussionEvents($id: ID!, $after: String) {\n    discussionEvents(discussionId: $id, after: $after) {\n      __typename\n      ... on MessageEvent {\n        cursor\n        message {\n          id\n          author\n          role\n          content\n          round\n          turn\n          provider\n          model\n          finishReason\n          createdAt\n          visibleTo\n          usage {\n            inputTokens\n            outputTokens\n            totalTokens\n            costUsd\n          }\n          toolCalls {\n            ...ToolCallFields\n          }\n        }\n      }\n      ... on ToolCallEvent {\n        cursor\n        ...ToolCallFields\n      }\n      ... on TokenEvent {\n        messageId\n        author\n        offset\n        delta\n      }\n      ... on StatusEvent {\n        cursor\n        status\n        stopReason\n        error\n      }\n      ... on SpeakerSelectedEvent {\n        cursor\n        speaker\n        reason\n        candidates\n        fellBack\n      }\n      ... on TurnRestartedEvent {\n        discardedMessageId\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n    mutation StartDiscussion($id: ID!, $initialMessage: String) {\n      startDiscussion(id: $id, initialMessage: $initialMessage) {\n        ...HeaderFields\n      }\n    }\n  "): (typeof documents)["\n    mutation StartDiscussion($id: ID!, $initialMessage: String) {\n      startDiscussion(id: $id, initialMessage: $initialMessage) {\n        ...HeaderFields\n      }\n    }\n  "];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n    mutation PauseDiscussion($id: ID!) {\n      pauseDiscussion(id: $id) {\n        ...HeaderFields\n      }\n    }\n  "): (typeof documents)["\n    mutation PauseDiscussion($id: ID!) {\n      pauseDiscussion(id: $id) {\n        ...HeaderFields\n      }\n    }\n  "];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n    mutation ResumeDiscussion($id: ID!) {\n      resumeDiscussion(id: $id) {\n        ...HeaderFields\n      }\n    }\n  "): (typeof documents)["\n    mutation ResumeDiscussion($id: ID!) {\n      resumeDiscussion(id: $id) {\n        ...HeaderFields\n      }\n    }\n  "];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n    mutation StopDiscussion($id: ID!) {\n      stopDiscussion(id: $id) {\n        ...HeaderFields\n      }\n    }\n  "): (typeof documents)["\n    mutation StopDiscussion($id: ID!) {\n      stopDiscussion(id: $id) {\n        ...HeaderFields\n      }\n    }\n  "];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation InjectMessage($id: ID!, $content: String!, $author: String) {\n    injectMessage(discussionId: $id, content: $content, author: $author) {\n      id\n    }\n  }\n"): (typeof documents)["\n  mutation InjectMessage($id: ID!, $content: String!, $author: String) {\n    injectMessage(discussionId: $id, content: $content, author: $author) {\n      id\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query TranscriptMarkdown($id: ID!) {\n    discussion(id: $id) {\n      id\n      topic\n      transcriptMarkdown\n    }\n  }\n"): (typeof documents)["\n  query TranscriptMarkdown($id: ID!) {\n    discussion(id: $id) {\n      id\n      topic\n      transcriptMarkdown\n    }\n  }\n"];

export function graphql(source: string) {
  return (documents as any)[source] ?? {};
}

export type DocumentType<TDocumentNode extends DocumentNode<any, any>> = TDocumentNode extends DocumentNode<  infer TType,  any>  ? TType  : never;