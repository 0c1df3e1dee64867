// Repeated identical problems told once: a host that fails the same way every night (or every
// retry of a schedule) would otherwise fill the morning report with the same line. A group is one
// distinct (step, source, message), with how often, and when first and last. Pure.

/** One failure or warning as the report gathers it (data.ts). */
export interface Note {
  run_id: number;
  step: string;
  source: string | null;
  message: string;
  /** When the step started (ISO, UTC). */
  at: string;
  /** Warnings only: transport retries beyond the first attempt. */
  retries?: number;
}

export interface NoteGroup {
  step: string;
  source: string | null;
  message: string;
  /** Warnings only: the retries of the group's notes (part of what makes them identical). */
  retries?: number;
  count: number;
  first_at: string;
  last_at: string;
  first_run_id: number;
  last_run_id: number;
}

/** `notes` grouped by step, source, message (and retries), in the order each group first appeared; times compared as instants. */
export function groupNotes(notes: readonly Note[]): NoteGroup[] {
  const groups = new Map<string, NoteGroup>();
  for (const n of notes) {
    const key = JSON.stringify([n.step, n.source, n.message, n.retries ?? null]);
    const g = groups.get(key);
    if (!g) {
      groups.set(key, {
        step: n.step,
        source: n.source,
        message: n.message,
        ...(n.retries !== undefined ? { retries: n.retries } : {}),
        count: 1,
        first_at: n.at,
        last_at: n.at,
        first_run_id: n.run_id,
        last_run_id: n.run_id,
      });
      continue;
    }
    g.count += 1;
    if (Date.parse(n.at) < Date.parse(g.first_at)) [g.first_at, g.first_run_id] = [n.at, n.run_id];
    if (Date.parse(n.at) >= Date.parse(g.last_at)) [g.last_at, g.last_run_id] = [n.at, n.run_id];
  }
  return [...groups.values()];
}

/** What is said of a repeated failure or warning: how often, and first and last (`time` formats the times); undefined for one. */
export function repeatedText(g: NoteGroup, time: (iso: string) => string): { count: string; when: string } | undefined {
  if (g.count === 1) return undefined;
  return { count: `${g.count} times`, when: `first ${time(g.first_at)} (run ${g.first_run_id}), last ${time(g.last_at)} (run ${g.last_run_id})` };
}

/** Consecutive equal words told once with their count: `run failed (7 times)`. */
export function collapseRepeats(words: readonly string[]): string[] {
  const out: Array<{ word: string; n: number }> = [];
  for (const w of words) {
    const last = out.at(-1);
    if (last?.word === w) last.n += 1;
    else out.push({ word: w, n: 1 });
  }
  return out.map((x) => (x.n === 1 ? x.word : `${x.word} (${x.n} times)`));
}
