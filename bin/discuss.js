#!/usr/bin/env node
// `npx discuss`: runs the compiled CLI from dist/ when it was built (npm run build), else its TypeScript source through tsx.
import { existsSync } from 'node:fs';
import { URL } from 'node:url';

const compiled = new URL('../dist/cli/discuss.js', import.meta.url);
if (existsSync(compiled)) {
  const { run } = await import(compiled.href);
  run();
} else {
  const { tsImport } = await import('tsx/esm/api');
  const { run } = await tsImport('../src/cli/discuss.ts', import.meta.url);
  run();
}
