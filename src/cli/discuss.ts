/**
 * `npx discuss <file>`: creates a discussion from a YAML or JSON file, starts
 * it, and streams it to the terminal until it ends; the exit code says how it
 * ended. A client of the GraphQL API (HTTP for mutations, graphql-ws for the
 * stream), not a second engine.
 */
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { createOutput, wantsColour, type Progress } from './output.js';

const USAGE = `Usage: discuss <discussion.yaml|discussion.json> [options]
       discuss --watch <id> [options]

Creates the discussion the file describes (a CreateDiscussionInput, plus an
optional initialMessage), starts it and streams it until it ends.

Options:
  --url <url>       the API (default $DISCUSS_URL or http://localhost:4000/graphql)
  --token <token>   a bearer token (default $DISCUSS_TOKEN)
  --watch <id>      follow an existing discussion instead of creating one
  --no-start        create it, print its id and exit
  --json            one JSON object per line (token, message, status, result)
  -h, --help        this text

Exit codes: 0 COMPLETED, 1 an error (bad file, refused input, no server),
2 FAILED, 3 STOPPED.`;

export const EXIT_CODES: Record<string, number> = { COMPLETED: 0, FAILED: 2, STOPPED: 3 };

const HEADER = 'id status stopReason error currentRound maxRounds nextSpeaker usage { inputTokens outputTokens totalTokens }';
const CREATE = `mutation($input: CreateDiscussionInput!) { createDiscussion(input: $input) { id } }`;
const START = `mutation($id: ID!, $initialMessage: String) { startDiscussion(id: $id, initialMessage: $initialMessage) { ${HEADER} } }`;
const READ = `query($id: ID!) { discussion(id: $id) { ${HEADER} } }`;
const EVENTS = `subscription($id: ID!, $after: String) { discussionEvents(discussionId: $id, after: $after) {
  __typename
  ... on MessageEvent { cursor message { id author role content } }
  ... on TokenEvent { messageId author offset delta }
  ... on StatusEvent { cursor status }
  ... on SpeakerSelectedEvent { cursor }
} }`;

class CliError extends Error {}

const eventSchema = z.discriminatedUnion('__typename', [
  z.object({ __typename: z.literal('TokenEvent'), messageId: z.string(), author: z.string(), offset: z.number(), delta: z.string() }),
  z.object({
    __typename: z.literal('MessageEvent'),
    cursor: z.string(),
    message: z.object({ id: z.string(), author: z.string(), role: z.string(), content: z.string() }),
  }),
  z.object({ __typename: z.literal('StatusEvent'), cursor: z.string(), status: z.string() }),
  z.object({ __typename: z.literal('SpeakerSelectedEvent'), cursor: z.string() }),
]);

const headerSchema = z.object({
  id: z.string(),
  status: z.string(),
  stopReason: z.string().nullable(),
  error: z.string().nullable(),
  currentRound: z.number(),
  maxRounds: z.number(),
  nextSpeaker: z.string().nullable(),
  usage: z.object({ inputTokens: z.number().nullable(), outputTokens: z.number().nullable(), totalTokens: z.number().nullable() }),
});
type Header = z.output<typeof headerSchema> & Progress;
const createdSchema = z.object({ createDiscussion: z.object({ id: z.string() }) });
const startedSchema = z.object({ startDiscussion: headerSchema });
const readSchema = z.object({ discussion: headerSchema.nullable() });

interface Api {
  request<T>(query: string, variables: Record<string, unknown>, schema: z.ZodType<T>): Promise<T>;
  ws: Client;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function connect(url: string, token: string | undefined): Api {
  const authorization = token ? `Bearer ${token}` : undefined;
  return {
    async request<T>(query: string, variables: Record<string, unknown>, schema: z.ZodType<T>): Promise<T> {
      let response: Response;
      try {
        response = await fetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...(authorization ? { authorization } : {}) },
          body: JSON.stringify({ query, variables }),
        });
      } catch (error) {
        throw new CliError(
          `The API at ${url} does not answer (${error instanceof Error && error.cause instanceof Error ? error.cause.message : String(error)}): is it running? Set --url or DISCUSS_URL.`,
        );
      }
      const body: unknown = await response.json().catch(() => undefined);
      if (!isRecord(body)) throw new CliError(`The API at ${url} answered HTTP ${response.status} without a GraphQL response`);
      if (Array.isArray(body.errors) && body.errors.length > 0) {
        throw new CliError(body.errors.map((e: unknown) => (isRecord(e) ? String(e.message) : String(e))).join('\n'));
      }
      const data = schema.safeParse(body.data);
      if (!data.success)
        throw new CliError(`The API at ${url} answered data this CLI does not understand: is it a discussion orchestrator?`);
      return data.data;
    },
    ws: createClient({
      url: url.replace(/^http/, 'ws'),
      webSocketImpl: WebSocket,
      lazy: true,
      retryAttempts: 0,
      connectionParams: authorization ? { authorization } : undefined,
    }),
  };
}

