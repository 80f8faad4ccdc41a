import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { ConfigError } from '../config.js';
import type { McpServerConfig } from './types.js';

// Server names become tool-name prefixes (`server__tool`, `mcp__server__tool`), so they keep to what every vendor accepts.
const SERVER_NAME = /^[A-Za-z0-9_-]{1,32}$/;

const stringRecord = z.record(z.string(), z.string());

const stdioEntrySchema = z.strictObject({
  command: z.string().trim().min(1),
  args: z.array(z.string()).default([]),
  env: stringRecord.default({}),
  cwd: z.string().trim().min(1).optional(),
});

const httpEntrySchema = z.strictObject({
  url: z.string().refine(isHttpUrl, { message: 'must be an http(s) URL' }),
  headers: stringRecord.default({}),
});

/**
 * Reads and validates the MCP_SERVERS file: `{ "<name>": { "command", "args"?, "env"?, "cwd"? } | { "url", "headers"? } }`.
 * Throws ConfigError naming the file and the field on any problem; env and header values never appear in a message.
 * Relative commands and cwds stay as written: spawn resolves them against the process's cwd.
 */
export function readMcpServersFile(path: string): Record<string, McpServerConfig> {
  const fail = (problem: string): never => {
    throw new ConfigError(`MCP_SERVERS (${path}): ${problem}`);
  };
  const text = readText(path, fail);
  const document = parseJson(text, fail);
  if (!isPlainObject(document)) return fail('the file must hold a JSON object of server name → settings');

  const servers: Record<string, McpServerConfig> = {};
  for (const [name, entry] of Object.entries(document)) {
    if (!SERVER_NAME.test(name)) fail(`${JSON.stringify(name)}: a server name must be 1 to 32 letters, digits, "_" or "-"`);
    // `__` separates the server from the tool in the names the models see; one inside a server name would be ambiguous.
    if (name.includes('__')) fail(`${JSON.stringify(name)}: a server name must not contain "__"`);
    servers[name] = readEntry(name, entry, fail);
  }
  return servers;
}

function readEntry(name: string, entry: unknown, fail: (problem: string) => never): McpServerConfig {
  if (!isPlainObject(entry)) return fail(`${name}: must be an object with "command" (stdio) or "url" (streamable HTTP)`);
  const hasCommand = 'command' in entry;
  const hasUrl = 'url' in entry;
  if (hasCommand && hasUrl) return fail(`${name}: give "command" (stdio) or "url" (streamable HTTP), not both`);
  if (!hasCommand && !hasUrl) return fail(`${name}: needs "command" (stdio) or "url" (streamable HTTP)`);

  if (hasCommand) {
    const parsed = stdioEntrySchema.safeParse(entry);
    if (!parsed.success) return fail(describeIssue(name, parsed.error, 'command, args, env, cwd'));
    const { command, args, env, cwd } = parsed.data;
    return cwd === undefined ? { transport: 'stdio', command, args, env } : { transport: 'stdio', command, args, env, cwd };
  }
  const parsed = httpEntrySchema.safeParse(entry);
  if (!parsed.success) return fail(describeIssue(name, parsed.error, 'url, headers'));
  return { transport: 'http', url: parsed.data.url, headers: parsed.data.headers };
}

/** The first issue as `name.field: problem`, in words that never quote the value that was given. */
function describeIssue(name: string, error: z.ZodError, knownFields: string): string {
  const issue = error.issues[0];
  if (issue === undefined) return `${name}: is not valid`;
  const field = [name, ...issue.path.map(String)].join('.');
  switch (issue.code) {
    case 'invalid_type':
      return `${field}: must be ${issue.expected === 'array' ? 'an array' : `a ${issue.expected}`}`;
    case 'too_small':
      return `${field}: must not be empty`;
    case 'unrecognized_keys':
      return `${issue.keys.map((key) => `${field}.${key}`).join(', ')}: unknown field (this kind of entry takes ${knownFields})`;
    case 'custom':
      return `${field}: ${issue.message}`;
    case 'too_big':
    case 'invalid_format':
    case 'not_multiple_of':
    case 'invalid_union':
    case 'invalid_key':
    case 'invalid_element':
    case 'invalid_value':
      return `${field}: is not valid`;
    default: {
      const unexpected: never = issue;
      return `${field}: is not valid (${String(unexpected)})`;
    }
  }
}

function readText(path: string, fail: (problem: string) => never): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    const code = error instanceof Error && 'code' in error && typeof error.code === 'string' ? error.code : 'unknown error';
    return fail(`cannot read the file (${code})`);
  }
}

function parseJson(text: string, fail: (problem: string) => never): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    // V8's messages may quote the text around the mistake, and that text may be a secret: give the place only.
    const position = error instanceof Error ? /at position (\d+)/.exec(error.message)?.[1] : undefined;
    return fail(`not valid JSON${position === undefined ? '' : ` (${placeOf(text, Number(position))})`}`);
  }
}

function placeOf(text: string, position: number): string {
  const before = text.slice(0, position).split('\n');
  return `line ${before.length}, column ${(before.at(-1)?.length ?? 0) + 1}`;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isHttpUrl(value: string): boolean {
  try {
    const protocol = new URL(value).protocol;
    return protocol === 'http:' || protocol === 'https:';
  } catch {
    return false;
  }
}
