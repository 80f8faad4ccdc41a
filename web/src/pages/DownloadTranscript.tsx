import { useState } from 'preact/hooks';
import { useClient } from '@urql/preact';
import { errorText } from '../client';
import { TranscriptMarkdownQuery } from '../documents';

/** A file name from the topic: letters, digits and dashes, at most 60 characters. */
function fileNameOf(topic: string): string {
  const slug = topic
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '')
    .slice(0, 60);
  return `${slug || 'discussion'}.md`;
}

/** Reads `transcriptMarkdown` when asked (not with every event) and saves it as a .md file. */
export function DownloadTranscript({ id }: { id: string }) {
  const client = useClient();
  const [busy, setBusy] = useState(false);
  const [failure, setFailure] = useState<string>();
  const download = async () => {
    setBusy(true);
    setFailure(undefined);
    const result = await client.query(TranscriptMarkdownQuery, { id }, { requestPolicy: 'network-only' }).toPromise();
    setBusy(false);
    const discussion = result.data?.discussion;
    if (result.error || !discussion) return setFailure(result.error ? errorText(result.error) : 'The discussion is gone.');
    const url = URL.createObjectURL(new Blob([discussion.transcriptMarkdown], { type: 'text/markdown' }));
    const link = document.createElement('a');
    link.href = url;
    link.download = fileNameOf(discussion.topic);
    link.click();
    setTimeout(() => URL.revokeObjectURL(url), 0);
  };
  return (
    <>
      <button type="button" class="quiet" disabled={busy} onClick={() => void download()}>
        Download as Markdown
      </button>
      {failure ? (
        <span role="alert" class="error">
          {failure}
        </span>
      ) : null}
    </>
  );
}
