// The layout of src/ as a rule the tests hold (README "Layout"): one feature, one folder; features
// never import each other; shared layers import only the layers below them; commands sit on the
// features and cli on the commands; and no file imports itself back through a circle of imports.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize, relative, sep } from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = join(import.meta.dirname, '..', '..', 'src');

/** The shared layers, lowest first: each may import only the layers before it. */
const SHARED = ['util', 'errors', 'exec', 'config', 'logging', 'lock', 'catalog', 'tools', 'engines', 'progress', 'notify', 'job', 'archive'];
/** The features: each imports shared layers only, never another feature. */
const FEATURES = ['nightly', 'restore', 'drill', 'report', 'offsite', 'schedule', 'keys', 'pitr', 'doctor', 'fleet'];

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? sourceFiles(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : []));
}

/** The top-level folder (or file, without .ts) of a path under src/. */
function layerOf(file: string): string {
  const parts = relative(SRC, file).split(sep);
  return parts.length === 1 ? parts[0]!.replace(/\.ts$/, '') : parts[0]!;
}

/** Every relative import of every file under src/, resolved to the file it names. */
function importGraph(): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const file of sourceFiles(SRC)) {
    const text = readFileSync(file, 'utf8');
    const targets = [...text.matchAll(/(?:from|import)\s*\(?\s*'(\.{1,2}\/[^']+)'/g)].map((m) => normalize(join(dirname(file), m[1]!.replace(/\.js$/, '.ts'))));
    graph.set(file, targets);
  }
  return graph;
}

/** Whether a file in layer `from` may import a file in layer `to`; the reason when it may not. */
function refusal(from: string, to: string): string | undefined {
  if (from === to) return undefined;
  if (from === 'cli') return undefined;
  if (to === 'cli') return 'nothing imports the CLI';
  if (from === 'commands') return undefined;
  if (to === 'commands') return 'only the CLI imports commands';
  if (FEATURES.includes(from)) return FEATURES.includes(to) ? 'a feature never imports another feature (move what they share down)' : undefined;
  if (FEATURES.includes(to)) return 'a shared layer never imports a feature';
  const a = SHARED.indexOf(from);
  const b = SHARED.indexOf(to);
  if (a < 0) return `'${from}' is not a known layer (add it to SHARED or FEATURES in this test, and to README's Layout)`;
  if (b < 0) return `'${to}' is not a known layer`;
  return b < a ? undefined : `'${from}' may import only the layers below it (${SHARED.slice(0, a).join(', ')})`;
}

describe('the layout of src/', () => {
  const graph = importGraph();

  it('has every top-level folder in a known layer', () => {
    const layers = new Set([...graph.keys()].map(layerOf));
    const unknown = [...layers].filter((l) => !['cli', 'commands', ...FEATURES, ...SHARED].includes(l));
    expect(unknown).toEqual([]);
  });

  it('imports only downward: no feature imports another, no shared layer imports a feature or a layer above it', () => {
    const wrong: string[] = [];
    for (const [file, targets] of graph) {
      for (const t of targets) {
        const why = refusal(layerOf(file), layerOf(t));
        if (why) wrong.push(`${relative(SRC, file)} -> ${relative(SRC, t)}: ${why}`);
      }
    }
    expect(wrong).toEqual([]);
  });

  it('has no circle of imports between files', () => {
    const circles: string[] = [];
    const state = new Map<string, 'open' | 'done'>();
    const path: string[] = [];
    const visit = (file: string) => {
      state.set(file, 'open');
      path.push(file);
      for (const t of graph.get(file) ?? []) {
        if (!graph.has(t)) continue;
        if (state.get(t) === 'open') circles.push(path.slice(path.indexOf(t)).concat(t).map((f) => relative(SRC, f)).join(' -> '));
        else if (!state.has(t)) visit(t);
      }
      path.pop();
      state.set(file, 'done');
    };
    for (const file of graph.keys()) if (!state.has(file)) visit(file);
    expect(circles).toEqual([]);
  });
});
