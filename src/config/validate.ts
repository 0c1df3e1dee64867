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
    const known = Object.keys(((err.parentSchema ?? {}) as { properties?: Record<string, unknown> }).properties ?? {});
    const near = closest(String(params.additionalProperty), known);
    return { file: y.file, line: lineOf(y, extra, true), key: formatKey(extra), message: `unknown key '${String(params.additionalProperty)}'${near ? ` (did you mean '${near}'?)` : ''}` };
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
  // A URL's password (scheme://user:PASSWORD@host) is never echoed into a message or a log.
  if (typeof value === 'string') value = value.replace(/^([a-z][a-z0-9+.-]*:\/\/[^:/@\s]*):[^@\s]*@/i, '$1:***@');
  // Shown whole up to a line's worth, control characters escaped: a message stays one readable line.
  if (typeof value === 'string') return `'${printable(value.length > 80 ? `${value.slice(0, 60)}… (${value.length} characters)` : value)}'`;
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  return String(value);
}

/** The known key nearest to `key` (a typo: at most 2 edits away, 1 for a key of 4 letters or less), if any. */
export function closest(key: string, known: readonly string[]): string | undefined {
  let best: { k: string; d: number } | undefined;
  for (const k of known) {
    const d = editDistance(key.toLowerCase(), k.toLowerCase());
    if (d <= (k.length <= 4 ? 1 : 2) && (!best || d < best.d)) best = { k, d };
  }
  return best?.k;
}

/** Levenshtein distance (insertions, deletions, substitutions), with a transposition counted as one. */
function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i]![j] = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i]![j] = Math.min(d[i]![j]!, d[i - 2]![j - 2]! + 1);
    }
  }
  return d[a.length]![b.length]!;
}
