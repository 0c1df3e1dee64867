// Row counts read from a PostgreSQL dump itself: `pg_restore --data-only --file=-` prints each
// table's data as `COPY schema.table (cols) FROM stdin;`, one line per row (newlines inside values
// are escaped), then `\.`. Counting those lines gives exactly what the dump holds, whatever was
// written to the database while it ran.

/** Counts COPY data lines per table (`schema.table`, as pullback's row counts name tables), fed one line at a time. */
export class CopyRowCounter {
  private readonly counts: Record<string, number> = {};
  private table: string | undefined;
  private problem: string | undefined;

  /**
   * `plain`: the lines are a whole plain SQL dump, where a function body may hold a line starting
   * with `COPY ` that is not a data block: only `COPY ... FROM stdin;` lines start one.
   */
  constructor(private readonly opts: { plain?: boolean } = {}) {}

  /** Feeds one line of pg_restore's output (without its newline). */
  line(line: string): void {
    if (this.problem) return;
    if (this.table !== undefined) {
      if (line === '\\.') this.table = undefined;
      else this.counts[this.table]! += 1;
      return;
    }
    if (!line.startsWith('COPY ')) return;
    const name = parseCopyTable(line);
    if (name === undefined) {
      if (this.opts.plain) return;
      this.problem = `unreadable COPY line in the dump: ${JSON.stringify(line.slice(0, 200))}`;
      return;
    }
    this.table = name;
    this.counts[name] = this.counts[name] ?? 0;
  }

  /** The counts; throws Error when a COPY block never ended or a COPY line could not be read. */
  finish(): Record<string, number> {
    if (this.problem) throw new Error(this.problem);
    if (this.table !== undefined) throw new Error(`the data of ${this.table} ends without its \\. terminator: the dump is cut short`);
    return { ...this.counts };
  }
}

/**
 * The `schema.table` of a `COPY <name> [(<columns>)] FROM stdin;` line, identifiers unquoted
 * (`"a ""b"""` is `a "b"`); undefined when the line is not such a statement.
 */
export function parseCopyTable(line: string): string | undefined {
  let i = 'COPY '.length;
  const parts: string[] = [];
  for (;;) {
    const id = readIdent(line, i);
    if (!id) return undefined;
    parts.push(id.name);
    i = id.end;
    if (line[i] !== '.') break;
    i++;
  }
  if (parts.length !== 2) return undefined;
  const rest = line.slice(i);
  if (!/^(?: \(.*\))? +FROM stdin;$/.test(rest)) return undefined;
  return `${parts[0]}.${parts[1]}`;
}

function readIdent(line: string, start: number): { name: string; end: number } | undefined {
  if (line[start] === '"') {
    let name = '';
    for (let i = start + 1; i < line.length; i++) {
      if (line[i] !== '"') {
        name += line[i];
        continue;
      }
      if (line[i + 1] === '"') {
        name += '"';
        i++;
        continue;
      }
      return { name, end: i + 1 };
    }
    return undefined;
  }
  // pg_dump quotes every identifier that is not plain lower case, digits, _ and $ (and not a keyword).
  const m = /^[^\s."(]+/.exec(line.slice(start));
  return m ? { name: m[0], end: start + m[0].length } : undefined;
}
