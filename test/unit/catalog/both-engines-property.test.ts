// Random catalogs round-trip into PostgreSQL identically (test/harness/both-engines.ts compares them
// field by field and through the fleet's reads). Each case fills a fresh catalog two ways: through the
// Catalog API (runs, host results, steps, archives, some vanished: what status reads), and with rows for
// every table of the migrated schema, generated from it (PRAGMA table_info and foreign_key_list: every
// NOT NULL column filled, every foreign key pointing at a parent row made before). Its values are the
// awkward ones: quotes, backslashes, newlines, any unicode but NUL, strings of tens of thousands of
// characters, integers up to ±(2^53-1). The migrations declare no REAL or BLOB column, so a probe table
// added to the local catalog (the fleet derives PostgreSQL from whatever the local catalog holds) carries
// reals (±Infinity, -0, subnormals) and blobs through the same derivation and sync.
import { rmSync } from 'node:fs';
import { dirname } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it, vi } from 'vitest';
import { Catalog, type Status } from '../../../src/catalog/catalog.js';
import { markVanished } from '../../../src/catalog/vanished.js';
import { quoteIdent, readCatalogSchema } from '../../../src/catalog/fleet/sqlite-schema.js';
import { compareDbOnPostgres } from '../../harness/both-engines.js';
import { makeTempDir } from '../../harness/index.js';

const MAX = 2 ** 53 - 1;

const awkwardText = fc.oneof(
  fc.constantFrom('', "'", '"', "it's a \"quoted\" \\ back\\slash", 'line\nbreak\r\nand\ttab', '%_*?[]{}$1 --', 'é ü ß 中文 🎉 👩‍👩‍👧', '\u{10FFFF}\u2028\u2029', 'NULL', ' '),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  fc.tuple(fc.string({ unit: 'grapheme', minLength: 1, maxLength: 8 }), fc.integer({ min: 2000, max: 12_000 })).map(([s, n]) => s.repeat(n)),
).map((s) => s.replace(/\u0000/g, ''));

const bigInt = fc.oneof(fc.constantFrom(0, 1, -1, MAX, -MAX, 2 ** 31, 2 ** 32, 2 ** 53 - 2), fc.maxSafeInteger());
const real = fc.oneof(fc.constantFrom(Infinity, -Infinity, -0, 0.1, 5e-324, Number.MAX_VALUE, 1 / 3), fc.double({ noNaN: true }));
const isoDate = fc.integer({ min: Date.UTC(2000, 0, 1), max: Date.UTC(2099, 11, 31) }).map((t) => new Date(t).toISOString());
const statuses: Status[] = ['running', 'ok', 'warning', 'failed', 'skipped', 'interrupted'];

const pools = fc.record({
  texts: fc.array(awkwardText, { minLength: 8, maxLength: 24 }),
  ints: fc.array(bigInt, { minLength: 8, maxLength: 24 }),
  reals: fc.array(real, { minLength: 4, maxLength: 16 }),
  blobs: fc.array(fc.uint8Array({ maxLength: 300 }), { minLength: 2, maxLength: 6 }),
  dates: fc.array(isoDate, { minLength: 4, maxLength: 12 }),
  picks: fc.array(fc.nat(), { minLength: 64, maxLength: 256 }),
  rowsPerTable: fc.integer({ min: 1, max: 3 }),
  nights: fc.array(fc.record({ kind: fc.constantFrom('run', 'run', 'check', 'drill'), host: fc.integer({ min: 0, max: 3 }), status: fc.constantFrom(...statuses), archive: fc.boolean(), vanish: fc.boolean() }), { maxLength: 8 }),
});
type Pools = typeof pools extends fc.Arbitrary<infer T> ? T : never;

/** Deterministic picks from the case's pools. */
function picker(p: Pools) {
  let i = 0;
  const next = () => p.picks[i++ % p.picks.length]! + i;
  const from = <T>(xs: readonly T[]): T => xs[next() % xs.length]!;
  return { next, from, text: () => from(p.texts), int: () => BigInt(from(p.ints)), date: () => from(p.dates), real: () => from(p.reals), blob: () => Buffer.from(from(p.blobs)), maybe: () => next() % 3 === 0 };
}

/** Through the Catalog API: nights with awkward host names and JSON arguments, steps with large figures, archives (some vanished). */
function fillThroughApi(catalog: Catalog, p: Pools): void {
  const pick = picker(p);
  const hosts = [pick.text(), pick.text(), 'web', pick.text()];
  // Each night a minute after the one before (the catalog's clock, Date, only: nothing waits on it), so
  // that which night was the last success is a question with one answer.
  vi.useFakeTimers({ toFake: ['Date'] });
  try {
    p.nights.forEach((n, i) => {
      vi.setSystemTime(Date.UTC(2026, 0, 1) + i * 60_000);
      night(n);
    });
  } finally {
    vi.useRealTimers();
  }
  function night(n: Pools['nights'][number]): void {
    const run = catalog.startRun(n.kind, { text: pick.text(), real: Number.isFinite(pick.real()) ? pick.real() : 0.5, big: MAX, nested: [pick.text(), null, true] });
    const host = hosts[n.host]!;
    const hr = catalog.startHost(run, host);
    const step = catalog.startStep(run, host, 'pull', pick.maybe() ? undefined : pick.text());
    catalog.finishStep(step, { status: n.status, bytes: Number(pick.int()), files: MAX, exitCode: -1, error: pick.text(), details: { why: pick.text(), ratio: 0.1 + 0.2 } });
    const archive = n.archive ? `${host}-${pick.date()}` : undefined;
    if (archive) catalog.recordArchive({ repository: '/r', host, name: archive, runId: run, createdAt: pick.date(), originalSize: MAX, compressedSize: Number(pick.int()), nfiles: 0, manifest: { sources: [pick.text()] } });
    if (n.status !== 'running') catalog.finishHost(hr, n.status, archive, pick.maybe() ? pick.text() : undefined);
    if (archive && n.vanish) markVanished(catalog, '/r', [archive]);
    if (n.status !== 'running') catalog.finishRun(run, n.status);
  }
}

