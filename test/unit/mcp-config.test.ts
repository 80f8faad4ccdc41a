import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/config.js';
import { readMcpServersFile } from '../../src/tools/mcp-config.js';

const SECRET = 'sk-very-secret-value-42';
const directory = mkdtempSync(join(tmpdir(), 'mcp-config-'));
let files = 0;

/** Writes the text (or the JSON of the value) to a fresh file and gives its path. */
function fileWith(content: unknown): string {
  files += 1;
  const path = join(directory, `servers-${files}.json`);
  writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
  return path;
}

/** The ConfigError the file gets, with the prefix that names the file checked and taken off. */
function problemWith(content: unknown): string {
  const path = fileWith(content);
  try {
    readMcpServersFile(path);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    const message = error instanceof Error ? error.message : String(error);
    expect(message.startsWith(`MCP_SERVERS (${path}): `)).toBe(true);
    expect(message).not.toContain(SECRET);
    return message.slice(`MCP_SERVERS (${path}): `.length);
  }
  throw new Error('the file was accepted');
}

describe('readMcpServersFile', () => {
  it('reads stdio and HTTP servers, with defaults for what was left out and relative paths kept as written', () => {
    const path = fileWith({
      search: { url: 'https://search.example/mcp', headers: { authorization: `Bearer ${SECRET}` } },
      files: { command: 'node', args: ['servers/files.mjs', '--root', '.'], env: { FILES_TOKEN: SECRET }, cwd: 'work' },
      'bare_one-2': { command: './bin/tool' },
      local: { url: 'http://127.0.0.1:8080/mcp' },
    });
    expect(readMcpServersFile(path)).toEqual({
      search: { transport: 'http', url: 'https://search.example/mcp', headers: { authorization: `Bearer ${SECRET}` } },
      files: { transport: 'stdio', command: 'node', args: ['servers/files.mjs', '--root', '.'], env: { FILES_TOKEN: SECRET }, cwd: 'work' },
      'bare_one-2': { transport: 'stdio', command: './bin/tool', args: [], env: {} },
      local: { transport: 'http', url: 'http://127.0.0.1:8080/mcp', headers: {} },
    });
    expect(Object.keys(readMcpServersFile(path))).toEqual(['search', 'files', 'bare_one-2', 'local']);
  });

  it('accepts a file with no servers', () => {
    expect(readMcpServersFile(fileWith({}))).toEqual({});
  });

  it('names the file when it cannot be read, without the error text', () => {
    const missing = join(directory, 'missing.json');
    expect(() => readMcpServersFile(missing)).toThrow(ConfigError);
    expect(() => readMcpServersFile(missing)).toThrow(`MCP_SERVERS (${missing}): cannot read the file (ENOENT)`);
    expect(() => readMcpServersFile(directory)).toThrow(`MCP_SERVERS (${directory}): cannot read the file (EISDIR)`);
  });

  it('says where the JSON is broken without quoting the text around it', () => {
    expect(problemWith(`{\n  "search": { "url": "https://a.example", "headers": { "x": "${SECRET}" x } }\n}`)).toMatch(
      /^not valid JSON \(line 2, column \d+\)$/,
    );
    expect(problemWith(`{ "a": ${SECRET} }`)).toMatch(/^not valid JSON/);
  });

  it.each([
    ['an array', [{ command: 'node' }]],
    ['a string', '"servers"'],
    ['null', 'null'],
  ])('refuses %s at the top level', (_what, content) => {
    expect(problemWith(content)).toBe('the file must hold a JSON object of server name → settings');
  });

  it.each([
    ['', 'a server name must be 1 to 32 letters, digits, "_" or "-"'],
    ['has space', 'a server name must be 1 to 32 letters, digits, "_" or "-"'],
    ['dotted.name', 'a server name must be 1 to 32 letters, digits, "_" or "-"'],
    ['x'.repeat(33), 'a server name must be 1 to 32 letters, digits, "_" or "-"'],
    ['two__parts', 'a server name must not contain "__"'],
  ])('refuses the server name %j', (name, problem) => {
    expect(problemWith({ [name]: { command: 'node' } })).toBe(`${JSON.stringify(name)}: ${problem}`);
  });

  it.each([
    [
      'both command and url',
      { command: 'node', url: 'https://a.example' },
      'search: give "command" (stdio) or "url" (streamable HTTP), not both',
    ],
    ['neither command nor url', { args: ['x'] }, 'search: needs "command" (stdio) or "url" (streamable HTTP)'],
    ['an entry that is not an object', 'node server.js', 'search: must be an object with "command" (stdio) or "url" (streamable HTTP)'],
    ['an entry that is an array', ['node'], 'search: must be an object with "command" (stdio) or "url" (streamable HTTP)'],
    ['a URL that is not http(s)', { url: 'ftp://a.example/mcp' }, 'search.url: must be an http(s) URL'],
    ['a URL that is not a URL', { url: 'not a url' }, 'search.url: must be an http(s) URL'],
    ['a URL that is a number', { url: 8080 }, 'search.url: must be a string'],
    ['an empty command', { command: '  ' }, 'search.command: must not be empty'],
    ['a command that is not a string', { command: ['node'] }, 'search.command: must be a string'],
    ['args that are not an array', { command: 'node', args: 'server.js' }, 'search.args: must be an array'],
    ['an arg that is not a string', { command: 'node', args: ['a', 2] }, 'search.args.1: must be a string'],
    ['an empty cwd', { command: 'node', cwd: '' }, 'search.cwd: must not be empty'],
    ['env that is not an object', { command: 'node', env: ['A=1'] }, 'search.env: must be a record'],
    [
      'headers on a stdio entry',
      { command: 'node', headers: {} },
      'search.headers: unknown field (this kind of entry takes command, args, env, cwd)',
    ],
    ['args on an HTTP entry', { url: 'https://a.example', args: [] }, 'search.args: unknown field (this kind of entry takes url, headers)'],
  ])('refuses %s, naming the field', (_what, entry, problem) => {
    expect(problemWith({ search: entry })).toBe(problem);
  });

  it('names env and header fields whose values are not strings, never quoting a value', () => {
    expect(problemWith({ search: { command: 'node', env: { API_KEY: 42, OTHER: SECRET } } })).toBe('search.env.API_KEY: must be a string');
    expect(problemWith({ search: { url: 'https://a.example', headers: { authorization: { token: SECRET } } } })).toBe(
      'search.headers.authorization: must be a string',
    );
    // A bad URL carrying a credential is refused without repeating it.
    expect(problemWith({ search: { url: `ftp://user:${SECRET}@a.example/` } })).toBe('search.url: must be an http(s) URL');
  });
});
