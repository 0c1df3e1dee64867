// rsync's --max-delete: how many deletions it held back. With --max-delete=0 a pull copies every new
// and changed file but deletes nothing, and says how many deletions it skipped (exit 25, or 24/23
// when something more important happened too), so pullback can judge a mass deletion first.

/** The count in rsync's "Deletions stopped due to --max-delete limit (N skipped)", else undefined. */
export function parseSkippedDeletions(line: string): number | undefined {
  const m = /^Deletions stopped due to --max-delete limit \((\d+) skipped\)/.exec(line.trim());
  return m ? Number(m[1]) : undefined;
}

/** rsync's two lines about the --max-delete limit: the count it held back, and its closing "(code 25)". */
export function isMaxDeleteLine(line: string): boolean {
  return parseSkippedDeletions(line) !== undefined || /^rsync error: the --max-delete limit stopped deletions \(code 25\)/.test(line.trim());
}

/** The exit code to classify: 25 only says the limit we asked for held deletions back (it ranks below 23 and 24). */
export function exitWithoutDeleteLimit(exitCode: number | undefined, maxDelete: number | undefined): number | undefined {
  return maxDelete !== undefined && exitCode === 25 ? 0 : exitCode;
}
