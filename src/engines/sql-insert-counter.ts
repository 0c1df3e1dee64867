// Row counts read from a MariaDB/MySQL SQL dump itself: every `CREATE TABLE` names a table (0 rows
// until its INSERTs are seen) and every `INSERT INTO t [(cols)] VALUES (...),(...);` adds one row
// per tuple. The dump is scanned as bytes, in chunks, the way the mysql client reads it: strings
// ('...' and "..." with backslash escapes), `identifiers`, -- and # line comments, /* */ comments
// (mysqldump's /*!NNNNN ... */ hold no data: the view placeholders inside them are not tables), and
// DELIMITER lines (routine and trigger bodies between `DELIMITER ;;` and `DELIMITER ;` are never
// data). A dump is one pass, however long its lines.

const enum Mode {
  Code,
  SingleQuote,
  DoubleQuote,
  Backtick,
  LineComment,
  BlockComment,
  DelimiterLine,
}

type Token = { kind: 'word' | 'ident'; text: string } | { kind: 'punct'; text: string };

const NL = 0x0a;
const BACKSLASH = 0x5c;

function isWordByte(b: number): boolean {
  return (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5a) || (b >= 0x61 && b <= 0x7a) || b === 0x5f || b === 0x24 || b >= 0x80;
}

/** Counts rows per table in an SQL dump fed as byte chunks; `finish()` gives the counts. */
export class InsertRowCounter {
  private readonly counts = new Map<string, number>();
  private mode = Mode.Code;
  private escaped = false;
  /** A byte whose meaning depends on the next one: '/' (comment?), '-' or '--' (comment?), '*' in a comment, '`' in an identifier. */
  private pending: 'slash' | 'dash' | 'dashdash' | 'star' | 'btick' | undefined;
  private delimiter = ';';
  private lineStart = true;

  private word: number[] = [];
  private inWord = false;
  private keepWord = false;
  private wordAtLineStart = false;
  private ident: number[] = [];
  private delimiterLine: number[] = [];

  // The statement being read.
  private head: Token[] = [];
  private kind: 'unknown' | 'insert' | 'create' | 'other' = 'unknown';
  private table: string | undefined;
  private inValues = false;
  private depth = 0;
  private tuples = 0;

