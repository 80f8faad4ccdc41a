/**
 * The deployment files say what the code does: every environment variable the
 * service reads is documented and passed by docker-compose.yml to both roles,
 * the image runs compiled code with production dependencies only, and every
 * way of starting the service gives Node the same flags.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { z } from 'zod';
import { ENVIRONMENT_VARIABLES } from '../../src/config.js';
import { SERVICE_NODE_FLAGS } from '../../src/node-flags.js';

const read = (path: string) => readFileSync(new URL(`../../${path}`, import.meta.url), 'utf8');

/** Set by the image or by each service itself, not passed through from the host. */
const SET_BY_THE_IMAGE = ['PORT', 'HOST', 'NODE_ENV'];

const composeSchema = z.object({
  services: z.record(
    z.string(),
    z.object({ environment: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).optional() }),
  ),
});

describe('deployment files', () => {
  it('docs/operations.md documents every variable the service reads', () => {
    const docs = read('docs/operations.md');
    expect(ENVIRONMENT_VARIABLES.length).toBeGreaterThan(30);
    expect(ENVIRONMENT_VARIABLES.filter((name) => !docs.includes(`\`${name}\``))).toEqual([]);
  });

  it('docker-compose.yml passes every variable to the api and the worker, each in its own role', () => {
    const compose = composeSchema.parse(parse(read('docker-compose.yml'), { merge: true }));
    for (const [service, role] of [
      ['api', 'api'],
      ['worker', 'worker'],
    ] as const) {
      const environment = compose.services[service]?.environment ?? {};
      const missing = ENVIRONMENT_VARIABLES.filter((name) => !SET_BY_THE_IMAGE.includes(name) && !(name in environment));
      expect(missing, service).toEqual([]);
      expect(environment.ROLE).toBe(role);
      expect(environment.REDIS_URL).toBe('redis://redis:6379');
    }
  });

  it('the image builds with npm ci and runs dist/ with production dependencies, no tsx', () => {
    const dockerfile = read('Dockerfile');
    const [build, runtime] = dockerfile.split(/^FROM .* AS runtime$/m);
    expect(build).toContain('RUN npm ci');
    expect(build).toContain('npm run build:web');
    expect(runtime).toContain('npm ci --omit=dev');
    expect(runtime).toContain('COPY --from=build /app/dist ./dist');
    expect(runtime).toContain('COPY --from=build /app/web/dist ./web/dist');
    expect(runtime).toMatch(/^CMD \["node", (?:"[^"]+", )*"dist\/main\.js"\]$/m);
    expect(dockerfile).not.toContain('npm install');
    const manifest = z
      .object({ dependencies: z.record(z.string(), z.string()), devDependencies: z.record(z.string(), z.string()) })
      .parse(JSON.parse(read('package.json')));
    expect(Object.keys(manifest.dependencies)).not.toContain('tsx');
    expect(Object.keys(manifest.devDependencies)).toContain('tsx');
  });

  it('npm start, npm run dev and the image start Node with the service flags of src/node-flags.ts', () => {
    expect(SERVICE_NODE_FLAGS.length).toBeGreaterThan(0);
    const command = ['node', ...SERVICE_NODE_FLAGS, 'dist/main.js'].map((part) => JSON.stringify(part)).join(', ');
    expect(read('Dockerfile').split('\n')).toContain(`CMD [${command}]`);
    const manifest = z.object({ scripts: z.object({ start: z.string(), dev: z.string() }) }).parse(JSON.parse(read('package.json')));
    expect(manifest.scripts.start).toBe(['tsx', ...SERVICE_NODE_FLAGS, 'src/main.ts'].join(' '));
    // tsx watch hands node flags on to each process it starts.
    expect(manifest.scripts.dev).toBe(['tsx', 'watch', ...SERVICE_NODE_FLAGS, 'src/main.ts'].join(' '));
  });
});
