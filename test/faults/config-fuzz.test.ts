// The config loader against mutated YAML: whatever the files hold, loading them (the path every
// command takes: loadConfig) ends in a valid configuration or a ConfigError naming the file, never
// another exception; a handful of cases go through the real CLI too (exit 2, no stack trace).
// The seed is today's date (YYYYMMDD, UTC, as the soak's), so each day tries other files; it is
// printed, and PULLBACK_FUZZ_SEED=N replays a day (PULLBACK_FUZZ_RUNS=N runs more or fewer).
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { stringify } from 'yaml';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.js';
import { configSchema, type SchemaNode } from '../../src/config/schema.js';
import { NAME_PATTERN } from '../../src/config/defaults.js';
import { ConfigError } from '../../src/errors.js';
import { makeTempDir, runCli } from '../harness/index.js';

const SEED = Number(process.env.PULLBACK_FUZZ_SEED || new Date().toISOString().slice(0, 10).replace(/-/g, ''));
// 1000 a day: a new seed each day covers more over the days than 2000 of the same files each run.
const RUNS = Number(process.env.PULLBACK_FUZZ_RUNS || 1000);

type Json = unknown;
type Path = Array<string | number>;

/** The fullest valid file a schema describes: every option at its documented example. */
function fromExamples(node: SchemaNode): Json {
  if (node.examples) return structuredClone(node.examples[0]);
  if (node.type === 'object' && node.properties) {
    const out: Record<string, Json> = {};
    for (const [k, v] of Object.entries(node.properties)) {
      const e = fromExamples(v);
      if (e !== undefined) out[k] = e;
    }
    return out;
  }
  return undefined;
}

const dir = makeTempDir('pullback-fuzz-');
mkdirSync(join(dir, 'hosts'));
const globalFile = join(dir, 'pullback.yaml');
const hostFile = join(dir, 'hosts', 'web.yaml');
const BASE_GLOBAL = { ...(fromExamples(configSchema.global) as object), hosts_dir: 'hosts', state_dir: join(dir, 'state') };
const BASE_HOST = fromExamples(configSchema.host);

function paths(v: Json, at: Path = [], out: Path[] = []): Path[] {
  out.push(at);
  if (Array.isArray(v)) v.forEach((x, i) => paths(x, [...at, i], out));
  else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) paths(x, [...at, k], out);
  return out;
}

const hostile = fc.constantFrom(
  '../../etc', '/etc/../..', '-rf', '--rsync-path=touch /tmp/pwned', '$(touch /tmp/pwned)', '`id`', 'a;b', 'a b',
  "it's", '"q"', 'line\nbreak', 'tab\there', '\u001b[31mred', 'nul\u0000byte', 'caf\u00e9', '\u202egnp.exe', '',
  '{host}', '/', '.', '..', '~', '*', '0x10', '1e999', '-1', '.inf', '.nan', 'null', 'yes', 'no', '0o777', '__proto__',
);
const value: fc.Arbitrary<Json> = fc.letrec((tie) => ({
  v: fc.oneof(
    { depthSize: 'small' },
    hostile,
    fc.integer(),
    fc.constantFrom(0, -1, 2 ** 31, 2 ** 53 + 2, -(2 ** 63), 1e300, -1e-300, 0.5, Number.MAX_VALUE, Infinity, -Infinity, NaN),
    fc.bigInt({ min: -(2n ** 200n), max: 2n ** 200n }),
    fc.string({ unit: 'binary', maxLength: 40 }),
    fc.string({ unit: 'grapheme', maxLength: 40 }),
    fc.nat({ max: 20_000 }).map((n) => 'x'.repeat(n)),
    fc.boolean(),
    fc.constant(null),
    fc.array(tie('v'), { maxLength: 3 }),
    fc.dictionary(fc.oneof(hostile, fc.string({ maxLength: 8 })), tie('v'), { maxKeys: 3 }),
  ),
})).v;

type Op =
  | { kind: 'delete' | 'duplicate' | 'wrap-list' | 'wrap-map'; at: number }
  | { kind: 'replace'; at: number; value: Json }
  | { kind: 'rename'; at: number; key: string };

const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constantFrom('delete', 'duplicate', 'wrap-list', 'wrap-map'), at: fc.nat() }) as fc.Arbitrary<Op>,
  fc.record({ kind: fc.constant('replace' as const), at: fc.nat(), value }),
  fc.record({ kind: fc.constant('rename' as const), at: fc.nat(), key: fc.oneof(hostile, fc.string({ maxLength: 10 })) }),
);

