/** Whether more items lie beyond each end of a page: the store knows one side, the request the other. */
export interface PageEnds {
  hasNextPage: boolean;
  hasPreviousPage: boolean;
}

/** A Relay connection over one page: an edge per item, and the first and last cursors of the page. */
export function mapToConnection<T>(items: readonly T[], cursorOf: (item: T) => string, { hasNextPage, hasPreviousPage }: PageEnds) {
  const edges = items.map((node) => ({ cursor: cursorOf(node), node }));
  return {
    edges,
    pageInfo: {
      hasNextPage,
      hasPreviousPage,
      startCursor: edges[0]?.cursor ?? null,
      endCursor: edges.at(-1)?.cursor ?? null,
    },
  };
}
