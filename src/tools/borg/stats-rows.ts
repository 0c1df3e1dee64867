// Reading the size table that `borg prune --stats` (and create, delete) prints on stderr.

const UNITS: Record<string, number> = { B: 1, kB: 1e3, MB: 1e6, GB: 1e9, TB: 1e12, PB: 1e15, KiB: 1024, MiB: 1024 ** 2, GiB: 1024 ** 3, TiB: 1024 ** 4, PiB: 1024 ** 5 };

/** A size as `borg ... --stats` prints it ("-25.04 kB", "35.85 MB", "0 B"), in bytes (its sign dropped); undefined if not one. */
export function parseBorgSize(text: string): number | undefined {
  const m = /^-?(\d+(?:\.\d+)?) ([kMGTP]i?B|B)$/.exec(text.trim());
  if (!m || UNITS[m[2]!] === undefined) return undefined;
  return Math.round(Number(m[1]) * UNITS[m[2]!]!);
}

/**
 * The deduplicated size of a `--stats` row ("Deleted data:  -207.57 MB  -71.67 MB  -25.04 kB"):
 * its last column; undefined when the line is not that row.
 */
export function statsRowDeduplicated(line: string, row: 'Deleted data' | 'All archives'): number | undefined {
  if (!line.startsWith(`${row}:`)) return undefined;
  const sizes = [...line.slice(row.length + 1).matchAll(/-?\d+(?:\.\d+)? (?:[kMGTP]i?B|B)/g)].map((m) => m[0]);
  return sizes.length === 3 ? parseBorgSize(sizes[2]!) : undefined;
}
