// Which archive a drill restores from: the newest, a named one, or a random one weighted toward
// recent archives (recent backups are the ones a restore would use, so they are drilled most).
import { checkArchiveArg } from '../config/names.js';
import { UsageError } from '../errors.js';
import type { Random } from './random.js';

export type ArchiveChoice = { kind: 'latest' } | { kind: 'random' } | { kind: 'named'; name: string };

/** Parses --archive (latest | random | NAME); undefined means random. */
export function parseArchiveChoice(value: string | undefined): ArchiveChoice {
  if (value === undefined || value === 'random') return { kind: 'random' };
  if (value === 'latest') return { kind: 'latest' };
  if (value.trim() === '') throw new UsageError('--archive needs latest, random or an archive name');
  return { kind: 'named', name: checkArchiveArg('--archive', value) };
}

/** Weight of the archive of recency `rank` (0 = newest): 1/(rank+1). */
export function archiveWeight(rank: number): number {
  return 1 / (rank + 1);
}

/**
 * The archive to drill among `names` (oldest first, as borg lists them); undefined when there is
 * none. A named archive must be among `names`.
 */
export function pickArchive(names: readonly string[], choice: ArchiveChoice, rand: Random): string | undefined {
  if (names.length === 0) return undefined;
  if (choice.kind === 'named') return names.includes(choice.name) ? choice.name : undefined;
  const newestFirst = [...names].reverse();
  if (choice.kind === 'latest') return newestFirst[0];
  const weights = newestFirst.map((_, rank) => archiveWeight(rank));
  const total = weights.reduce((s, w) => s + w, 0);
  let x = rand() * total;
  for (let i = 0; i < newestFirst.length; i++) {
    x -= weights[i]!;
    if (x < 0) return newestFirst[i];
  }
  return newestFirst[newestFirst.length - 1];
}
