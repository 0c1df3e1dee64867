// `borg diff --json-lines REPO::A B [PATH]`: what changed between two archives, by chunk ids (a file
// whose content changed is modified even when its size and time are the same), one JSON line per
// path (a path may hold a newline: JSON keeps it), streamed.
import { LOCK_WAIT } from './flags.js';
import { borgFailure, runBorg, type BorgContext } from './run.js';

export interface DiffEntry {
  path: string;
  kind: 'added' | 'deleted' | 'modified';
  /** What changed, for people (`content +5 B -2 B`, `mode -rw-r--r-- -> -rw-------`, `time`). */
  detail: string;
}

/** The argv; `paths` limit the comparison (borg's path prefixes). */
export function buildDiffArgs(repo: string, a: string, b: string, paths: readonly string[] = []): string[] {
  return ['diff', ...LOCK_WAIT, '--json-lines', `${repo}::${a}`, b, ...(paths.length ? ['--', ...paths] : [])];
}

type Change = { type: string; added?: number; removed?: number; size?: number; old_mode?: string; new_mode?: string; old_user?: string; new_user?: string; old_group?: string; new_group?: string };

/** One line of borg's output as an entry; undefined for a line that only says the ctime changed (not something a restore puts back). */
export function parseDiffLine(line: string): DiffEntry | undefined {
  const j = JSON.parse(line) as { path: string; changes: Change[] };
  const changes = j.changes.filter((c) => c.type !== 'ctime');
  if (changes.length === 0) return undefined;
  const types = changes.map((c) => c.type);
  if (types.some((t) => t.startsWith('added'))) return { path: j.path, kind: 'added', detail: words(changes) };
  if (types.some((t) => t.startsWith('removed'))) return { path: j.path, kind: 'deleted', detail: words(changes) };
  return { path: j.path, kind: 'modified', detail: words(changes) };
}

function words(changes: readonly Change[]): string {
  return changes
    .map((c) => {
      if (c.type === 'modified') return c.added || c.removed ? `content +${c.added ?? 0} B -${c.removed ?? 0} B` : 'metadata';
      if (c.type === 'mode') return `mode ${c.old_mode} -> ${c.new_mode}`;
      if (c.type === 'owner') return `owner ${c.old_user}:${c.old_group} -> ${c.new_user}:${c.new_group}`;
      if (c.type === 'mtime') return 'time';
      if (c.type === 'added' || c.type === 'removed') return c.size !== undefined ? `${c.size} B` : '';
      return c.type.replace(/^(added|removed) /, '');
    })
    .filter((w) => w !== '' && w !== 'metadata')
    .join(', ');
}

/** The changes from `a` to `b` (limited to `paths`), in borg's order; throws ToolError. */
export async function diffArchives(ctx: BorgContext, repo: string, a: string, b: string, paths: readonly string[] = []): Promise<DiffEntry[]> {
  const out: DiffEntry[] = [];
  const r = await runBorg(ctx, buildDiffArgs(repo, a, b, paths), {
    quiet: true,
    onStdoutLine: (l) => {
      if (l.trim() === '') return;
      const e = parseDiffLine(l);
      // pullback's own manifest differs in every archive: not a change of the host's files.
      if (e && e.path !== '.pullback' && !e.path.startsWith('.pullback/')) out.push(e);
    },
  });
  if (r.verdict.kind === 'failed') throw borgFailure(r, `borg diff ${a} ${b}`);
  return out;
}
