/**
 * The server's end of one loopback TCP connection, watched from outside the
 * server through /proc/net/tcp (Linux): a paused client cannot see the server
 * close its socket (the FIN waits behind the unread data), but the server's
 * end leaves ESTABLISHED the moment the server closes it.
 */
import { readFile } from 'node:fs/promises';

const STATES: Record<string, string> = {
  '01': 'ESTABLISHED',
  '04': 'FIN_WAIT1',
  '05': 'FIN_WAIT2',
  '06': 'TIME_WAIT',
  '07': 'CLOSE',
  '08': 'CLOSE_WAIT',
  '09': 'LAST_ACK',
  '0B': 'CLOSING',
};

/** The state of the connection from `localPort` to `remotePort`; 'gone' when it is not listed, undefined where /proc cannot be read. */
export async function readTcpState(localPort: number, remotePort: number): Promise<string | undefined> {
  let table: string;
  try {
    table = (await Promise.all(['/proc/net/tcp', '/proc/net/tcp6'].map((path) => readFile(path, 'utf8').catch(() => '')))).join('\n');
  } catch {
    return undefined;
  }
  if (table.trim() === '') return undefined;
  const port = (address: string | undefined) => Number.parseInt(address?.split(':').at(-1) ?? '', 16);
  for (const line of table.split('\n')) {
    const [, local, remote, state] = line.trim().split(/\s+/);
    if (port(local) === localPort && port(remote) === remotePort) return STATES[state ?? ''] ?? `state ${state}`;
  }
  return 'gone';
}

export interface ServerSideWatch {
  /** When the server's end first left ESTABLISHED (ms after the watch began), and into which state; undefined while it has not. */
  stop(): { closedAfterMs?: number; state?: string };
}

/** Polls the server's end of the connection every `intervalMs`. */
export function watchServerSide(serverPort: number, clientPort: number, intervalMs = 250): ServerSideWatch {
  const startedAt = performance.now();
  let closed: { closedAfterMs?: number; state?: string } = {};
  let reading = false;
  const timer = setInterval(() => {
    if (reading || closed.closedAfterMs !== undefined) return;
    reading = true;
    void readTcpState(serverPort, clientPort).then((state) => {
      reading = false;
      if (state === undefined) closed = { state: 'unknown (no /proc/net/tcp)' };
      else if (state !== 'ESTABLISHED') closed = { closedAfterMs: performance.now() - startedAt, state };
    });
  }, intervalMs);
  return {
    stop() {
      clearInterval(timer);
      return closed;
    },
  };
}
