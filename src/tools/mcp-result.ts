// Pure helpers: what the model sees of an MCP tool's answer.
import type { CallToolResult, ContentBlock, Tool } from '@modelcontextprotocol/sdk/types.js';
import { cutText } from '../cut-text.js';
import type { McpToolInfo } from './types.js';

/** What `Client.callTool` resolves to: a result, or the pre-2024-11 `{ toolResult }` form some old servers send. */
export type CallToolAnswer = CallToolResult | { toolResult: unknown; [key: string]: unknown };

/** A tool as the hub keeps it: `$schema` dropped from the arguments schema, the hints read as booleans. */
export function mapTool(tool: Tool): McpToolInfo {
  const { $schema: _schema, ...inputSchema } = tool.inputSchema;
  const info: McpToolInfo = {
    name: tool.name,
    inputSchema,
    idempotent: tool.annotations?.idempotentHint === true,
    readOnly: tool.annotations?.readOnlyHint === true,
  };
  return tool.description === undefined ? info : { ...info, description: tool.description };
}

/**
 * The answer as one text: the text blocks joined with newlines, other blocks as a short placeholder,
 * or the structured content as JSON when there are no blocks.
 */
export function convertCallResult(answer: CallToolAnswer): { content: string; isError: boolean } {
  if (!isCallToolResult(answer)) return { content: JSON.stringify(answer.toolResult) ?? '', isError: false };
  const isError = answer.isError === true;
  if (answer.content.length > 0) return { content: answer.content.map(convertContentBlock).join('\n'), isError };
  if (answer.structuredContent !== undefined) return { content: JSON.stringify(answer.structuredContent), isError };
  return { content: '[the tool returned no content]', isError };
}

function isCallToolResult(answer: CallToolAnswer): answer is CallToolResult {
  return Array.isArray(answer.content);
}

/** Text as it is; binary and embedded content only named, so a model is not fed base64 it cannot use. */
export function convertContentBlock(block: ContentBlock): string {
  switch (block.type) {
    case 'text':
      return block.text;
    case 'image':
      return `[image: ${block.mimeType}, ${Buffer.byteLength(block.data, 'base64')} bytes]`;
    case 'audio':
      return `[audio: ${block.mimeType}, ${Buffer.byteLength(block.data, 'base64')} bytes]`;
    case 'resource':
      return `[resource: ${block.resource.uri}]`;
    case 'resource_link':
      return `[resource link: ${block.uri}]`;
    default: {
      const unexpected: never = block;
      return `[content of an unknown type: ${String((unexpected as { type?: unknown }).type)}]`;
    }
  }
}

/** The content cut to `maxChars` (never inside a surrogate pair), with a note saying how much was kept. */
export function cutContent(content: string, maxChars: number): { content: string; truncated: boolean } {
  const { text, truncated } = cutText(content, maxChars, 'result cut');
  return { content: text, truncated };
}
