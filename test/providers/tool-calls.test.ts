import { describe, expect, it } from 'vitest';
import { parseToolArguments, settleToolFinishReason } from '../../src/providers/tool-calls.js';

describe('parseToolArguments', () => {
  it('parses a JSON object and keeps its text as sent', () => {
    expect(parseToolArguments('{ "city": "Paris" }')).toEqual({ arguments: { city: 'Paris' }, argumentsText: '{ "city": "Paris" }' });
  });

  it('reads no text as an empty object', () => {
    expect(parseToolArguments('')).toEqual({ arguments: {}, argumentsText: '{}' });
  });

  it.each(['{"cut', '[1, 2]', 'null', '"text"', '42'])('gives {} for %j, keeping the text for the engine to report', (text) => {
    expect(parseToolArguments(text)).toEqual({ arguments: {}, argumentsText: text });
  });
});

describe('settleToolFinishReason', () => {
  it.each([
    ['tool_calls', 2, 'tool_calls'],
    ['tool_calls', 0, 'other'],
    ['stop', 1, 'tool_calls'],
    ['stop', 0, 'stop'],
    ['length', 1, 'length'],
    ['content_filter', 1, 'content_filter'],
  ] as const)('%s with %i calls -> %s', (reason, callCount, expected) => {
    expect(settleToolFinishReason(reason, callCount)).toBe(expected);
  });
});
