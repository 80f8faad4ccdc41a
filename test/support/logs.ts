import { Writable } from 'node:stream';
import { pino, type Level, type Logger } from 'pino';

/** A logger whose every line (raw JSON text) is kept, for tests that look for what was, or was not, logged. */
export function captureLogText(level: Level = 'trace'): { lines: string[]; logger: Logger; text(): string } {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(chunk.toString('utf8'));
      done();
    },
  });
  return { lines, logger: pino({ level }, stream), text: () => lines.join('') };
}
