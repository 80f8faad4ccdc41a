// The test tools as a stdio MCP server: `node --import tsx test/mcp-servers/stdio-tools.ts` (see stdioToolsServerConfig).
// TEST_TOOLS_CALL_LOG: a file that gets one JSON line { name, arguments } per tools/call, so a test can count the calls
// made through a child it did not spawn itself. TEST_TOOLS_DYNAMIC=1: adds add_tool (see createTestToolsServer).
// stderr gets `test-tools: call <name>` and `test-tools: cancelled <name>` lines, which the hub logs at debug: a test
// can wait on them to know a call is running, or was cancelled.
import { appendFileSync } from 'node:fs';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { createTestToolsServer } from './test-tools.js';

const callLog = process.env.TEST_TOOLS_CALL_LOG;

const server = createTestToolsServer({
  onCall: (name, args) => {
    // Synchronous: the line is in the file before the call's result is sent.
    if (callLog !== undefined) appendFileSync(callLog, `${JSON.stringify({ name, arguments: args })}\n`);
    process.stderr.write(`test-tools: call ${name}\n`);
  },
  onCancelled: (name) => process.stderr.write(`test-tools: cancelled ${name}\n`),
  dynamicTools: process.env.TEST_TOOLS_DYNAMIC === '1',
});
await server.connect(new StdioServerTransport());
process.stderr.write(`test-tools: listening on stdio (pid ${process.pid})\n`);
