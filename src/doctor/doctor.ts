// `pullback doctor`: plan the checks from the configuration, measure each on this machine, judge.
import { pgBinDir } from '../engines/postgres-wal.js';
import type { Config } from '../config/types.js';
import { planChecks } from './plan.js';
import { probe } from './probe.js';
import { judge, type CheckLine } from './verdict.js';

/** Every check's lines, in plan order; the probes run one at a time (a doctor is not in a hurry). Never throws. */
export async function runDoctor(input: { config?: Config; mount: boolean; path: string }): Promise<CheckLine[]> {
  const checks = planChecks({ ...(input.config ? { config: input.config } : {}), mount: input.mount, pgBinDir: pgBinDir() });
  const lines: CheckLine[] = [];
  for (const c of checks) lines.push(...judge(c, await probe(c, { path: input.path })));
  return lines;
}

/** `OK    borg: borg 1.2.4 (/usr/bin/borg)`: status padded so the subjects line up. */
export function formatLine(l: CheckLine): string {
  return `${l.status.padEnd(4)}  ${l.subject}: ${l.message}`;
}
