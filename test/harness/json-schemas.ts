// The JSON Schemas of pullback's outputs (docs/schemas/*.schema.json), compiled by ajv as strict as
// the config's, and an assertion that a document printed by the CLI (or POSTed by a webhook) fits one.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';

export const SCHEMA_DIR = join(import.meta.dirname, '..', '..', 'docs', 'schemas');

/** Every schema's name (`status` for docs/schemas/status.schema.json). */
export function schemaNames(): string[] {
  return readdirSync(SCHEMA_DIR).filter((f) => f.endsWith('.schema.json')).map((f) => f.slice(0, -'.schema.json'.length)).sort();
}

let compiled: Map<string, ValidateFunction> | undefined;

/** Each schema compiled (strict mode: an unknown keyword or a typo in the schema throws). */
export function schemaValidators(): Map<string, ValidateFunction> {
  if (compiled) return compiled;
  const ajv = new Ajv2020({ allErrors: true, strict: true, allowUnionTypes: true });
  compiled = new Map(schemaNames().map((n) => [n, ajv.compile(JSON.parse(readFileSync(join(SCHEMA_DIR, `${n}.schema.json`), 'utf8')) as object)]));
  return compiled;
}

/** The problems of `doc` against the schema `name` (empty when it fits). */
export function schemaProblems(name: string, doc: unknown): string[] {
  const validate = schemaValidators().get(name);
  if (!validate) throw new Error(`no schema docs/schemas/${name}.schema.json`);
  return validate(doc) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message}${e.params ? ` ${JSON.stringify(e.params)}` : ''}`);
}