/** A row for every table of the schema, parents before children, every value from the pools. */
function fillFromSchema(catalog: Catalog, p: Pools): void {
  const pick = picker(p);
  const db = catalog.db;
  const specs = readCatalogSchema(db);
  const fks = new Map(specs.map((t) => [t.name, db.prepare(`PRAGMA foreign_key_list(${quoteIdent(t.name)})`).all() as Array<{ table: string; from: string; to: string }>]));
  const done = new Set<string>();
  const order: typeof specs = [];
  while (order.length < specs.length) {
    const before = order.length;
    for (const t of specs) {
      if (done.has(t.name)) continue;
      if (fks.get(t.name)!.every((f) => f.table === t.name || done.has(f.table))) {
        order.push(t);
        done.add(t.name);
      }
    }
    if (order.length === before) throw new Error('a cycle of foreign keys');
  }
  for (const t of order) {
    const info = db.prepare(`PRAGMA table_info(${quoteIdent(t.name)})`).all() as Array<{ name: string; type: string; notnull: number }>;
    for (let n = 0; n < p.rowsPerTable; n++) {
      const row: Record<string, unknown> = {};
      for (const c of info) {
        if (c.name === t.key && !t.keyIsRowid) continue; // SQLite gives the id
        const fk = fks.get(t.name)!.find((f) => f.from === c.name);
        if (fk) {
          const ids = (db.prepare(`SELECT ${quoteIdent(fk.to)} AS id FROM ${quoteIdent(fk.table)}`).all() as Array<{ id: number }>).map((r) => r.id);
          row[c.name] = ids.length > 0 && (c.notnull || !pick.maybe()) ? pick.from(ids) : null;
          continue;
        }
        if (!c.notnull && pick.maybe()) row[c.name] = null;
        else if (c.type.toUpperCase().includes('INT')) row[c.name] = pick.int();
        else if (/(_at|^since|^at|^start|mtime)$/.test(c.name)) row[c.name] = pick.date();
        else row[c.name] = pick.text();
      }
      const cols = Object.keys(row);
      // OR IGNORE: a random key that collides with an earlier row's is skipped (counted below).
      db.prepare(`INSERT OR IGNORE INTO ${quoteIdent(t.name)} (${cols.map(quoteIdent).join(', ')}) VALUES (${cols.map(() => '?').join(', ')})`).run(...cols.map((c) => row[c]));
    }
  }
  // The types the migrations do not use yet, through the same derivation.
  db.exec('CREATE TABLE zz_type_probe (id INTEGER PRIMARY KEY, i INTEGER, r REAL, t TEXT, b BLOB)');
  const probe = db.prepare('INSERT INTO zz_type_probe (i, r, t, b) VALUES (?, ?, ?, ?)');
  for (const r of p.reals) probe.run(pick.int(), r, pick.text(), pick.blob());
  probe.run(null, null, null, null);
}

describe('the catalog on PostgreSQL, random catalogs', () => {
  it('every table of a random catalog reads back from PostgreSQL as in SQLite, and the fleet reads agree', async () => {
    const rowsSeen = new Map<string, number>();
    await fc.assert(
      fc.asyncProperty(pools, async (p) => {
        const dir = makeTempDir('both-engines-');
        const catalog = Catalog.open(dir);
        try {
          fillThroughApi(catalog, p);
          fillFromSchema(catalog, p);
          for (const t of readCatalogSchema(catalog.db)) rowsSeen.set(t.name, (rowsSeen.get(t.name) ?? 0) + (catalog.db.prepare(`SELECT count(*) AS n FROM ${quoteIdent(t.name)}`).get() as { n: number }).n);
          expect(await compareDbOnPostgres(catalog.db)).toEqual([]);
        } finally {
          catalog.close();
          // Checked here: the after-test push (both-engines-setup.ts) need not push it again.
          rmSync(dirname(`${dir}/catalog.db`), { recursive: true, force: true });
        }
      }),
      { numRuns: Number(process.env.PULLBACK_FC_RUNS) || 12, endOnFailure: true, ...(process.env.PULLBACK_FC_SEED ? { seed: Number(process.env.PULLBACK_FC_SEED) } : {}) },
    );
    // Every table got rows in some case (a generator that filled nothing would prove nothing).
    expect([...rowsSeen].filter(([, n]) => n === 0)).toEqual([]);
  });
});
