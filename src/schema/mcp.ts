import type { McpServerStatus, McpToolInfo } from '../tools/types.js';
import { builder } from './builder.js';

type McpToolShape = McpToolInfo & { server: string };

const McpToolType = builder.objectRef<McpToolShape>('McpTool').implement({
  fields: (t) => ({
    name: t.exposeString('name', { description: 'The MCP name, unique on its server.' }),
    spec: t.string({
      description: 'What `AgentInput.tools` takes for this tool alone: `server/tool`.',
      resolve: (tool) => `${tool.server}/${tool.name}`,
    }),
    description: t.string({ nullable: true, resolve: (tool) => tool.description ?? null }),
    inputSchema: t.string({
      description: 'The JSON Schema of its arguments, as JSON text.',
      resolve: (tool) => JSON.stringify(tool.inputSchema),
    }),
    idempotent: t.exposeBoolean('idempotent', {
      description: "The server says calling it twice does no more than once (MCP's idempotentHint).",
    }),
    readOnly: t.exposeBoolean('readOnly', { description: "The server says it changes nothing (MCP's readOnlyHint)." }),
  }),
});

const McpServerType = builder.objectRef<McpServerStatus>('McpServer').implement({
  description: 'An MCP server from the MCP_SERVERS file; this process connects to it on first use and again after it dies.',
  fields: (t) => ({
    name: t.exposeString('name', { description: 'What `AgentInput.tools` takes for all its tools.' }),
    transport: t.exposeString('transport', { description: '`stdio` (a command this server runs) or `http` (streamable HTTP).' }),
    up: t.exposeBoolean('up', { description: 'Connected now.' }),
    error: t.string({ nullable: true, description: 'Why it is down.', resolve: (server) => server.error ?? null }),
    tools: t.field({
      type: [McpToolType],
      description: 'Its tools, as last listed.',
      resolve: (server) => server.tools.map((tool) => ({ ...tool, server: server.name })),
    }),
  }),
});

builder.queryField('mcpServers', (t) =>
  t.field({
    type: [McpServerType],
    description: 'The MCP servers agents may call tools of, with their tools and whether each is up (connecting those that are not yet).',
    resolve: async (_root, _args, context) => (context.tools ? context.tools.status() : []),
  }),
);
