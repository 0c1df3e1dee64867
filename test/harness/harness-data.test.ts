// Self-tests of the harness's borg and database helpers against the real tools.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  borgExtract, borgList, createMariaDatabase, createPgDatabase, diffTrees, makeTempDir, mariadb, psql,
  runBorg, tableFingerprints, writeNastyTree,
} from './index.js';

describe('harness data helpers', () => {
  it('lists and extracts a borg archive with the passphrase on a file descriptor', async () => {
    const dir = makeTempDir('borg');
    const pass = join(dir, 'pass');
    writeFileSync(pass, 'correct horse battery staple\n', { mode: 0o600 });
    const repo = join(dir, 'repo');
    const src = join(dir, 'src');
    writeNastyTree(src, { bigFileBytes: 100_000 });
    await runBorg(['init', '--encryption=repokey-blake2', repo], pass);
    await runBorg(['create', '--numeric-ids', `${repo}::a1`, '.'], pass, src);
    expect(await borgList(repo, pass)).toEqual(['a1']);
    await borgExtract(repo, 'a1', join(dir, 'out'), pass);
    expect(diffTrees(src, join(dir, 'out'))).toEqual([]);
    writeFileSync(join(dir, 'wrong'), 'wrong\n');
    await expect(borgList(repo, join(dir, 'wrong'))).rejects.toThrow(/passphrase/i);
  });

  it('fingerprints PostgreSQL tables by ordered contents', async () => {
    const a = await createPgDatabase('harness_a');
    const b = await createPgDatabase('harness_b');
    const ddl = 'CREATE TABLE t (id int primary key, name text); CREATE TABLE u (x numeric);';
    await psql(a, `${ddl} INSERT INTO t VALUES (1,'a'),(2,'b'); INSERT INTO u VALUES (1.5);`);
    await psql(b, `${ddl} INSERT INTO t VALUES (2,'b'),(1,'a'); INSERT INTO u VALUES (1.5);`);
    const fa = await tableFingerprints('postgres', a);
    expect(Object.keys(fa)).toEqual(['public.t', 'public.u']);
    expect(fa['public.t']?.rows).toBe(2);
    expect(await tableFingerprints('postgres', b)).toEqual(fa);
    await psql(b, "UPDATE t SET name = 'c' WHERE id = 2;");
    expect(await tableFingerprints('postgres', b)).not.toEqual(fa);
  });

  it('fingerprints MariaDB tables by ordered contents', async () => {
    const a = await createMariaDatabase('harness_a');
    const b = await createMariaDatabase('harness_b');
    const ddl = 'CREATE TABLE t (id int primary key, name text); CREATE TABLE u (x decimal(5,2));';
    await mariadb(a, `${ddl} INSERT INTO t VALUES (1,'a'),(2,'b'); INSERT INTO u VALUES (1.5);`);
    await mariadb(b, `${ddl} INSERT INTO t VALUES (2,'b'),(1,'a'); INSERT INTO u VALUES (1.5);`);
    const fa = await tableFingerprints('mariadb', a);
    expect(fa).toMatchObject({ t: { rows: 2 }, u: { rows: 1 } });
    expect(await tableFingerprints('mariadb', b)).toEqual(fa);
    await mariadb(b, 'DELETE FROM t WHERE id = 1;');
    expect(await tableFingerprints('mariadb', b)).not.toEqual(fa);
  });
});
