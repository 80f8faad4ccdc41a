/** What GraphiQL shows first: a discussion to create, watch and start, runnable as is. */
export const GRAPHIQL_EXAMPLE = `# 1. Run "Create" and copy the id into the variables below.
# 2. Run "Watch" (it keeps streaming), then, in a new tab, run "Start".
mutation Create {
  createDiscussion(input: {
    topic: "Should we split our monolith into services this year?"
    maxRounds: 2
    agents: [
      { name: "Ada", persona: "Architect", provider: MOCK }
      { name: "Sam", persona: "Skeptic", provider: MOCK }
      { name: "Priya", persona: "Product Manager", provider: MOCK }
    ]
  }) { id status }
}

subscription Watch($id: ID!) {
  discussionEvents(discussionId: $id, after: "0-0") {
    __typename
    ... on TokenEvent { author delta }
    ... on MessageEvent { message { author content round } }
    ... on StatusEvent { status stopReason }
  }
}

mutation Start($id: ID!) {
  startDiscussion(id: $id, initialMessage: "We have one quarter and four engineers.") { status }
}

query Transcript($id: ID!) {
  discussion(id: $id) {
    status stopReason usage { inputTokens outputTokens }
    messages(first: 20) { edges { node { author content } } pageInfo { hasNextPage endCursor } }
  }
}
`;
