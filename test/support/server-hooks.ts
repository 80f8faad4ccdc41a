import type { Client } from 'graphql-ws';
import { afterAll, beforeAll } from 'vitest';
import { startTestApp, type TestApp } from './app.js';
import { createWsClient } from './clients.js';

/**
 * Starts one app and one graphql-ws client for the enclosing describe block and
 * closes both after it. Read `server` and `ws` inside tests, not at collection time.
 */
export function useTestServer(options: Parameters<typeof startTestApp>[0]): { readonly server: TestApp; readonly ws: Client } {
  let server: TestApp | undefined;
  let ws: Client | undefined;
  beforeAll(async () => {
    server = await startTestApp(options);
    ws = createWsClient(server.url);
  });
  afterAll(async () => {
    await ws?.dispose();
    await server?.close();
  });
  return {
    get server() {
      if (!server) throw new Error('the test server is not started yet');
      return server;
    },
    get ws() {
      if (!ws) throw new Error('the test server is not started yet');
      return ws;
    },
  };
}