async function readInput(file: string): Promise<{ input: Record<string, unknown>; initialMessage?: string }> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new CliError(`Cannot read ${file}: ${error instanceof Error ? error.message : String(error)}`);
  }
  let parsed: unknown;
  try {
    parsed = parseYaml(text);
  } catch (error) {
    throw new CliError(`${file} is not valid YAML or JSON: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`);
  }
  if (!isRecord(parsed))
    throw new CliError(`${file} must hold an object: a CreateDiscussionInput (topic, agents, …), plus an optional initialMessage`);
  const { initialMessage, ...input } = parsed;
  if (initialMessage !== undefined && typeof initialMessage !== 'string') throw new CliError(`${file}: initialMessage must be a string`);
  return { input, ...(initialMessage === undefined ? {} : { initialMessage }) };
}

/** graphql-ws close codes for a credential the server refused (4401) or a socket it forbids (4403). */
const REFUSED_CLOSE_CODES = new Set([4401, 4403]);
const MAX_RECONNECTS = 5;

/**
 * Streams the discussion until its events complete; reconnects after the last cursor when the socket drops
 * (up to MAX_RECONNECTS times in a row: an event in between starts the count again).
 */
async function follow(api: Api, id: string, output: ReturnType<typeof createOutput>): Promise<Header> {
  let after = '0-0';
  let failures = 0;
  // The progress reads after status events: all are written before the result.
  const progressReads: Promise<void>[] = [];
  for (;;) {
    const ended = await new Promise<'complete' | 'dropped'>((resolve, reject) => {
      api.ws.subscribe(
        { query: EVENTS, variables: { id, after } },
        {
          next: ({ data, errors }) => {
            if (errors?.length) return reject(new CliError(errors.map((e) => e.message).join('\n')));
            const parsed = eventSchema.safeParse(data?.discussionEvents);
            if (!parsed.success) return;
            failures = 0;
            const event = parsed.data;
            if (event.__typename === 'TokenEvent') return output.token(event);
            after = event.cursor;
            if (event.__typename === 'MessageEvent') output.message(event.message);
            if (event.__typename === 'StatusEvent') {
              progressReads.push(
                api.request(READ, { id }, readSchema).then(
                  ({ discussion }) => void (discussion && output.progress(discussion)),
                  () => {},
                ),
              );
            }
          },
          error: (error: unknown) => {
            if (Array.isArray(error)) return reject(new CliError(error.map((e) => String(isRecord(e) ? e.message : e)).join('\n')));
            const code: unknown = isRecord(error) ? error.code : undefined;
            if (typeof code === 'number' && REFUSED_CLOSE_CODES.has(code)) {
              return reject(new CliError('The API refused the credential: pass a valid token with --token or DISCUSS_TOKEN'));
            }
            resolve('dropped');
          },
          complete: () => resolve('complete'),
        },
      );
    });
    if (ended === 'complete') break;
    failures += 1;
    if (failures > MAX_RECONNECTS) throw new CliError('The connection to the API keeps dropping; giving up');
    output.note('connection lost: reconnecting');
    await new Promise((resolve) => setTimeout(resolve, 250 * 2 ** failures));
  }
  await Promise.all(progressReads);
  const { discussion } = await api.request(READ, { id }, readSchema);
  if (!discussion) throw new CliError(`Discussion ${id} is gone`);
  return discussion;
}

export async function main(argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      url: { type: 'string' },
      token: { type: 'string' },
      watch: { type: 'string' },
      'no-start': { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const file = positionals[0];
  if ((file === undefined) === (values.watch === undefined) || positionals.length > 1) throw new CliError(USAGE);
  const api = connect(values.url ?? env.DISCUSS_URL ?? 'http://localhost:4000/graphql', values.token ?? env.DISCUSS_TOKEN);
  const output = createOutput({
    json: values.json,
    colour: !values.json && wantsColour(process.stdout, env),
    out: process.stdout,
    err: process.stderr,
  });
  try {
    let id = values.watch;
    if (file !== undefined) {
      const { input, initialMessage } = await readInput(file);
      ({
        createDiscussion: { id },
      } = await api.request(CREATE, { input }, createdSchema));
      output.note(`created discussion ${id}`);
      if (values['no-start']) {
        output.result({ id, status: 'CREATED' });
        if (!values.json) process.stdout.write(`${id}\n`);
        return 0;
      }
      const { startDiscussion } = await api.request(START, { id, initialMessage }, startedSchema);
      output.progress(startDiscussion);
    }
    if (id === undefined) throw new CliError(USAGE);
    const final = await follow(api, id, output);
    output.result({
      id: final.id,
      status: final.status,
      stopReason: final.stopReason ?? null,
      error: final.error ?? null,
      usage: final.usage,
    });
    if (!values.json) output.progress(final);
    return EXIT_CODES[final.status] ?? 1;
  } finally {
    await api.ws.dispose();
  }
}

export function run(): void {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(`discuss: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exitCode = 1;
    },
  );
}
