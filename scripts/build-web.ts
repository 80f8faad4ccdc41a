/**
 * Builds the web view into web/dist: typed documents (graphql-codegen's client
 * preset, from schema.graphql), the Vite bundle, and a gzip and a brotli copy of
 * every text file, which the API serves to browsers that accept them.
 *
 * With `--if-stale` (run before `npm start` and `npm test`) it does nothing when
 * web/dist was built from the same sources, and nothing but a note when vite is
 * missing but a web/dist is there. (An `npm ci --omit=dev` install has no tsx to
 * run this at all: the Docker image runs `node dist/main.js` and serves the
 * web/dist built in its build stage.)
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { brotliCompress, constants, gzip } from 'node:zlib';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const WEB = join(ROOT, 'web');
const DIST = join(WEB, 'dist');
const STAMP = join(DIST, '.sources-hash');
const GENERATED = join(WEB, 'src', 'gql');
const COMPRESSIBLE = /\.(?:html|js|css|svg|json|txt)$/;

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries.filter((entry) => entry.isFile()).map((entry) => join(entry.parentPath, entry.name));
}

/** One hash over everything the bundle is made from, generated code left out (it follows from the rest). */
async function sourcesHash(): Promise<string> {
  const sources = (await filesUnder(join(WEB, 'src'))).filter((file) => !file.startsWith(GENERATED));
  const inputs = [
    ...sources,
    join(WEB, 'index.html'),
    join(WEB, 'vite.config.ts'),
    join(ROOT, 'schema.graphql'),
    join(ROOT, 'package-lock.json'),
  ];
  const hash = createHash('sha256');
  for (const file of inputs.sort())
    hash
      .update(relative(ROOT, file))
      .update('\0')
      .update(await readFile(file))
      .update('\0');
  return hash.digest('hex');
}

async function generateDocuments(): Promise<void> {
  const { generate } = await import('@graphql-codegen/cli');
  await generate(
    {
      schema: join(ROOT, 'schema.graphql'),
      documents: [join(WEB, 'src', '**', '*.{ts,tsx}'), `!${join(GENERATED, '**')}`],
      ignoreNoDocuments: false,
      silent: true,
      generates: {
        [`${GENERATED}/`]: {
          preset: 'client',
          presetConfig: { fragmentMasking: false },
          config: { useTypeImports: true, enumsAsTypes: true, scalars: { DateTime: 'string' } },
        },
      },
    },
    true,
  );
}

async function compressAll(): Promise<void> {
  const files = (await filesUnder(DIST)).filter((file) => COMPRESSIBLE.test(file));
  await Promise.all(
    files.map(async (file) => {
      const body = await readFile(file);
      const [gz, br] = await Promise.all([
        promisify(gzip)(body, { level: 9 }),
        promisify(brotliCompress)(body, {
          params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_SIZE_HINT]: body.length },
        }),
      ]);
      await Promise.all([writeFile(`${file}.gz`, gz), writeFile(`${file}.br`, br)]);
    }),
  );
}

async function main(): Promise<void> {
  const ifStale = process.argv.includes('--if-stale');
  const hash = await sourcesHash();
  if (ifStale && existsSync(STAMP) && (await readFile(STAMP, 'utf8')) === hash) return;
  let vite: typeof import('vite');
  try {
    vite = await import('vite');
  } catch {
    if (ifStale && existsSync(join(DIST, 'index.html'))) {
      console.warn('web view: the build tools are not installed; serving the web/dist that is there');
      return;
    }
    throw new Error('web view: vite is not installed; run `npm install` (with dev dependencies) to build web/');
  }
  const started = performance.now();
  await generateDocuments();
  await vite.build({ configFile: join(WEB, 'vite.config.ts'), mode: 'production' });
  await compressAll();
  await writeFile(STAMP, hash);
  console.log(`web view built into web/dist in ${Math.round(performance.now() - started)} ms`);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
