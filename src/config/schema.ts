// The configuration schema: one JSON schema per kind of file, compiled once with ajv.
import { compileValidators, type Validators } from './compile-validators.js';
import { globalSchema } from './schema-global.js';
import { hostSchema } from './schema-host.js';
import type { SchemaNode } from './schema-node.js';

export type { SchemaNode } from './schema-node.js';
export { globalSchema } from './schema-global.js';
export { hostSchema } from './schema-host.js';

/** The schema of each kind of configuration file. */
export const configSchema: { global: SchemaNode; host: SchemaNode } = { global: globalSchema, host: hostSchema };

let compiled: Validators | undefined;

/** The compiled validators (every error reported, unknown keys are errors). */
export function validators(): Validators {
  compiled ??= compileValidators();
  return compiled;
}
