import { pino, type Logger } from 'pino';
import type { Config } from './config.js';

/** JSON logs; header values that could carry secrets are redacted at the source. */
export function createLogger(level: Config['logLevel']): Logger {
  return pino({
    level,
    redact: {
      paths: ['req.headers.authorization', 'headers.authorization', 'apiKey', '*.apiKey', 'config.providers.*.apiKey'],
      censor: '[redacted]',
    },
  });
}
