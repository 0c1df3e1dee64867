// pullback catalog sync|migrate: the fleet's PostgreSQL catalog by hand. sync pushes what the local
// catalog holds and PostgreSQL does not (every command does it at its end); migrate carries a local
// catalog into a PostgreSQL catalog and proves it, table by table.
import { commandGroup, type Subcommand } from './group.js';
import { openEnv, type GlobalOptions } from './common.js';
import type { Values } from './spec.js';
import { JobError, UsageError } from '../errors.js';
import { describeUrl, openFleetDb, type FleetDb } from '../catalog/fleet/connect.js';
import { pushCatalog, type PushReport } from '../catalog/fleet/sync.js';
import { compareCatalog } from '../catalog/fleet/verify.js';
import { renderTable } from '../util/table.js';

const URL_PATTERN = /^postgres(ql)?:\/\/[^:@/]+@[^/]+\/[^/?]+$/;

function pushedTable(report: PushReport): string {
  const rows = report.tables.filter((t) => t.blocks > 0).map((t) => [t.table, String(t.blocks), String(t.rows)]);
  return rows.length > 0 ? renderTable(['TABLE', 'BLOCKS', 'ROWS'], rows) : 'nothing to push: PostgreSQL already holds every row';
}

async function syncCommand(g: GlobalOptions): Promise<number> {
  const env = openEnv(g);
  try {
    if (!env.fleet) throw new UsageError(`${env.config.global.file} has no catalog: (catalog.url) to sync with`);
    let report: PushReport;
    try {
      report = await env.fleet.pushNow(env.catalog.db);
    } catch (e) {
      throw new JobError(`the fleet catalog ${env.fleet.url} could not be reached or written: ${(e as Error).message}; the local catalog is unchanged, run pullback catalog sync again when it is back`);
    }
    env.out(`fleet catalog ${env.fleet.url}, backup host ${env.fleet.backupHost}${report.schemaDerived ? ' (schema derived from the local catalog)' : ''}:\n${pushedTable(report)}`);
    return 0;
  } finally {
    env.close();
  }
}

async function migrateCommand(g: GlobalOptions, v: Values): Promise<number> {
  const to = v.to as string | undefined;
  if (!to) throw new UsageError('pullback catalog migrate needs --to postgres://USER@HOST[:PORT]/DATABASE');
  if (!URL_PATTERN.test(to)) throw new UsageError(`--to ${describeUrl(to)}: expected postgres://USER@HOST[:PORT]/DATABASE (a password goes in --password-file)`);
  const passwordFile = v['password-file'] as string | undefined;
  const env = openEnv(g);
  let k: FleetDb | undefined;
  try {
    k = await openFleetDb({ url: to, ...(passwordFile ? { passwordFile } : {}) });
    const backupHost = env.config.global.backupHost;
    let report: PushReport;
    try {
      report = await pushCatalog(env.catalog.db, k, backupHost);
    } catch (e) {
      throw new JobError(`could not carry the catalog into ${describeUrl(to)}: ${(e as Error).message}`);
    }
    const pushed = report.tables.reduce((n, t) => n + t.rows, 0);
    const checks = await compareCatalog(env.catalog.db, k, backupHost);
    const rows = checks.map((c) => [c.table, String(c.local), String(c.postgres), String(c.sampled), c.local === c.postgres && c.differences.length === 0 ? 'OK' : 'DIFFERENT']);
    const bad = checks.filter((c) => c.local !== c.postgres || c.differences.length > 0);
    env.out(`catalog ${env.config.global.stateDir}/catalog.db -> ${describeUrl(to)} as backup host ${backupHost}: ${pushed} rows written\n${renderTable(['TABLE', 'LOCAL', 'POSTGRES', 'SAMPLED', 'RESULT'], rows)}`);
    if (bad.length > 0) {
      env.out(`\nDifferences:\n${bad.flatMap((c) => [...(c.local !== c.postgres ? [`  ${c.table}: ${c.local} rows here, ${c.postgres} in PostgreSQL`] : []), ...c.differences.map((d) => `  ${c.table}: ${d}`)]).join('\n')}`);
      return 1;
    }
    env.out(`\nEvery table: the same row count on both sides, and every sampled row equal field by field. To use it, set in ${env.config.global.file}:\n  catalog:\n    url: ${describeUrl(to)}${passwordFile ? `\n    password_file: ${passwordFile}` : ''}`);
    return 0;
  } finally {
    await k?.destroy();
    env.close();
  }
}

const syncSub: Subcommand = {
  name: 'sync',
  usage: 'pullback catalog sync',
  summary: 'push what the local catalog holds and the fleet catalog does not',
  options: {},
  run: (g) => syncCommand(g),
};

const migrateSub: Subcommand = {
  name: 'migrate',
  usage: 'pullback catalog migrate --to postgres://USER@HOST[:PORT]/DATABASE [--password-file FILE]',
  summary: 'carry the local catalog into a PostgreSQL catalog, then compare counts and sampled rows',
  options: {
    to: { type: 'string', value: 'URL', description: 'the PostgreSQL catalog, postgres://USER@HOST[:PORT]/DATABASE (no password in it)' },
    'password-file': { type: 'string', value: 'FILE', description: "file holding the PostgreSQL user's password (first line); never on the command line" },
  },
  run: (g, v) => migrateCommand(g, v),
};

export const catalogSpec = commandGroup('catalog', "the fleet's PostgreSQL catalog: sync pushes the local catalog's new and changed rows, migrate carries a local catalog across and proves it", [syncSub, migrateSub]);
