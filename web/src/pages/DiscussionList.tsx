import { useState } from 'preact/hooks';
import { useQuery } from '@urql/preact';
import { errorText } from '../client';
import { DiscussionsQuery } from '../documents';
import { STATUS_LABELS, timeText, titleCase } from '../format';
import { onLinkClick } from '../router';

function Page({ after, last, onMore }: { after: string | undefined; last: boolean; onMore: (cursor: string) => void }) {
  const [{ data, error, fetching }] = useQuery({ query: DiscussionsQuery, variables: { after }, requestPolicy: 'cache-and-network' });
  if (error)
    return (
      <tr>
        <td colSpan={5} role="alert" class="error">
          {errorText(error)}
        </td>
      </tr>
    );
  if (!data)
    return fetching ? (
      <tr>
        <td colSpan={5} aria-busy="true">
          Loading…
        </td>
      </tr>
    ) : null;
  const { edges, pageInfo } = data.discussions;
  if (edges.length === 0 && after === undefined) {
    return (
      <tr>
        <td colSpan={5}>
          No discussions yet.{' '}
          <a href="/new" onClick={onLinkClick}>
            Create the first one
          </a>
          .
        </td>
      </tr>
    );
  }
  return (
    <>
      {edges.map(({ node }) => (
        <tr key={node.id}>
          <td>
            <a href={`/discussions/${encodeURIComponent(node.id)}`} onClick={onLinkClick}>
              {node.topic}
            </a>
          </td>
          <td>{STATUS_LABELS[node.status]}</td>
          <td>{titleCase(node.protocol)}</td>
          <td>{timeText(node.createdAt)}</td>
          <td>
            {node.messageCount} messages ·{' '}
            {node.usage.totalTokens == null ? 'usage not reported' : `${node.usage.totalTokens.toLocaleString('en')} tokens`}
          </td>
        </tr>
      ))}
      {last && pageInfo.hasNextPage && pageInfo.endCursor ? (
        <tr>
          <td colSpan={5}>
            <button type="button" onClick={() => pageInfo.endCursor && onMore(pageInfo.endCursor)}>
              Show older
            </button>
          </td>
        </tr>
      ) : null}
    </>
  );
}

export function DiscussionList() {
  const [pages, setPages] = useState<(string | undefined)[]>([undefined]);
  return (
    <section aria-labelledby="list-title">
      <div class="title-row">
        <h1 id="list-title">Discussions</h1>
        <a class="button" href="/new" onClick={onLinkClick}>
          New discussion
        </a>
      </div>
      <table class="list">
        <thead>
          <tr>
            <th scope="col">Topic</th>
            <th scope="col">Status</th>
            <th scope="col">Protocol</th>
            <th scope="col">Created</th>
            <th scope="col">Usage</th>
          </tr>
        </thead>
        <tbody>
          {pages.map((after, index) => (
            <Page
              key={after ?? 'first'}
              after={after}
              last={index === pages.length - 1}
              onMore={(cursor) => setPages([...pages, cursor])}
            />
          ))}
        </tbody>
      </table>
    </section>
  );
}
