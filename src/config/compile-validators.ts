// The configuration validators, compiled by ajv from the schema on first use. The bundled CLI
// carries the same validators compiled at build time instead (scripts/lib/bundle.mjs swaps this
// module for ajv's standalone code of them): compiling the schema took 50 ms of every command's
// start. Tests run the sources, so they compile here; the CLI's tests run the precompiled ones.
import { Ajv, type ValidateFunction } from 'ajv';
import { globalSchema } from './schema-global.js';
import { hostSchema } from './schema-host.js';

export interface Validators {
  global: ValidateFunction;
  host: ValidateFunction;
}

/** ajv as the schema needs it: every error reported, unknown keys are errors, the schema's own annotation keywords allowed. */
export function configAjv(code?: { source: true; esm: true }): Ajv {
  const ajv = new Ajv({ allErrors: true, verbose: true, strict: true, allowUnionTypes: true, ...(code ? { code } : {}) });
  return ajv.addKeyword('defaultText').addKeyword('patternDescription').addKeyword('valueKind');
}

/** Both validators, compiled now. */
export function compileValidators(): Validators {
  const ajv = configAjv();
  return { global: ajv.compile(globalSchema), host: ajv.compile(hostSchema) };
}
