// The tools a turn called, listed under its message's bubble: one line per call, the whole of a long one a click away.
import { hueOf, shortText } from '../format';
import type { ToolCall } from '../live-state';

const ARGUMENTS_SHOWN = 80;
const RESULT_SHOWN = 120;

function CallLine({ call }: { call: ToolCall }) {
  const facts = [call.step > 1 ? `step ${call.step}` : undefined, `${call.durationMs.toLocaleString('en')} ms`].filter(Boolean).join(' · ');
  return (
    <>
      <code class="tool">{call.tool}</code> <code class="arguments">{shortText(call.arguments, ARGUMENTS_SHOWN)}</code>{' '}
      <span aria-hidden="true">→</span> {call.isError ? <strong class="error">failed: </strong> : null}
      {call.result === '' ? <span class="meta">nothing</span> : <code class="result">{shortText(call.result, RESULT_SHOWN)}</code>}{' '}
      {call.reused ? (
        <span class="reused" title="Taken from an earlier attempt of this turn, not called again">
          reused
        </span>
      ) : null}{' '}
      <span class="meta">{facts}</span>
    </>
  );
}

function ToolCallEntry({ call }: { call: ToolCall }) {
  // Arguments and results are cut to one short line; a call that lost something to it opens to show everything.
  const whole =
    shortText(call.arguments, ARGUMENTS_SHOWN) === call.arguments.trim() && shortText(call.result, RESULT_SHOWN) === call.result.trim();
  return (
    <li class={`tool-call${call.isError ? ' failed' : ''}`} data-tool-call-id={call.id}>
      {whole ? (
        <CallLine call={call} />
      ) : (
        <details>
          <summary>
            <CallLine call={call} />
          </summary>
          <p class="meta">Arguments</p>
          <pre>{call.arguments}</pre>
          <p class="meta">{call.isError ? 'Error' : 'Result'}</p>
          <pre>{call.result}</pre>
        </details>
      )}
    </li>
  );
}

export function ToolCalls({ calls, author }: { calls: readonly ToolCall[]; author: string }) {
  if (calls.length === 0) return null;
  return (
    <ul class="tool-calls" aria-label="Tool calls" style={{ '--hue': hueOf(author) }}>
      {calls.map((call) => (
        <ToolCallEntry key={`${call.messageId}/${call.step}/${call.id}`} call={call} />
      ))}
    </ul>
  );
}
