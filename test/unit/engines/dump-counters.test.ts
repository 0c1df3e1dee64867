// Row counts read from dumps themselves: COPY blocks of pg_restore's output, tuples of the INSERTs
// of a mariadb-dump/mysqldump file. Fixtures are the tools' real output (mariadb-dump 10.11,
// pg_restore 15), cut down.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CopyRowCounter, parseCopyTable } from '../../../src/engines/pg-copy-counter.js';
import { InsertRowCounter } from '../../../src/engines/sql-insert-counter.js';

const PG_RESTORE_DATA_ONLY = `--
-- PostgreSQL database dump
--

SET statement_timeout = 0;
SELECT pg_catalog.set_config('search_path', '', false);

--
-- Data for Name: we"ird t; Type: TABLE DATA; Schema: My Schema; Owner: postgres
--

COPY "My Schema"."we""ird t" (id, s) FROM stdin;
1\ta\\nb\\\\.
2\t\\\\.
3\t\\N
\\.


COPY public.empty_t (id) FROM stdin;
\\.


COPY public.nocols  FROM stdin;


\\.


COPY public.part1 (id) FROM stdin;
5
6
\\.


SELECT pg_catalog.setval('public.s', 3, true);

--
-- PostgreSQL database dump complete
--
`;

function countCopy(text: string): Record<string, number> {
  const c = new CopyRowCounter();
  for (const line of text.split('\n')) c.line(line);
  return c.finish();
}

describe('CopyRowCounter', () => {
  it('counts the data lines of each COPY block, empty tables and tables without columns included', () => {
    expect(countCopy(PG_RESTORE_DATA_ONLY)).toEqual({ 'My Schema.we"ird t': 3, 'public.empty_t': 0, 'public.nocols': 2, 'public.part1': 2 });
  });

  it('throws when a COPY block never ends (the dump is cut short)', () => {
    expect(() => countCopy('COPY public.t (a) FROM stdin;\n1\n2\n')).toThrow(/public\.t ends without its \\\. terminator/);
  });

  it('throws on a COPY line it cannot read rather than guessing', () => {
    expect(() => countCopy('COPY t (a) FROM stdin;\n\\.\n')).toThrow(/unreadable COPY line/);
  });

  it('in a whole plain dump, counts only COPY ... FROM stdin blocks (a function body may start a line with COPY)', () => {
    const c = new CopyRowCounter({ plain: true });
    const plain = "CREATE FUNCTION f() RETURNS void LANGUAGE sql AS $$\nCOPY public.t TO '/tmp/x';\n$$;\nCOPY public.t (a) FROM stdin;\n1\n\\N\n\\.\n";
    for (const line of plain.split('\n')) c.line(line);
    expect(c.finish()).toEqual({ 'public.t': 2 });
  });
});

describe('parseCopyTable', () => {
  it('unquotes identifiers and ignores the column list', () => {
    expect(parseCopyTable('COPY public.pgbench_history (tid, bid, aid, delta, mtime) FROM stdin;')).toBe('public.pgbench_history');
    expect(parseCopyTable('COPY "a.b"."c ""d"" (e)" ("x y") FROM stdin;')).toBe('a.b.c "d" (e)');
    expect(parseCopyTable('COPY "Émile".tâble (a) FROM stdin;')).toBe('Émile.tâble');
    expect(parseCopyTable('COPY public.t (a) TO stdout;')).toBeUndefined();
    expect(parseCopyTable('COPY "unterminated.t (a) FROM stdin;')).toBeUndefined();
  });
});

function countSql(text: string | Buffer, split?: (n: number) => number[]): Record<string, number> {
  const buf = Buffer.isBuffer(text) ? text : Buffer.from(text, 'utf8');
  const c = new InsertRowCounter();
  const cuts = split ? split(buf.length) : [buf.length];
  let at = 0;
  for (const n of cuts) {
    c.push(buf.subarray(at, at + n));
    at += n;
  }
  c.push(buf.subarray(at));
  return c.finish();
}

const MARIADB_TAIL = readFileSync(join(import.meta.dirname, 'fixtures', 'mariadb-dump-tail.sql'));