  /** Feeds the next chunk of the file. */
  push(chunk: Uint8Array): void {
    const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length);
    for (let i = 0; i < buf.length; i++) {
      // Inside a string only its closing quote and backslashes matter: jump to the next one.
      if ((this.mode === Mode.SingleQuote || this.mode === Mode.DoubleQuote) && !this.escaped) {
        const q = buf.indexOf(this.mode === Mode.SingleQuote ? 0x27 : 0x22, i);
        const bs = buf.indexOf(BACKSLASH, i);
        const next = q < 0 ? bs : bs < 0 ? q : Math.min(q, bs);
        if (next < 0) return;
        i = next;
      }
      this.byte(buf[i]!);
    }
  }

  /** The row count per table; throws Error when the dump ends inside a string, comment or INSERT. */
  finish(): Record<string, number> {
    this.flushPending();
    this.flushWord();
    if (this.mode === Mode.SingleQuote || this.mode === Mode.DoubleQuote || this.mode === Mode.Backtick) {
      throw new Error('the dump ends inside a quoted string or name: it is cut short');
    }
    if (this.mode === Mode.BlockComment) throw new Error('the dump ends inside a /* comment */: it is cut short');
    if (this.kind === 'insert') throw new Error(`the dump ends inside an INSERT into ${this.table ?? 'a table'}: it is cut short`);
    const out: Record<string, number> = {};
    for (const [t, n] of [...this.counts].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))) out[t] = n;
    return out;
  }

  private byte(b: number): void {
    switch (this.mode) {
      case Mode.SingleQuote:
      case Mode.DoubleQuote: {
        if (this.escaped) this.escaped = false;
        else if (b === BACKSLASH) this.escaped = true;
        // A doubled quote ('it''s') reads as the string ending and another starting: same effect here.
        else if (b === (this.mode === Mode.SingleQuote ? 0x27 : 0x22)) this.mode = Mode.Code;
        return;
      }
      case Mode.Backtick: {
        if (this.pending === 'btick') {
          this.pending = undefined;
          if (b === 0x60) {
            this.ident.push(b); // `` is a literal backtick
            return;
          }
          this.mode = Mode.Code;
          this.token({ kind: 'ident', text: Buffer.from(this.ident).toString('utf8') });
          this.code(b);
          return;
        }
        if (b === 0x60) this.pending = 'btick';
        else this.ident.push(b);
        return;
      }
      case Mode.LineComment:
        if (b === NL) {
          this.mode = Mode.Code;
          this.lineStart = true;
        }
        return;
      case Mode.BlockComment:
        if (this.pending === 'star' && b === 0x2f) {
          this.pending = undefined;
          this.mode = Mode.Code;
          return;
        }
        this.pending = b === 0x2a ? 'star' : undefined;
        return;
      case Mode.DelimiterLine:
        if (b === NL) {
          const d = Buffer.from(this.delimiterLine).toString('utf8').trim();
          if (d !== '') this.delimiter = d;
          this.delimiterLine = [];
          this.mode = Mode.Code;
          this.lineStart = true;
          this.resetStatement();
        } else this.delimiterLine.push(b);
        return;
      default:
        this.code(b);
    }
  }

  private code(b: number): void {
    if (this.pending === 'slash') {
      this.pending = undefined;
      if (b === 0x2a) {
        this.mode = Mode.BlockComment;
        return;
      }
      this.punct('/');
    } else if (this.pending === 'dash') {
      this.pending = undefined;
      if (b === 0x2d) {
        this.pending = 'dashdash';
        return;
      }
      this.punct('-');
    } else if (this.pending === 'dashdash') {
      this.pending = undefined;
      // `--` starts a comment only when followed by whitespace or a control character.
      if (b <= 0x20) {
        this.mode = Mode.LineComment;
        if (b === NL) this.byte(b);
        return;
      }
      this.punct('-');
      this.punct('-');
    }

    if (isWordByte(b)) {
      if (!this.inWord) {
        this.inWord = true;
        this.wordAtLineStart = this.lineStart;
        // Words inside the tuples of an INSERT (numbers, 0x... blobs, NULL) are never looked at.
        this.keepWord = !(this.kind === 'insert' && this.depth > 0) && !(this.kind === 'other' && this.delimiter === ';');
      }
      if (this.keepWord) this.word.push(b);
      this.lineStart = false;
      return;
    }
    if (this.flushWord()) {
      // A DELIMITER line: the rest of the line (this byte included) is the new delimiter.
      if (b === NL) {
        this.lineStart = true;
        return;
      }
      this.delimiterLine = [b];
      this.mode = Mode.DelimiterLine;
      return;
    }
    if (b === NL) {
      this.lineStart = true;
      return;
    }
    if (b === 0x20 || b === 0x09 || b === 0x0d) return;
    this.lineStart = false;
    switch (b) {
      case 0x27:
        this.mode = Mode.SingleQuote;
        this.value();
        return;
      case 0x22:
        this.mode = Mode.DoubleQuote;
        this.value();
        return;
      case 0x60:
        this.mode = Mode.Backtick;
        this.ident = [];
        return;
      case 0x23:
        this.mode = Mode.LineComment;
        return;
      case 0x2f:
        this.pending = 'slash';
        return;
      case 0x2d:
        this.pending = 'dash';
        return;
      default:
        this.punct(String.fromCharCode(b));
    }
  }

  private flushPending(): void {
    if (this.mode === Mode.Backtick && this.pending === 'btick') {
      this.pending = undefined;
      this.mode = Mode.Code;
      this.token({ kind: 'ident', text: Buffer.from(this.ident).toString('utf8') });
    }
  }

  /** Ends the word being read; true when it was a DELIMITER command. */
  private flushWord(): boolean {
    if (!this.inWord) return false;
    this.inWord = false;
    if (!this.keepWord) return false;
    const text = Buffer.from(this.word).toString('utf8');
    this.word = [];
    const statementStart = this.delimiter !== ';' || (this.head.length === 0 && this.kind === 'unknown');
    if (this.wordAtLineStart && statementStart && text.toUpperCase() === 'DELIMITER') return true;
    this.token({ kind: 'word', text });
    return false;
  }

  private punct(c: string): void {
    if (this.delimiter === ';' && c === ';') {
      this.endStatement();
      return;
    }
    if (c === '(') {
      if (this.kind === 'unknown' && this.depth === 0) this.decide(true);
      if (this.kind === 'insert' && this.inValues && this.depth === 0) this.tuples++;
      this.depth++;
      return;
    }
    if (c === ')') {
      if (this.depth > 0) this.depth--;
      return;
    }
    this.token({ kind: 'punct', text: c });
  }

  /** A string literal: part of the statement, never part of its head. */
  private value(): void {
    if (this.kind === 'unknown' && this.depth === 0) this.decide(false);
  }

  private token(t: Token): void {
    if (this.delimiter !== ';' || this.depth > 0) return;
    if (this.kind === 'insert' && !this.inValues && t.kind === 'word' && /^VALUES?$/i.test(t.text)) {
      this.inValues = true;
      return;
    }
    if (this.kind !== 'unknown') return;
    if (t.kind === 'word' && /^VALUES?$/i.test(t.text) && isInsert(this.head)) {
      this.decide(false);
      this.inValues = (this.kind as string) === 'insert';
      return;
    }
    this.head.push(t);
    if (this.head.length > 16) this.kind = 'other';
  }

  /** Classifies the statement from its head, at its first `(` (`paren`) or first value. */
  private decide(paren: boolean): void {
    const name = tableName(this.head);
    if (isInsert(this.head) && name !== undefined) {
      this.kind = 'insert';
      this.table = name;
      // `INSERT INTO t (a, b) VALUES`: the column list is not a tuple.
      return;
    }
    if (paren && isCreateTable(this.head) && name !== undefined) {
      if (!this.counts.has(name)) this.counts.set(name, 0);
    }
    this.kind = 'other';
  }

  private endStatement(): void {
    if (this.kind === 'unknown' && isCreateTable(this.head)) {
      const name = tableName(this.head);
      if (name !== undefined && !this.counts.has(name)) this.counts.set(name, 0);
    }
    if (this.kind === 'insert' && this.table !== undefined) this.counts.set(this.table, (this.counts.get(this.table) ?? 0) + this.tuples);
    this.resetStatement();
  }

  private resetStatement(): void {
    this.head = [];
    this.kind = 'unknown';
    this.table = undefined;
    this.inValues = false;
    this.depth = 0;
    this.tuples = 0;
  }
}

