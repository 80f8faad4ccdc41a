import { pino, type Logger } from 'pino';
import { build as pretty } from 'pino-pretty';
import type { Config } from './config.js';
import { logContext } from './tracing/trace-context.js';

/**
 * JSON lines, or coloured lines for a person at a terminal; header values that
 * could carry secrets are redacted at the source either way. A line written
 * during a turn names its discussion, turn and trace (see logContext).
 */
export function createLogger(level: Config['logLevel'], format: Config['logFormat'] = 'json'): Logger {
  const options = {
    level,
    mixin: logContext,
    redact: {
      paths: ['req.headers.authorization', 'headers.authorization', 'apiKey', '*.apiKey', 'config.providers.*.apiKey'],
      censor: '[redacted]',
    },
  };
  const readable = format === 'pretty' || (format === 'auto' && process.stdout.isTTY);
  // Synchronous, so the last lines before an exit are not lost.
  return readable ? pino(options, pretty({ colorize: true, sync: true, ignore: 'pid,hostname' })) : pino(options);
}
