// The JSON-schema subset pullback's configuration schema is written in, and small builders for it.
// Besides standard keywords, three annotations (registered with ajv as no-op keywords) feed messages and docs:
// `defaultText` (a default that is not a literal), `patternDescription` (what a pattern means, in words)
// and `valueKind` (duration, size, local path: how the value is read and explained).

export type ValueKind = 'duration' | 'size' | 'local-path' | 'remote-path';

export interface SchemaNode {
  type?: 'object' | 'array' | 'string' | 'integer' | 'number' | 'boolean' | Array<'integer' | 'string' | 'array'>;
  description?: string;
  default?: unknown;
  defaultText?: string;
  examples?: unknown[];
  properties?: Record<string, SchemaNode>;
  required?: string[];
  additionalProperties?: boolean;
  items?: SchemaNode;
  minItems?: number;
  minimum?: number;
  maximum?: number;
  minLength?: number;
  pattern?: string;
  patternDescription?: string;
  enum?: string[];
  valueKind?: ValueKind;
}

type Meta = { description: string; example: unknown; default?: unknown; defaultText?: string };

function meta(m: Meta): SchemaNode {
  const node: SchemaNode = { description: m.description, examples: [m.example] };
  if (m.default !== undefined) node.default = m.default;
  if (m.defaultText !== undefined) node.defaultText = m.defaultText;
  return node;
}

/** A non-empty string option. */
export function str(m: Meta & { pattern?: string; patternDescription?: string }): SchemaNode {
  const node: SchemaNode = { type: 'string', minLength: 1, ...meta(m) };
  if (m.pattern) node.pattern = m.pattern;
  if (m.patternDescription) node.patternDescription = m.patternDescription;
  return node;
}

/** A path on this machine; relative paths are resolved against the directory of the file. */
export function localPath(m: Meta): SchemaNode {
  return { type: 'string', minLength: 1, valueKind: 'local-path', ...meta(m) };
}

/**
 * An absolute, normalized path on a main server: starts with /, no empty, "." or ".." segment, no
 * control characters (a newline would split rsync's and the remote shell's view of the path).
 * Spaces, quotes, `$()`, backticks and non-ASCII are kept exactly: paths travel as rsync protocol
 * arguments (-s) and single-quoted remote arguments, never through a shell unquoted.
 */
export const REMOTE_PATH_PATTERN = '^/$|^(/(?!\\.\\.?(/|$))[^/\\u0000-\\u001f\\u007f]+)+/?$';

/** An absolute path on a main server. */
export function remotePath(m: Meta): SchemaNode {
  return {
    ...str({
      ...m,
      pattern: REMOTE_PATH_PATTERN,
      patternDescription: 'an absolute, normalized path (starting with /, no "//", "." or ".." segments, no control characters such as a newline)',
    }),
    valueKind: 'remote-path',
  };
}

/** An integer option with optional bounds. */
export function int(m: Meta & { minimum?: number; maximum?: number }): SchemaNode {
  const node: SchemaNode = { type: 'integer', ...meta(m) };
  if (m.minimum !== undefined) node.minimum = m.minimum;
  if (m.maximum !== undefined) node.maximum = m.maximum;
  return node;
}

/** One of a fixed set of strings. */
export function oneOf(values: string[], m: Meta): SchemaNode {
  return { type: 'string', enum: values, ...meta(m) };
}

/** A duration: integer seconds or "<n><s|m|h|d>". */
export function duration(m: Meta, pattern: string): SchemaNode {
  return { type: ['integer', 'string'], minimum: 0, pattern, valueKind: 'duration', ...meta(m) };
}

/** A size: integer bytes or "<n><K|M|G|T>". */
export function size(m: Meta, pattern: string): SchemaNode {
  return { type: ['integer', 'string'], minimum: 0, pattern, valueKind: 'size', ...meta(m) };
}

/** A mapping with exactly these keys (unknown keys are errors). */
export function obj(properties: Record<string, SchemaNode>, m: { description: string; required?: string[]; example?: unknown }): SchemaNode {
  const node: SchemaNode = { type: 'object', description: m.description, properties, additionalProperties: false };
  if (m.required?.length) node.required = m.required;
  if (m.example !== undefined) node.examples = [m.example];
  return node;
}

/** A list whose items follow `items`. */
export function list(items: SchemaNode, m: Meta & { minItems?: number }): SchemaNode {
  const node: SchemaNode = { type: 'array', items, ...meta(m) };
  if (m.minItems !== undefined) node.minItems = m.minItems;
  return node;
}

/** An argv list: a command and its arguments, never a shell string. */
export function argv(description: string): SchemaNode {
  return { type: 'array', minItems: 1, items: { type: 'string', minLength: 1 }, description, examples: [['systemctl', 'is-active', 'app']] };
}
