// borg's words for a failure, picked from its stderr. borg prints an ordinary error as one line
// ("Repository /x does not exist."), but an unexpected exception (and some of its own errors) as
// "Local Exception" or the message, a Python traceback, the exception line, then a footer of
// Platform:, Linux:, Borg:, PID:, sys.argv: and SSH_ORIGINAL_COMMAND: lines (borg's sysinfo(); the
// last one is os.environ['SSH_ORIGINAL_COMMAND'], "None" outside an SSH forced command: borg's,
// not ours). The last line is then the footer's, never the reason: the reason is the exception line.
import { reasonLines } from '../../exec/stderr.js';

/** The footer borg prints after a traceback (helpers/misc.py sysinfo()). */
const FOOTER = /^(Platform: |Linux: |Borg: |PID: |sys\.argv: |SSH_ORIGINAL_COMMAND: )/;
const TRACEBACK = /^Traceback \(most recent call last\):/;
/** Lines of a traceback that are not its exception line. */
const NOT_EXCEPTION = /^(\s|Traceback |Local Exception|During handling of the above exception|The above exception was the direct cause|Exception ignored)/;
/** An exception line: a (dotted) class name at the start, then its message. */
const EXCEPTION = /^((?:[A-Za-z_]\w*\.)*)([A-Za-z_]\w*)(?:: (.*))?$/;

/**
 * What borg said went wrong, as one line ('' when it said nothing): after a traceback, its
 * exception line (a borg exception by its message alone, "Data integrity error: …"; Python's own
 * with its class, "FileNotFoundError: [Errno 2] …"); else the generic pick (exec/stderr) with the
 * footer left out. Pure.
 */
export function borgReason(tail: readonly string[], errors: readonly string[] = []): string {
  const lines = tail.map((l) => l.trimEnd());
  // The traceback's header is often out of the kept lines (a long traceback): the footer says there was one.
  if (lines.some((l) => TRACEBACK.test(l) || FOOTER.test(l))) {
    const line = [...lines].reverse().find((l) => l !== '' && !FOOTER.test(l));
    const m = line === undefined || NOT_EXCEPTION.test(line) ? null : EXCEPTION.exec(line);
    if (line !== undefined && m) return m[1]!.startsWith('borg.') && m[3] ? m[3] : line;
  }
  const kept = (ls: readonly string[]) => ls.filter((l) => !FOOTER.test(l.trim()) && !NOT_EXCEPTION.test(l) && l.trim() !== 'Local Exception');
  return reasonLines(kept(errors), kept(tail)).join(' | ');
}

/** borgReason of a finished run's captured stderr. */
export function borgReasonOf(r: { stderrTail: readonly string[]; stderrErrors?: readonly string[] }): string {
  return borgReason(r.stderrTail, r.stderrErrors ?? []);
}