const upper = (t: Token | undefined) => (t && t.kind === 'word' ? t.text.toUpperCase() : undefined);

function isInsert(head: readonly Token[]): boolean {
  const first = upper(head[0]);
  return first === 'INSERT' || first === 'REPLACE';
}

function isCreateTable(head: readonly Token[]): boolean {
  if (upper(head[0]) !== 'CREATE') return false;
  for (const t of head.slice(1)) {
    const w = upper(t);
    if (w === 'TABLE') return true;
    if (w !== 'OR' && w !== 'REPLACE' && w !== 'TEMPORARY') return false;
  }
  return false;
}

const MODIFIERS = new Set(['LOW_PRIORITY', 'DELAYED', 'HIGH_PRIORITY', 'IGNORE', 'INTO', 'TABLE', 'IF', 'NOT', 'EXISTS', 'OR', 'REPLACE', 'TEMPORARY', 'CREATE', 'INSERT']);

/** The (last part of the) table name in an INSERT or CREATE TABLE head: `db`.`t` is t. */
function tableName(head: readonly Token[]): string | undefined {
  let i = 1;
  while (i < head.length && head[i]!.kind === 'word' && MODIFIERS.has(upper(head[i])!)) i++;
  let name: string | undefined;
  for (; i < head.length; i++) {
    const t = head[i]!;
    if (t.kind === 'punct') {
      if (t.text !== '.' || name === undefined) return undefined;
      continue;
    }
    if (name !== undefined && head[i - 1]!.kind !== 'punct') return undefined;
    name = t.text;
  }
  return name;
}