/** Applies a structural mutation (on the data, before it is written as YAML). */
function mutate(root: Json, o: Op): Json {
  const all = paths(root);
  const at = all[o.at % all.length]!;
  if (at.length === 0) return o.kind === 'replace' ? o.value : o.kind === 'wrap-list' ? [root] : root;
  const parentPath = at.slice(0, -1);
  let parent = root as Record<string | number, Json>;
  for (const k of parentPath) parent = parent[k] as Record<string | number, Json>;
  const key = at[at.length - 1]!;
  const cur = parent[key];
  switch (o.kind) {
    case 'delete':
      if (Array.isArray(parent)) parent.splice(key as number, 1);
      else delete parent[key];
      break;
    case 'duplicate':
      if (Array.isArray(parent)) parent.push(structuredClone(cur));
      else parent[`${String(key)}`] = [cur, cur];
      break;
    case 'wrap-list':
      parent[key] = [cur];
      break;
    case 'wrap-map':
      parent[key] = { [String(key)]: cur };
      break;
    case 'replace':
      parent[key] = o.value;
      break;
    case 'rename':
      if (!Array.isArray(parent)) {
        delete parent[key];
        parent[o.key] = cur;
      }
      break;
  }
  return root;
}

/** Tokens that stress the YAML parser itself: anchors, aliases, merge keys, tags, flow, directives. */
const SNIPPETS = [
  '&a ', '*a', '*undefined_alias', '<<: *a\n', '<<: [*a, *a]\n', '!!binary ', '!!js/function ', '!!python/object:os.system ', '!custom ',
  '? [a, b]\n: c\n', '? {x: 1}\n: y\n', '---\n', '...\n', '%YAML 1.1\n', '%TAG ! tag:x,2000:\n', '[', ']', '{', '}', '"', "'", '|', '>-', '#',
  ': ', '- ', '\t', '\r', '\r\n', '\u0000', '\u001b[2J', '\ufeff', '\u2028', 'key: value\n', '__proto__: {polluted: 1}\n', 'constructor: {prototype: {x: 1}}\n',
  'a: &x [*x]\n', '0o777', '1e400', '-.inf', '.NaN', '0x_', '2001-12-14t21:59:43.10-05:00', '~',
];

type TextOp =
  | { kind: 'truncate'; at: number }
  | { kind: 'insert'; at: number; text: string }
  | { kind: 'bytes'; at: number; bytes: number[] }
  | { kind: 'tab' | 'indent' | 'dedent' | 'dupline' | 'dropline'; line: number };

const textOp: fc.Arbitrary<TextOp> = fc.oneof(
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), text: fc.oneof(fc.constantFrom(...SNIPPETS), fc.string({ unit: 'binary', maxLength: 6 })) }),
  fc.record({ kind: fc.constant('bytes' as const), at: fc.nat(), bytes: fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 1, maxLength: 4 }) }),
  fc.record({ kind: fc.constantFrom('tab', 'indent', 'dedent', 'dupline', 'dropline'), line: fc.nat() }) as fc.Arbitrary<TextOp>,
);

/** Applies a textual mutation to the bytes of a YAML file (the result need not be UTF-8). */
function mutateText(buf: Buffer, o: TextOp): Buffer {
  if (o.kind === 'truncate') return buf.subarray(0, o.at % (buf.length + 1));
  if (o.kind === 'insert' || o.kind === 'bytes') {
    const at = o.at % (buf.length + 1);
    const ins = o.kind === 'insert' ? Buffer.from(o.text, 'utf8') : Buffer.from(o.bytes);
    return Buffer.concat([buf.subarray(0, at), ins, buf.subarray(at)]);
  }
  const lines = buf.toString('latin1').split('\n');
  const i = o.line % lines.length;
  const l = lines[i]!;
  if (o.kind === 'tab') lines[i] = l.replace(/^ {1,2}/, '\t');
  else if (o.kind === 'indent') lines[i] = ` ${l}`;
  else if (o.kind === 'dedent') lines[i] = l.replace(/^ /, '');
  else if (o.kind === 'dupline') lines.splice(i, 0, l);
  else lines.splice(i, 1);
  return Buffer.from(lines.join('\n'), 'latin1');
}

interface FileCase {
  ops: Op[];
  textOps: TextOp[];
}

const fileCase: fc.Arbitrary<FileCase> = fc.record({ ops: fc.array(op, { maxLength: 4 }), textOps: fc.array(textOp, { maxLength: 3 }) });

function render(base: Json, c: FileCase): Buffer {
  let data = structuredClone(base);
  for (const o of c.ops) data = mutate(data, o);
  let text: string;
  try {
    text = stringify(data);
  } catch {
    text = JSON.stringify(data) ?? '';
  }
  let buf = Buffer.from(text, 'utf8');
  for (const o of c.textOps) buf = mutateText(buf, o);
  return buf;
}

