import { once } from 'node:events';
import { createServer } from 'node:http';
import { gunzipSync } from 'node:zlib';
import { z } from 'zod';
import { Collector } from './collector.js';

/** One span as an OTLP/HTTP exporter sent it, its attributes decoded. */
export interface ReceivedSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  attributes: Record<string, unknown>;
  events: string[];
  statusCode?: number;
  /** The attributes of the process that sent it (service.name, service.role, process.pid). */
  resource: Record<string, unknown>;
}

const anyValue: z.ZodType<unknown> = z.lazy(() =>
  z
    .object({
      stringValue: z.string().optional(),
      intValue: z.union([z.number(), z.string()]).optional(),
      doubleValue: z.number().optional(),
      boolValue: z.boolean().optional(),
      arrayValue: z.object({ values: z.array(anyValue).optional() }).optional(),
    })
    .transform(
      (value) =>
        value.stringValue ??
        (value.intValue === undefined ? undefined : Number(value.intValue)) ??
        value.doubleValue ??
        value.boolValue ??
        value.arrayValue?.values ??
        null,
    ),
);

const attributes = z
  .array(z.object({ key: z.string(), value: anyValue }))
  .optional()
  .transform((list = []) => Object.fromEntries(list.map(({ key, value }) => [key, value])));

const exportRequest = z.object({
  resourceSpans: z.array(
    z.object({
      resource: z.object({ attributes }).optional(),
      scopeSpans: z.array(
        z.object({
          spans: z.array(
            z.object({
              traceId: z.string(),
              spanId: z.string(),
              parentSpanId: z.string().optional(),
              name: z.string(),
              attributes,
              events: z.array(z.object({ name: z.string() })).optional(),
              status: z.object({ code: z.number().optional() }).optional(),
            }),
          ),
        }),
      ),
    }),
  ),
});

/**
 * A local OTLP/HTTP trace receiver (JSON encoding, as exporter-trace-otlp-http
 * sends it): every span any process exports lands in `spans`.
 */
export async function startOtlpReceiver(): Promise<{ endpoint: string; spans: Collector<ReceivedSpan>; close(): Promise<void> }> {
  const spans = new Collector<ReceivedSpan>();
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      if (request.method !== 'POST' || request.url !== '/v1/traces') {
        response.writeHead(404).end();
        return;
      }
      const raw = Buffer.concat(chunks);
      const body = request.headers['content-encoding'] === 'gzip' ? gunzipSync(raw) : raw;
      const parsed = exportRequest.safeParse(JSON.parse(body.toString('utf8')));
      if (!parsed.success) {
        spans.fail(new Error(`not an OTLP JSON export: ${parsed.error.message}`));
        response.writeHead(400).end();
        return;
      }
      for (const { resource, scopeSpans } of parsed.data.resourceSpans) {
        for (const span of scopeSpans.flatMap((scope) => scope.spans)) {
          spans.push({
            traceId: span.traceId,
            spanId: span.spanId,
            parentSpanId: span.parentSpanId === '' ? undefined : span.parentSpanId,
            name: span.name,
            attributes: span.attributes,
            events: (span.events ?? []).map((event) => event.name),
            statusCode: span.status?.code,
            resource: resource?.attributes ?? {},
          });
        }
      }
      response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  if (typeof address !== 'object' || address === null) throw new Error('the OTLP receiver is not listening on a TCP port');
  const { port } = address;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    spans,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
