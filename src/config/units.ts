// Durations and sizes as operators write them in YAML ("26h", "512M") and as the code uses them (seconds, bytes).

/** Pattern (for the schema) of a duration string: a whole number and one of s, m, h, d. */
export const DURATION_PATTERN = '^[0-9]+ ?(s|m|h|d)$';

/** Pattern (for the schema) of a size string: a whole number and K, M, G or T (powers of 1024), optional "iB"/"B". */
export const SIZE_PATTERN = '^[0-9]+ ?([KMGT](i?B)?|B)?$';

/** Pattern (for the schema) of a percentage from 0% to 100%: "50%", "12.5%". */
export const PERCENT_PATTERN = '^(100(\\.0+)?|[0-9]{1,2}(\\.[0-9]+)?)%$';

/** The fraction (0..1) of a percentage string ("50%" is 0.5); throws on anything else. */
export function parsePercent(value: string): number {
  const m = /^([0-9]+(?:\.[0-9]+)?)%$/.exec(value);
  if (!m || Number(m[1]) > 100) throw new Error(`not a percentage: ${value}`);
  return Number(m[1]) / 100;
}

const DURATION_UNITS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400 };
const SIZE_UNITS: Record<string, number> = { '': 1, B: 1, K: 1024, M: 1024 ** 2, G: 1024 ** 3, T: 1024 ** 4 };

/** Seconds of a duration (integer seconds or "<n><s|m|h|d>"); throws on anything else. */
export function parseDuration(value: number | string): number {
  if (typeof value === 'number' && Number.isInteger(value) && value >= 0) return value;
  const m = typeof value === 'string' ? /^([0-9]+) ?(s|m|h|d)$/.exec(value) : null;
  if (!m) throw new Error(`not a duration: ${String(value)}`);
  return Number(m[1]) * DURATION_UNITS[m[2]!]!;
}

/** Bytes of a size (integer bytes or "<n><K|M|G|T>[i][B]"); throws on anything else. */
export function parseSize(value: number | string): number {
  if (typeof value === 'number' && Number.isInteger(value) && value >= 0) return value;
  const m = typeof value === 'string' ? /^([0-9]+) ?(?:([KMGT])(?:i?B)?|B)?$/.exec(value) : null;
  if (!m) throw new Error(`not a size: ${String(value)}`);
  return Number(m[1]) * SIZE_UNITS[m[2] ?? '']!;
}
