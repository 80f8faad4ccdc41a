import { UnknownToolError, type ToolHub } from '../tools/types.js';
import { badInput } from './errors.js';
import type { ValidCreateDiscussionInput } from './validation.js';

/**
 * Every agent's `tools` names a configured MCP server, or a tool its server lists:
 * BAD_USER_INPUT naming the first that does not (`input.agents[0].tools[1]`). A whole
 * server is checked against the file alone, so a server that is down for a moment does
 * not refuse the discussion; a single tool needs its server's list.
 */
export async function checkAgentTools(input: ValidCreateDiscussionInput, hub: ToolHub | undefined): Promise<void> {
  for (const [agentIndex, agent] of input.agents.entries()) {
    for (const [toolIndex, spec] of (agent.tools ?? []).entries()) {
      const field = `input.agents[${agentIndex}].tools[${toolIndex}]`;
      if (!hub || hub.serverNames().length === 0) throw badInput(field, 'no MCP servers are configured on this server (MCP_SERVERS)');
      if (!spec.includes('/') && hub.serverNames().includes(spec)) continue;
      try {
        await hub.resolve([spec]);
      } catch (error) {
        if (error instanceof UnknownToolError) throw badInput(field, error.message);
        throw error;
      }
    }
  }
}
