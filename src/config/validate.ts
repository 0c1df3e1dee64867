// Step 2: check a parsed file against its schema and turn ajv's errors into messages for operators.
import type { ErrorObject, ValidateFunction } from 'ajv';
import type { ConfigProblem } from '../errors.js';
import { formatKey, lineOf, type KeyPath, type YamlFile } from './load-yaml.js';
import type { SchemaNode } from './schema-node.js';
import { printable } from '../util/printable.js';

/** Validates `y` with `validate`, appending one problem per distinct error; true when it is valid. */
export function validateFile(y: YamlFile, validate: ValidateFunction, problems: ConfigProblem[]): boolean {
  if (y.data === null || y.data === undefined) {
    problems.push({ file: y.file, message: 'the file is empty' });
    return false;
  }
  if (validate(y.data)) return true;
  const seen = new Set<string>();
  for (const err of validate.errors ?? []) {
    const p = toProblem(y, err);
    const id = `${p.key}\u0000${p.message}`;
    if (!seen.has(id)) {
      seen.add(id);
      problems.push(p);
    }
  }
  return false;
}

function pathOf(instancePath: string): KeyPath {
  if (!instancePath) return [];
  return instancePath
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((s) => (/^(0|[1-9][0-9]*)$/.test(s) ? Number(s) : s));
}

function toProblem(y: YamlFile, err: ErrorObject): ConfigProblem {
  const path = pathOf(err.instancePath);
  const params = err.params as Record<string, unknown>;
  if (err.keyword === 'additionalProperties') {
    const extra = [...path, String(params.additionalProperty)];
    return { file: y.file, line: lineOf(y, extra, true), key: formatKey(extra), message: `unknown key '${String(params.additionalProperty)}'` };
  }
  if (err.keyword === 'required') {
    const missing = [...path, String(params.missingProperty)];
    return { file: y.file, line: lineOf(y, path), key: formatKey(missing), message: `required key '${String(params.missingProperty)}' is missing` };
  }
  return { file: y.file, line: lineOf(y, path), key: formatKey(path), message: describe(err, (err.parentSchema ?? {}) as SchemaNode) };
}

function describe(err: ErrorObject, schema: SchemaNode): string {
  const got = ` (got ${show(err.data)})`;
  const params = err.params as Record<string, unknown>;
  if (schema.valueKind === 'duration' && ['type', 'pattern', 'minimum'].includes(err.keyword)) {
    return `must be a duration such as 30s, 10m, 26h or 2d, or a whole number of seconds${got}`;
  }
  if (schema.valueKind === 'size' && ['type', 'pattern', 'minimum'].includes(err.keyword)) {
    return `must be a size such as 512M, 2G or 1TiB, or a whole number of bytes${got}`;
  }
  switch (err.keyword) {
    case 'type':
      if (schema.patternDescription) return `must be ${schema.patternDescription}${got}`;
      return `must be ${typeName(params.type)}${got}`;
    case 'enum':
      return `must be one of ${(schema.enum ?? []).join(', ')}${got}`;
    case 'pattern':
      return `must be ${schema.patternDescription ?? `text matching ${String(params.pattern)}`}${got}`;
    case 'minimum':
      return `must be at least ${String(params.limit)}${got}`;
    case 'maximum':
      return `must be at most ${String(params.limit)}${got}`;
    case 'minItems':
      return params.limit === 1 ? 'must not be an empty list' : `must have at least ${String(params.limit)} items`;
    case 'minLength':
      return 'must not be empty';
    default:
      return err.message ?? 'is not valid';
  }
}

function typeName(type: unknown): string {
  const names: Record<string, string> = {
    object: 'a mapping of keys to values',
    array: 'a list',
    string: 'text',
    integer: 'a whole number',
    number: 'a number',
    boolean: 'true or false',
  };
  const list = Array.isArray(type) ? type : [type];
  return list.map((t) => names[String(t)] ?? String(t)).join(' or ');
}

/** A value as an operator would recognise it in a message. */
export function show(value: unknown): string {
  if (value === null || value === undefined) return 'nothing';
  // Shown whole up to a line's worth, control characters escaped: a message stays one readable line.
  if (typeof value === 'string') return `'${printable(value.length > 80 ? `${value.slice(0, 60)}… (${value.length} characters)` : value)}'`;
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  return String(value);
}
