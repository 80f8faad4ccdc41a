import { lexicographicSortSchema, printSchema } from 'graphql';
import { schema } from '../src/schema/index.js';

/** The committed schema.graphql: the Pothos schema, sorted so diffs stay small. */
export const printSchemaFile = (): string =>
  `# Printed from the Pothos schema by \`npm run schema:print\`. Do not edit by hand.\n\n${printSchema(lexicographicSortSchema(schema))}\n`;
