// The configuration loader: the global file and every host file, through the four steps
// (YAML with positions, schema, normalization, cross-field rules); all problems reported at once.
import { readdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { ConfigError, type ConfigProblem } from '../errors.js';
import { globalRules, hostRules, uniqueHostNames, uniquePitrSlots } from './cross-rules.js';
import { DEFAULTS } from './defaults.js';
import { lineOf, loadYaml, type YamlFile } from './load-yaml.js';
import { normalizeGlobal, normalizeHost } from './normalize.js';
import type { RawGlobal, RawHost } from './raw-types.js';
import { validators } from './schema.js';
import type { Config } from './types.js';
import { validateFile } from './validate.js';

/** The normalized configuration of `file` and its hosts_dir; throws ConfigError listing every problem. */
export function loadConfig(file: string): Config {
  const globalFile = resolve(file);
  const problems: ConfigProblem[] = [];
  const g = loadYaml(globalFile, problems);
  if (!g) {
    // The global file itself: say where its name came from and how to give another.
    const missing = problems.find((p) => p.file === globalFile && p.message === 'file not found');
    if (missing) missing.message = 'file not found (the config is --config FILE, else $PULLBACK_CONFIG, else /etc/pullback/pullback.yaml; pullback init writes a first one)';
    throw new ConfigError(problems);
  }
  const globalValid = validateFile(g, validators().global, problems);
  problems.push(...globalRules(g));

  const hosts: YamlFile[] = [];
  let hostsValid = true;
  for (const hostFile of hostFiles(g, problems)) {
    const h = loadYaml(hostFile, problems);
    if (!h) {
      hostsValid = false;
      continue;
    }
    hostsValid = validateFile(h, validators().host, problems) && hostsValid;
    problems.push(...hostRules(h));
    hosts.push(h);
  }
  problems.push(...uniqueHostNames(hosts));
  problems.push(...uniquePitrSlots(hosts));

  if (problems.length > 0 || !globalValid || !hostsValid) throw new ConfigError(ordered(problems));
  return {
    global: normalizeGlobal(g.data as RawGlobal, globalFile),
    hosts: hosts.map((h) => normalizeHost(h.data as RawHost, h.file)),
  };
}

/** The *.yaml / *.yml files of hosts_dir, sorted; a missing or empty directory is a problem. */
function hostFiles(g: YamlFile, problems: ConfigProblem[]): string[] {
  const data = g.data as { hosts_dir?: unknown } | null;
  const configured = typeof data?.hosts_dir === 'string' ? data.hosts_dir : undefined;
  const dir = resolve(dirname(g.file), configured ?? DEFAULTS.hostsDir);
  const where = { file: g.file, line: configured ? lineOf(g, ['hosts_dir']) : undefined, key: 'hosts_dir' };
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'does not exist' : code === 'ENOTDIR' ? 'is not a directory' : `cannot be read (${code ?? String(e)})`;
    problems.push({ ...where, message: `the hosts directory ${dir} ${why}` });
    return [];
  }
  const files = names
    .filter((n) => /\.ya?ml$/.test(n))
    .sort()
    .map((n) => join(dir, n))
    .filter((f) => statSync(f, { throwIfNoEntry: false })?.isFile());
  if (files.length === 0) problems.push({ ...where, message: `the hosts directory ${dir} has no host files (*.yaml or *.yml)` });
  return files;
}

/** Problems grouped by file (in the order files were read), then by line. */
function ordered(problems: ConfigProblem[]): ConfigProblem[] {
  const fileOrder = new Map<string, number>();
  for (const p of problems) if (!fileOrder.has(p.file)) fileOrder.set(p.file, fileOrder.size);
  return problems
    .map((p, i) => ({ p, i }))
    .sort((a, b) => fileOrder.get(a.p.file)! - fileOrder.get(b.p.file)! || (a.p.line ?? 0) - (b.p.line ?? 0) || a.i - b.i)
    .map(({ p }) => p);
}
