/** Errors of a machine that is not ready for the service, each saying what to do. */

/** The machine is not ready for the service (a busy port, no Redis): the message says what to do. */
export class StartupError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'StartupError';
  }
}

/** host:port of a Redis URL, without its credentials, for messages. */
function redisAddress(redisUrl: string): string {
  try {
    const url = new URL(redisUrl);
    return `${url.hostname}:${url.port || '6379'}`;
  } catch {
    return 'the REDIS_URL address';
  }
}

/** Redis did not answer at start-up: where (never the password), why, and the two ways on. */
export function redisUnreachable(redisUrl: string, reason: string, cause: unknown): StartupError {
  return new StartupError(
    `Redis at ${redisAddress(redisUrl)} does not answer (${reason}): start one (for example \`redis-server\` or \`docker compose up -d redis\`), or unset REDIS_URL to run in memory mode`,
    { cause },
  );
}

/** A listen failure a person can act on, or the error itself. */
export function listenError(error: NodeJS.ErrnoException, host: string, port: number): Error {
  if (error.code === 'EADDRINUSE')
    return new StartupError(
      `Port ${port} on ${host} is already in use (another copy of this service?): stop what listens there, or set PORT to another port (PORT=0 picks a free one)`,
      { cause: error },
    );
  if (error.code === 'EACCES')
    return new StartupError(`Not allowed to listen on port ${port} on ${host}: set PORT to a port above 1023`, { cause: error });
  if (error.code === 'EADDRNOTAVAIL' || error.code === 'ENOTFOUND')
    return new StartupError(`HOST=${host} is not an address of this machine: set HOST to 127.0.0.1 or 0.0.0.0`, { cause: error });
  return error;
}
