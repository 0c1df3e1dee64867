// What a point-in-time restore of a MariaDB source reads, read before it is promised: every chunk of
// the night's dumps it starts from, and the binary logs from their position on: every chunk of the
// archives' copies read, the receiver's own beside them, the whole checked for a missing log.
import { existsSync, readdirSync } from 'node:fs';
import { basename } from 'node:path';
import type { Catalog } from '../catalog/catalog.js';
import { describeError } from '../errors.js';
import { readBack } from '../tools/borg/extract.js';
import type { BorgContext } from '../tools/borg/run.js';
import { startingDumps } from './binlog-at-point.js';
import { binlogContinuity, describeMissingBinlogs } from './binlog-files.js';
import { archivedBinlogPath } from './paths.js';
import type { PitrCheck } from './readiness.js';
import type { PitrPlan } from './restore-plan.js';

const secs = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

/** The checklist of `plan` for `databases` (never throws: what cannot be read is a failed item). */
export async function binlogReadiness(borg: BorgContext, catalog: Catalog, plan: PitrPlan, databases: readonly string[], receivedDir: string): Promise<PitrCheck[]> {
  const items: PitrCheck[] = [];
  let start: string | undefined;
  const name = `every chunk of the dump(s) in ${plan.base.archive}`;
  try {
    const dumps = startingDumps(catalog, plan, databases);
    start = dumps.map((d) => d.binlogPosition.file).sort()[0];
    const rb = await readBack(borg, plan.repository, plan.base.archive, { exact: dumps.map((d) => `${plan.source}/${d.file}`) });
    items.push(rb.ok ? { name, status: 'pass', figure: `read and verified (${dumps.map((d) => `${d.file} from ${d.binlogPosition.file}:${d.binlogPosition.position}`).join(', ')}, ${secs(rb.durationMs)})` } : { name, status: 'fail', figure: `unreadable: ${rb.damaged.join(', ') || rb.error || 'borg stopped'}` });
  } catch (e) {
    items.push({ name, status: 'fail', figure: `not read: ${describeError(e)}` });
  }
  if (!start) return items;
  const files: string[] = [];
  const unread: string[] = [];
  let ms = 0;
  for (const archive of plan.walArchives) {
    try {
      const rb = await readBack(borg, plan.repository, archive, { prefix: [archivedBinlogPath(plan.source)] }, { onPath: (p) => files.push(basename(p)) });
      ms += rb.durationMs;
      if (!rb.ok) unread.push(`${archive}: ${rb.damaged.join(', ') || rb.error || 'borg stopped'}`);
    } catch (e) {
      unread.push(`${archive}: ${describeError(e)}`);
    }
  }
  const received = existsSync(receivedDir) ? readdirSync(receivedDir) : [];
  const cont = binlogContinuity([...files, ...received], start);
  const logs = `the binary logs from ${start} on`;
  if (unread.length > 0) items.push({ name: logs, status: 'fail', figure: `unreadable in ${unread.join('; ')}` });
  else if (cont.missing.length > 0) items.push({ name: logs, status: 'fail', figure: `a gap: ${describeMissingBinlogs(cont.missing)}; restore to a point before it, or from a later night` });
  else items.push({ name: logs, status: 'pass', figure: `${cont.files.length} log(s) without a gap up to ${cont.newest?.name ?? '-'}: ${plan.walArchives.length} archive(s) read and verified (${secs(ms)}), ${received.length} file(s) received since` });
  return items;
}
