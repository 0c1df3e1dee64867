// The configuration schema: one JSON schema per kind of file, compiled once with ajv.
import { Ajv, type ValidateFunction } from 'ajv';
import { globalSchema } from './schema-global.js';
import { hostSchema } from './schema-host.js';
import type { SchemaNode } from './schema-node.js';

export type { SchemaNode } from './schema-node.js';
export { globalSchema } from './schema-global.js';
export { hostSchema } from './schema-host.js';

/** The schema of each kind of configuration file. */
export const configSchema: { global: SchemaNode; host: SchemaNode } = { global: globalSchema, host: hostSchema };

let compiled: { global: ValidateFunction; host: ValidateFunction } | undefined;

/** The compiled validators (every error reported, unknown keys are errors). */
export function validators(): { global: ValidateFunction; host: ValidateFunction } {
  if (!compiled) {
    const ajv = new Ajv({ allErrors: true, verbose: true, strict: true, allowUnionTypes: true });
    ajv.addKeyword('defaultText').addKeyword('patternDescription').addKeyword('valueKind');
    compiled = { global: ajv.compile(globalSchema), host: ajv.compile(hostSchema) };
  }
  return compiled;
}
