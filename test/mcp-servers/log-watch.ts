// The tool hub's log lines are its only outward events (connected, closed, a child's stderr): tests wait on them.
import { Writable } from 'node:stream';
import { pino, type Logger } from 'pino';
import { z } from 'zod';

const logEntrySchema = z.looseObject({ level: z.number(), msg: z.string() });
export type LogEntry = z.infer<typeof logEntrySchema>;

export interface LogWatch {
  logger: Logger;
  entries: LogEntry[];
  /** Every line as written, to look for what must never be logged. */
  text(): string;
  /** The first entry written after this call that matches. */
  waitFor(match: (entry: LogEntry) => boolean): Promise<LogEntry>;
}

/** A debug-level logger that keeps its entries. */
export function watchLogs(): LogWatch {
  const entries: LogEntry[] = [];
  const lines: string[] = [];
  const waiters = new Set<() => void>();
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) {
        lines.push(line);
        entries.push(logEntrySchema.parse(JSON.parse(line)));
      }
      waiters.forEach((check) => check());
      done();
    },
  });
  const waitFor = (match: (entry: LogEntry) => boolean): Promise<LogEntry> =>
    new Promise((resolve) => {
      const seen = entries.length;
      const check = (): void => {
        const found = entries.slice(seen).find(match);
        if (found === undefined) return;
        waiters.delete(check);
        resolve(found);
      };
      waiters.add(check);
    });
  return { logger: pino({ level: 'debug' }, stream), entries, text: () => lines.join('\n'), waitFor };
}

/** The pid of the last stdio child the hub logged as connected for that server. */
export function connectedPid(entries: readonly LogEntry[], server: string): number | undefined {
  const pid = entries.filter((entry) => entry.msg === 'MCP server connected' && entry.server === server).at(-1)?.pid;
  return typeof pid === 'number' ? pid : undefined;
}
