// Names and paths given on the command line, checked by the same rules as the configuration:
// a host or source name becomes a directory name and an archive name prefix, an archive name is
// one pullback made, a local folder has no control characters. Each check throws UsageError (exit 2).
import { UsageError } from '../errors.js';
import { printable } from '../util/printable.js';
import { NAME_PATTERN, NAME_RULE } from './defaults.js';

const NAME = new RegExp(NAME_PATTERN);
/** Archive names pullback makes: `<host>-<UTC stamp>` and `<host>-pre-restore-<UTC stamp>`, so the name rule, a little longer. */
const ARCHIVE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,199}$/;
const CONTROL = /[\u0000-\u001f\u007f]/;

/** `value` when it is a valid host or source name; throws UsageError naming `flag` and the rule. */
export function checkNameArg(flag: string, value: string): string {
  if (!NAME.test(value)) throw new UsageError(`${flag}: '${printable(value)}' is not a valid name (${NAME_RULE})`);
  return value;
}

/** `value` when it can be the name of an archive pullback made; throws UsageError otherwise. */
export function checkArchiveArg(flag: string, value: string): string {
  if (!ARCHIVE_NAME.test(value)) {
    throw new UsageError(`${flag}: '${printable(value)}' is not an archive name (archive names are letters, digits, ".", "_" and "-", as 'pullback list' shows them)`);
  }
  return value;
}

/** `value` when it is a usable local path (not empty, no control characters); throws UsageError otherwise. */
export function checkLocalPathArg(flag: string, value: string): string {
  if (value === '' || CONTROL.test(value)) throw new UsageError(`${flag}: '${printable(value)}' is not a usable path (empty, or holds control characters such as a newline)`);
  return value;
}
