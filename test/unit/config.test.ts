import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, turnLockTiming } from '../../src/config.js';

describe('loadConfig', () => {
  it('runs in memory mode with the MOCK provider when nothing is set', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({ port: 4000, host: '127.0.0.1', role: 'all', redisUrl: undefined, logLevel: 'info' });
    expect(config.providers.mock.tokenDelayMs).toBe(30);
    expect(config.providers.anthropic.apiKey).toBeUndefined();
  });

  it('reads every provider setting, with the agent SDK on the Anthropic key and base URL', () => {
    const config = loadConfig({
      ANTHROPIC_API_KEY: 'a-key',
      ANTHROPIC_BASE_URL: 'http://127.0.0.1:9999',
      OPENAI_MODEL: 'gpt-test',
      OPENAI_COMPATIBLE_BASE_URL: 'http://127.0.0.1:11434/v1',
      CORS_ORIGINS: 'https://a.example, https://b.example',
      REDIS_URL: 'redis://127.0.0.1:6379',
      ROLE: 'worker',
    });
    expect(config.providers.claudeAgent).toMatchObject({ apiKey: 'a-key', baseUrl: 'http://127.0.0.1:9999' });
    expect(config.providers.openai.model).toBe('gpt-test');
    expect(config.providers.openaiCompatible.baseUrl).toBe('http://127.0.0.1:11434/v1');
    expect(config.corsOrigins).toEqual(['https://a.example', 'https://b.example']);
    expect(config.role).toBe('worker');
  });

  it.each([
    ['PORT', 'eighty'],
    ['PORT', '70000'],
    ['REDIS_URL', 'http://not-redis'],
    ['ROLE', 'boss'],
    ['LOG_LEVEL', 'loud'],
    ['OPENAI_BASE_URL', 'not a url'],
    ['MOCK_TOKEN_DELAY_MS', '-1'],
    ['TURN_LOCK_MS', '999'],
    ['TURN_LOCK_MS', '2.5s'],
    ['STOP_CANCEL_TIMEOUT_MS', '99'],
  ])('refuses %s=%s and names the variable', (name, value) => {
    expect(() => loadConfig({ [name]: value })).toThrow(ConfigError);
    expect(() => loadConfig({ [name]: value })).toThrow(new RegExp(`^Invalid environment: ${name}:`));
  });

  it('treats an empty variable as unset', () => {
    const config = loadConfig({ PORT: '', HOST: ' ', MOCK_TOKEN_DELAY_MS: '', OPENAI_MODEL: '', REDIS_URL: '' });
    expect(config).toMatchObject({ port: 4000, host: '127.0.0.1', redisUrl: undefined });
    expect(config.providers.mock.tokenDelayMs).toBe(30);
    expect(config.providers.openai.model).toBe('gpt-4.1-mini');
  });

  it('claims a running turn for TURN_LOCK_MS (2 s), renewed ten times as often and at least every 500 ms, with stall checks every 500 ms', () => {
    // A worker keeps its turn through a stall of up to lockDurationMs - lockRenewMs; a dead worker's turn is taken over within about lockDurationMs + stallCheckMs.
    expect(loadConfig({}).worker).toEqual({ concurrency: 50, lockDurationMs: 2_000, lockRenewMs: 200, stallCheckMs: 500 });
    expect(loadConfig({ TURN_LOCK_MS: '1000' }).worker).toMatchObject({ lockDurationMs: 1_000, lockRenewMs: 100, stallCheckMs: 500 });
    expect(loadConfig({ TURN_LOCK_MS: '60000' }).worker).toMatchObject({ lockDurationMs: 60_000, lockRenewMs: 500, stallCheckMs: 500 });
    expect(turnLockTiming(600_000)).toEqual({ lockDurationMs: 600_000, lockRenewMs: 500, stallCheckMs: 500 });
  });

  it('waits STOP_CANCEL_TIMEOUT_MS (5 s) for the process running a turn to cancel it', () => {
    expect(loadConfig({}).stopCancelTimeoutMs).toBe(5_000);
    expect(loadConfig({ STOP_CANCEL_TIMEOUT_MS: '30000' }).stopCancelTimeoutMs).toBe(30_000);
  });

  it('refuses a split role without Redis', () => {
    expect(() => loadConfig({ ROLE: 'worker' })).toThrow(/^Invalid environment: ROLE: "worker" needs REDIS_URL/);
  });

  it('never puts a key in its error message', () => {
    try {
      loadConfig({ ANTHROPIC_API_KEY: 'sk-secret-value', PORT: 'x' });
      expect.unreachable();
    } catch (error) {
      expect(String(error)).not.toContain('sk-secret-value');
    }
  });

  it('keeps a finished discussion RETENTION_DAYS, fractions allowed, and never less than 1 ms', () => {
    expect(loadConfig({}).retentionMs).toBeUndefined();
    expect(loadConfig({ RETENTION_DAYS: '0.5' }).retentionMs).toBe(43_200_000);
    // So small it would round to 0, which would expire a record inside the script that ends it.
    expect(loadConfig({ RETENTION_DAYS: '1e-12' }).retentionMs).toBe(1);
    expect(() => loadConfig({ RETENTION_DAYS: '0' })).toThrow(/RETENTION_DAYS/);
  });

  it('reads PROVIDER_CONCURRENCY as a cap per provider, any case, and names the bad entry', () => {
    expect(loadConfig({}).providerConcurrency).toEqual({});
    expect(loadConfig({ PROVIDER_CONCURRENCY: 'ANTHROPIC=8, openai = 16' }).providerConcurrency).toEqual({ ANTHROPIC: 8, OPENAI: 16 });
    for (const bad of ['ANTHROPIC', 'OPENAI=0', 'REPLAY=2', 'VENDOR=3', 'GEMINI=2=3', 'MOCK=-1']) {
      expect(() => loadConfig({ PROVIDER_CONCURRENCY: `MOCK=1,${bad}` })).toThrow(
        /^Invalid environment: PROVIDER_CONCURRENCY: entry 2: use PROVIDER=count/,
      );
    }
  });

  it('records provider calls only when RECORD_PROVIDER_CALLS says so', () => {
    expect(loadConfig({}).recordProviderCalls).toBe(false);
    expect(loadConfig({ RECORD_PROVIDER_CALLS: 'true' }).recordProviderCalls).toBe(true);
    expect(() => loadConfig({ RECORD_PROVIDER_CALLS: 'maybe' })).toThrow(/RECORD_PROVIDER_CALLS/);
  });
});
