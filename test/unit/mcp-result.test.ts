import { describe, expect, it } from 'vitest';
import { convertCallResult, cutContent, mapTool } from '../../src/tools/mcp-result.js';

describe('convertCallResult', () => {
  it('joins the text blocks with newlines and names the other blocks', () => {
    const png = Buffer.alloc(1234).toString('base64');
    const wav = Buffer.alloc(10).toString('base64');
    const answer = convertCallResult({
      content: [
        { type: 'text', text: 'first' },
        { type: 'image', data: png, mimeType: 'image/png' },
        { type: 'audio', data: wav, mimeType: 'audio/wav' },
        { type: 'resource', resource: { uri: 'file:///notes.md', text: 'the notes' } },
        { type: 'resource_link', uri: 'https://a.example/doc', name: 'doc' },
        { type: 'text', text: 'last' },
      ],
    });
    expect(answer).toEqual({
      content:
        'first\n[image: image/png, 1234 bytes]\n[audio: audio/wav, 10 bytes]\n[resource: file:///notes.md]\n[resource link: https://a.example/doc]\nlast',
      isError: false,
    });
  });

  it('gives the structured content as JSON when there are no blocks, and keeps isError', () => {
    expect(convertCallResult({ content: [], structuredContent: { sum: 5 } })).toEqual({ content: '{"sum":5}', isError: false });
    expect(convertCallResult({ content: [{ type: 'text', text: 'boom' }], isError: true })).toEqual({ content: 'boom', isError: true });
    expect(convertCallResult({ content: [] })).toEqual({ content: '[the tool returned no content]', isError: false });
  });

  it('reads the old { toolResult } form', () => {
    expect(convertCallResult({ toolResult: { answer: 42 } })).toEqual({ content: '{"answer":42}', isError: false });
  });
});

describe('cutContent', () => {
  it('leaves a result within the cap alone', () => {
    expect(cutContent('12345', 5)).toEqual({ content: '12345', truncated: false });
  });

  it('cuts a longer one and says how much of it is shown', () => {
    expect(cutContent('1234567890', 4)).toEqual({ content: '1234\n[result cut: 4 of 10 characters shown]', truncated: true });
  });

  it('never splits a surrogate pair', () => {
    expect(cutContent('ab😀cd', 3)).toEqual({ content: 'ab\n[result cut: 2 of 6 characters shown]', truncated: true });
  });
});

describe('mapTool', () => {
  it('drops $schema and reads the hints as booleans', () => {
    const tool = mapTool({
      name: 'echo',
      description: 'Says it back',
      inputSchema: { type: 'object', properties: { text: { type: 'string' } }, $schema: 'http://json-schema.org/draft-07/schema#' },
      annotations: { idempotentHint: true },
    });
    expect(tool).toEqual({
      name: 'echo',
      description: 'Says it back',
      inputSchema: { type: 'object', properties: { text: { type: 'string' } } },
      idempotent: true,
      readOnly: false,
    });
    expect(mapTool({ name: 'bare', inputSchema: { type: 'object' } })).toEqual({
      name: 'bare',
      inputSchema: { type: 'object' },
      idempotent: false,
      readOnly: false,
    });
  });
});
