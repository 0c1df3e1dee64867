// One table's statements taken out of a mariadb-dump/mysqldump file, read line by line (a dump of
// many gigabytes is never held in memory): the dump's session settings (character set, time zone,
// checks), then the table's DROP/CREATE and its rows, up to where its triggers or the next table
// begin. Its foreign keys are left out (they name tables of the dumped database that the scratch
// database does not have, and their names would clash with the live table's), and so are its
// triggers (their names are unique per database): a restored copy holds columns, keys and rows.
import { createReadStream, createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { myIdent } from '../../engines/mariadb-argv.js';

export interface Extracted {
  /** Whether the dump holds the table's CREATE TABLE. */
  found: boolean;
  /** The foreign keys left out of the CREATE TABLE, as the dump wrote them (trimmed). */
  foreignKeys: string[];
  /** Whether the dump holds triggers of the table (left out). */
  triggers: boolean;
}

/** Lines that end a table's part of the dump: another object, its triggers, the trailer. */
const SECTION_END = /^(-- (Table structure for table|Temporary table structure for view|Final view structure for view|Dumping events for database|Dumping routines for database) |DELIMITER |\/\*!50003 |\/\*!40103 SET TIME_ZONE=@OLD_TIME_ZONE)/;
const SECTION_START = '-- Table structure for table ';
const FOREIGN_KEY = /^\s*CONSTRAINT .* FOREIGN KEY /;

/** Writes the statements of `table` from the dump `dumpFile` to `outFile` (see the file comment). */
export async function extractMysqlTable(dumpFile: string, table: string, outFile: string): Promise<Extracted> {
  const out = createWriteStream(outFile, { mode: 0o600 });
  const write = async (line: string) => {
    if (!out.write(`${line}\n`)) await once(out, 'drain');
  };
  const marker = `${SECTION_START}${myIdent(table)}`;
  const createLine = `CREATE TABLE ${myIdent(table)} (`;
  const foreignKeys: string[] = [];
  let state: 'header' | 'skip' | 'section' = 'header';
  let inCreate = false;
  let found = false;
  let triggers = false;
  // The CREATE TABLE's last body line is held back until the next one shows whether its comma stays.
  let held: string | undefined;
  const lines = createInterface({ input: createReadStream(dumpFile), crlfDelay: Infinity });
  try {
    for await (const line of lines) {
      if (state === 'section') {
        if (SECTION_END.test(line)) {
          if (line.startsWith('DELIMITER ') || line.startsWith('/*!50003 ')) triggers = true;
          break;
        }
        if (inCreate) {
          if (FOREIGN_KEY.test(line)) {
            foreignKeys.push(line.trim().replace(/,$/, ''));
            continue;
          }
          if (line.startsWith(')')) {
            if (held !== undefined) await write(held.replace(/,$/, ''));
            held = undefined;
            inCreate = false;
            await write(line);
            continue;
          }
          if (held !== undefined) await write(held);
          held = line;
          continue;
        }
        if (line === createLine) {
          found = true;
          inCreate = true;
        }
        await write(line);
        continue;
      }
      if (line === marker) {
        state = 'section';
        await write('--');
        await write(line);
        continue;
      }
      if (line.startsWith(SECTION_START)) {
        state = 'skip';
        continue;
      }
      // The dump's session settings before its first table: kept, so the rows load as they were dumped.
      if (state === 'header' && (line.startsWith('/*!') || line.startsWith('SET '))) await write(line);
    }
  } finally {
    lines.close();
    out.end();
    await once(out, 'close');
  }
  return { found, foreignKeys, triggers };
}
