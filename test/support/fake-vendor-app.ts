import { afterAll, beforeAll, beforeEach } from 'vitest';
import { startFakeVendor, type FakeVendor } from '../fake-vendor/server.js';
import { startTestApp, type TestApp } from './app.js';

/**
 * A fake vendor and an app whose providers all point at it, for the test file (or describe
 * block): both started before its tests and closed after them; the fake's scripts and
 * recorded requests are reset before each test. Providers do not retry.
 */
export function useAppWithFakeVendor({ redis }: { redis: boolean }): { readonly fake: FakeVendor; readonly server: TestApp } {
  let fake: FakeVendor | undefined;
  let server: TestApp | undefined;
  beforeAll(async () => {
    fake = await startFakeVendor();
    server = await startTestApp({ redis, env: { ...fake.environment(), PROVIDER_MAX_RETRIES: '0' } });
  });
  afterAll(async () => {
    await server?.close();
    await fake?.close();
  });
  beforeEach(() => fake?.reset());
  return {
    get fake(): FakeVendor {
      if (!fake) throw new Error('the fake vendor is not started yet');
      return fake;
    },
    get server(): TestApp {
      if (!server) throw new Error('the app is not started yet');
      return server;
    },
  };
}