/** Loads the files as every command does; asserts the outcome is a valid config or a ConfigError naming a file. */
function loadOutcome(): 'valid' | 'config-error' {
  try {
    const config = loadConfig(globalFile);
    for (const h of config.hosts) {
      expect(h.name).toMatch(new RegExp(NAME_PATTERN));
      for (const s of h.sources) expect(s.name).toMatch(new RegExp(NAME_PATTERN));
    }
    return 'valid';
  } catch (e) {
    if (!(e instanceof ConfigError)) throw new Error(`loadConfig threw ${(e as Error)?.name ?? typeof e}, not a ConfigError: ${(e as Error)?.stack ?? String(e)}`);
    expect(e.problems.length).toBeGreaterThan(0);
    for (const p of e.problems) {
      expect(p.file.length).toBeGreaterThan(0);
      expect(p.message.trim().length).toBeGreaterThan(0);
      expect(p.message).not.toMatch(/\[object Object\]|\(got undefined\)/);
    }
    return 'config-error';
  }
}

describe('config loader fuzz', () => {
  it('the unmutated example config is valid (else the fuzz would only test errors)', () => {
    writeFileSync(globalFile, stringify(BASE_GLOBAL));
    writeFileSync(hostFile, stringify(BASE_HOST));
    expect(loadOutcome()).toBe('valid');
  });

  it(`${RUNS} mutated global and host files: a valid config or a ConfigError, nothing else`, () => {
    process.stdout.write(`config fuzz: seed ${SEED}, ${RUNS} runs (replay: PULLBACK_FUZZ_SEED=${SEED})\n`);
    const seen = { valid: 0, 'config-error': 0 };
    fc.assert(
      fc.property(fc.option(fileCase, { freq: 3 }), fc.option(fileCase, { freq: 3 }), (g, h) => {
        writeFileSync(globalFile, g ? render(BASE_GLOBAL, g) : stringify(BASE_GLOBAL));
        writeFileSync(hostFile, h ? render(BASE_HOST, h) : stringify(BASE_HOST));
        seen[loadOutcome()]++;
      }),
      { seed: SEED, numRuns: RUNS },
    );
    process.stdout.write(`config fuzz: ${seen.valid} valid, ${seen['config-error']} refused\n`);
    // Both outcomes must be reached, or the mutations are too weak (or too strong) to mean anything.
    expect(seen.valid).toBeGreaterThan(RUNS / 50);
    expect(seen['config-error']).toBeGreaterThan(RUNS / 2);
    // About 7 s on an idle machine; room for a loaded one (8 engineers' tests on 2 cores).
  }, 300_000);

  it('an alias bomb (billion laughs) is refused, not expanded', () => {
    const bomb = ['a: &a [x, x, x, x, x, x, x, x, x, x]'];
    for (let i = 1; i < 10; i++) bomb.push(`${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [${Array(10).fill(`*${String.fromCharCode(96 + i)}`).join(', ')}]`);
    writeFileSync(globalFile, `${stringify(BASE_GLOBAL)}${bomb.join('\n')}\n`);
    writeFileSync(hostFile, stringify(BASE_HOST));
    expect(loadOutcome()).toBe('config-error');
  });
});

describe('config loader fuzz through the CLI', () => {
  it('a few mutated configs: exit 2, the file named, no stack trace', async () => {
    const samples = fc.sample(fc.tuple(fileCase, fileCase), { seed: SEED, numRuns: 60 });
    const cases: Array<{ g: Buffer; h: Buffer }> = [];
    for (const [g, h] of samples) {
      const c = { g: render(BASE_GLOBAL, g), h: render(BASE_HOST, h) };
      writeFileSync(globalFile, c.g);
      writeFileSync(hostFile, c.h);
      if (loadOutcome() === 'config-error') cases.push(c);
      if (cases.length === 4) break;
    }
    expect(cases.length).toBe(4);
    for (const [i, c] of cases.entries()) {
      const d = makeTempDir(`pullback-fuzz-cli-${i}-`);
      mkdirSync(join(d, 'hosts'));
      writeFileSync(join(d, 'pullback.yaml'), c.g);
      writeFileSync(join(d, 'hosts', 'web.yaml'), c.h);
      const r = await runCli(['--config', join(d, 'pullback.yaml'), i % 2 ? 'validate' : 'list']);
      expect(r.exitCode, r.stderr).toBe(2);
      expect(r.stderr).toContain(d);
      expect(r.stderr).not.toMatch(/^\s+at .+:\d+:\d+\)?$/m);
      expect(r.stderr).not.toMatch(/internal error/i);
    }
  });
});
