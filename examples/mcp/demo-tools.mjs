#!/usr/bin/env node
// A tiny MCP server over stdio, to try tools in a discussion without installing anything else:
//   MCP_SERVERS=examples/mcp-servers.json npm start
// then give an agent `tools: ["demo"]` (or `["demo/add"]`). Plain JavaScript on the MCP SDK and zod the service already uses.
import process from 'node:process';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { z } from 'zod';

const server = new McpServer({ name: 'demo-tools', version: '1.0.0' });

server.registerTool(
  'add',
  {
    description: 'Adds two numbers and gives the sum',
    inputSchema: { a: z.number().describe('The first number'), b: z.number().describe('The second number') },
    annotations: { readOnlyHint: true, idempotentHint: true },
  },
  ({ a, b }) => ({ content: [{ type: 'text', text: String(a + b) }] }),
);

server.registerTool(
  'word_count',
  {
    description: 'Counts the words (runs of non-space characters) in a text',
    inputSchema: { text: z.string().describe('The text to count the words of') },
    annotations: { readOnlyHint: true, idempotentHint: true },
  },
  ({ text }) => {
    const words = text.split(/\s+/).filter((word) => word !== '').length;
    return { content: [{ type: 'text', text: String(words) }] };
  },
);

// stdout carries the protocol; anything for a person goes to stderr (the service logs it at debug).
await server.connect(new StdioServerTransport());
process.stderr.write('demo-tools: ready on stdio\n');
