// Names a main server controls (file names, archive items, dump metadata) as they may be shown on a
// terminal: a file named "\x1b]0;owned\x07" or "a\nOK b" must not retitle the window, move the cursor
// or forge an output line. Logs in JSON keep the exact name (JSON escapes it); people-facing text
// goes through here.

// C0 controls, DEL, C1 controls (0x9b is a one-byte CSI), the line and paragraph separators, and
// the bidirectional overrides and isolates that make text read differently from its bytes. And the
// backslash itself: a file named `a\nb` (four characters) must not read like `a` newline `b`.
const UNPRINTABLE = /[\\\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

const NAMED: Record<string, string> = { '\\': '\\\\', '\n': '\\n', '\r': '\\r', '\t': '\\t', '\u001b': '\\e' };

/** `text` with every control character written as an escape (\n, \r, \t, \e, \xNN, \uNNNN) and each backslash doubled; other text unchanged. */
export function printable(text: string): string {
  return text.replace(UNPRINTABLE, (c) => {
    const code = c.charCodeAt(0);
    return NAMED[c] ?? (code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`);
  });
}

