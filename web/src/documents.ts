// Every operation the web view sends; graphql-codegen's client preset types them from schema.graphql (src/gql/).
import { graphql } from './gql';

export const DiscussionsQuery = graphql(`
  query Discussions($after: String) {
    discussions(first: 50, after: $after) {
      edges {
        node {
          id
          topic
          status
          protocol
          createdAt
          messageCount
          usage {
            totalTokens
          }
        }
      }
      pageInfo {
        hasNextPage
        endCursor
      }
    }
  }
`);

export const SetupQuery = graphql(`
  query Setup {
    providers {
      name
      configured
      defaultModel
    }
    personaTemplates {
      name
      description
    }
  }
`);

export const CreateDiscussionMutation = graphql(`
  mutation CreateDiscussion($input: CreateDiscussionInput!) {
    createDiscussion(input: $input) {
      id
    }
  }
`);

export const HeaderFields = graphql(`
  fragment HeaderFields on Discussion {
    id
    topic
    protocol
    status
    stopReason
    error
    currentRound
    maxRounds
    turn
    nextSpeaker
    messageCount
    createdAt
    usage {
      inputTokens
      outputTokens
      totalTokens
      costUsd
    }
  }
`);

// On the interface, so a call reads the same from a message's `toolCalls` and from a live `ToolCallEvent`.
export const ToolCallFields = graphql(`
  fragment ToolCallFields on ToolCallDetails {
    id
    messageId
    tool
    arguments
    result
    isError
    durationMs
    step
    at
    reused
  }
`);

export const DiscussionQuery = graphql(`
  query Discussion($id: ID!) {
    discussion(id: $id) {
      ...HeaderFields
      participants {
        __typename
        name
        ... on Agent {
          provider
          model
          persona
          stance
        }
        ... on Human {
          speaksInTurn
          waitSeconds
        }
      }
      inFlight {
        messageId
        author
        text
        round
        provider
        model
      }
    }
  }
`);

export const DiscussionEventsSubscription = graphql(`
  subscription DiscussionEvents($id: ID!, $after: String) {
    discussionEvents(discussionId: $id, after: $after) {
      __typename
      ... on MessageEvent {
        cursor
        message {
          id
          author
          role
          content
          round
          turn
          provider
          model
          finishReason
          createdAt
          visibleTo
          usage {
            inputTokens
            outputTokens
            totalTokens
            costUsd
          }
          toolCalls {
            ...ToolCallFields
          }
        }
      }
      ... on ToolCallEvent {
        cursor
        ...ToolCallFields
      }
      ... on TokenEvent {
        messageId
        author
        offset
        delta
      }
      ... on StatusEvent {
        cursor
        status
        stopReason
        error
      }
      ... on SpeakerSelectedEvent {
        cursor
        speaker
        reason
        candidates
        fellBack
      }
      ... on TurnRestartedEvent {
        discardedMessageId
      }
    }
  }
`);

export const ControlMutations = {
  start: graphql(`
    mutation StartDiscussion($id: ID!, $initialMessage: String) {
      startDiscussion(id: $id, initialMessage: $initialMessage) {
        ...HeaderFields
      }
    }
  `),
  pause: graphql(`
    mutation PauseDiscussion($id: ID!) {
      pauseDiscussion(id: $id) {
        ...HeaderFields
      }
    }
  `),
  resume: graphql(`
    mutation ResumeDiscussion($id: ID!) {
      resumeDiscussion(id: $id) {
        ...HeaderFields
      }
    }
  `),
  stop: graphql(`
    mutation StopDiscussion($id: ID!) {
      stopDiscussion(id: $id) {
        ...HeaderFields
      }
    }
  `),
};

export const InjectMutation = graphql(`
  mutation InjectMessage($id: ID!, $content: String!, $author: String) {
    injectMessage(discussionId: $id, content: $content, author: $author) {
      id
    }
  }
`);

export const TranscriptMarkdownQuery = graphql(`
  query TranscriptMarkdown($id: ID!) {
    discussion(id: $id) {
      id
      topic
      transcriptMarkdown
    }
  }
`);