describe('InsertRowCounter', () => {
  it("counts a real mariadb-dump: tuples one per line, quotes and escapes inside values, a trigger's and a procedure's INSERTs and the view placeholder not counted", () => {
    expect(countSql(MARIADB_TAIL)).toEqual({ 'we`ird t': 3 });
  });

  it('gives the same counts however the file is cut into chunks (down to single bytes)', () => {
    const whole = countSql(MARIADB_TAIL);
    expect(countSql(MARIADB_TAIL, (n) => Array.from({ length: n }, () => 1))).toEqual(whole);
    for (const size of [2, 3, 7, 64, 1000]) expect(countSql(MARIADB_TAIL, (n) => Array.from({ length: Math.ceil(n / size) }, () => size))).toEqual(whole);
  });

  it('registers every CREATE TABLE with 0 rows and adds up several INSERTs into one table', () => {
    const sql = [
      'CREATE TABLE `a` (\n  `id` int(11) NOT NULL\n) ENGINE=InnoDB;',
      'CREATE TABLE IF NOT EXISTS `empty` (`x` int);',
      "INSERT INTO `a` VALUES (1),(2),(3);",
      "INSERT INTO `a` VALUES (4,'x'),(5,'y');",
      'INSERT INTO `a` (`id`, `s`) VALUES (6,\'(,)\');',
      'INSERT IGNORE INTO `a` VALUES (7);',
      'REPLACE INTO `a` VALUES (8);',
      'insert into b values(1),(2);',
      'INSERT INTO `db`.`c` VALUES (1);',
      '-- Dump completed',
      '',
    ].join('\n');
    expect(countSql(sql)).toEqual({ a: 8, b: 2, c: 1, empty: 0 });
  });

  it('reads strings the way the client does: backslash escapes, doubled quotes, double quotes, no comments inside', () => {
    const sql = [
      "INSERT INTO `t` VALUES (1,'it''s ( a ),( test'),(2,'back\\\\'),(3,'\\'),(4)'),(5,\"dq ) \\\" (\"),(6,'-- no /* comment */ # here');",
      "INSERT INTO `t` VALUES (-1,--2\n0),(7,0x2829,_binary 'x',NULL,-3.5e-2);",
      '',
    ].join('\n');
    // (3,'\'),(4)') is one tuple; `--2` is not a comment (no space after --).
    expect(countSql(sql)).toEqual({ t: 7 });
  });

  it('skips comments of every kind, versioned /*! */ comments included', () => {
    const sql = [
      '/*!40101 INSERT INTO `x` VALUES (1),(2) */;',
      '/*M!999999\\- enable the sandbox mode */',
      '# INSERT INTO `x` VALUES (1);',
      '-- INSERT INTO `x` VALUES (1);',
      'INSERT /* a */ INTO /* b */ `t` VALUES /* (9) */ (1); -- (2)',
      '',
    ].join('\n');
    expect(countSql(sql)).toEqual({ t: 1 });
  });

  it('ignores everything between DELIMITER ;; and DELIMITER ; (routine bodies)', () => {
    const sql = [
      'DELIMITER ;;',
      'CREATE PROCEDURE `p`()',
      'BEGIN',
      '  SELECT 1;',
      "  INSERT INTO t VALUES (1),(2);",
      "  SELECT 'DELIMITER ;';",
      'END ;;',
      'DELIMITER ;',
      'INSERT INTO `t` VALUES (3);',
      '',
    ].join('\n');
    expect(countSql(sql)).toEqual({ t: 1 });
  });

  it('decodes backquoted names (`` is one backquote) and UTF-8', () => {
    expect(countSql('CREATE TABLE `a``b c` (x int);\nINSERT INTO `a``b c` VALUES (1);\nINSERT INTO `tâble` VALUES (1),(2);\n')).toEqual({ 'a`b c': 1, tâble: 2 });
  });

  it('throws when the dump ends inside an INSERT, a string or a comment', () => {
    expect(() => countSql("INSERT INTO `t` VALUES (1),(2")).toThrow(/inside an INSERT into t/);
    expect(() => countSql("INSERT INTO `t` VALUES (1,'abc")).toThrow(/inside a quoted string/);
    expect(() => countSql('/*!40101 SET x=1')).toThrow(/inside a \/\* comment/);
  });
});
