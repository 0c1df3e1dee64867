// Step 1: read a YAML file, keeping the position of every node so later problems can name a line.
import { readFileSync } from 'node:fs';
import { isMap, isPair, isScalar, LineCounter, parseDocument, type Document } from 'yaml';
import type { ConfigProblem } from '../errors.js';

export type KeyPath = Array<string | number>;

/** A parsed configuration file: its data, and where each value came from. */
export interface YamlFile {
  file: string;
  doc: Document;
  lines: LineCounter;
  /** The plain data (undefined when the file could not be read or parsed). */
  data: unknown;
}

/** Aliases one file may expand: a configuration needs a few, an alias bomb (billion laughs) needs thousands. */
const MAX_ALIAS_COUNT = 100;

/** Reads and parses one file; problems (unreadable file, YAML syntax) are appended to `problems`. */
export function loadYaml(file: string, problems: ConfigProblem[]): YamlFile | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'file not found' : code === 'EISDIR' ? 'is a directory, not a file' : `cannot read the file (${code ?? String(e)})`;
    problems.push({ file, message: why });
    return undefined;
  }
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: true });
  if (doc.errors.length > 0) {
    // Only the first: later errors are mostly consequences of it, and would bury it.
    const err = doc.errors[0]!;
    const pos = err.linePos?.[0];
    const what = err.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
    problems.push({ file, line: pos?.line, column: pos?.col, message: `YAML syntax error: ${what}` });
    return undefined;
  }
  try {
    return { file, doc, lines, data: doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT }) };
  } catch (e) {
    // yaml refuses alias bombs and bad merge keys only when it builds the data.
    problems.push({ file, message: `YAML cannot be read: ${(e as Error).message}` });
    return undefined;
  }
}

/** Dotted form of a key path: `sources[2].kind`. */
export function formatKey(path: KeyPath): string | undefined {
  let out = '';
  for (const part of path) out += typeof part === 'number' ? `[${part}]` : out ? `.${part}` : part;
  return out || undefined;
}

/** Line of the value at `path` (or of the key `path` ends with, when `atKey`), else of its nearest ancestor. */
export function lineOf(y: YamlFile, path: KeyPath, atKey = false): number | undefined {
  for (let n = path.length; n >= 0; n--) {
    const prefix = path.slice(0, n);
    if (atKey && n === path.length && n > 0) {
      const parent = prefix.length > 1 ? y.doc.getIn(prefix.slice(0, -1), true) : y.doc.contents;
      if (isMap(parent)) {
        const pair = parent.items.find((p) => isPair(p) && isScalar(p.key) && p.key.value === prefix[prefix.length - 1]);
        const range = pair && isScalar(pair.key) ? pair.key.range : undefined;
        if (range) return y.lines.linePos(range[0]).line;
      }
    }
    const node = n === 0 ? y.doc.contents : y.doc.getIn(prefix, true);
    const range = (node as { range?: [number, number, number] } | null | undefined)?.range;
    if (range) return y.lines.linePos(range[0]).line;
  }
  return undefined;
}
