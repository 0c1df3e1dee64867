// Durations in people's words for dump messages (ages of dumps, max_age, dump_timeout).

/** A duration as people write it: its two largest units, e.g. `3d`, `1d 2h`, `5h 12m`, `7m 3s`, `42s`. */
export function ageText(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  const units: Array<[string, number]> = [['d', 86_400], ['h', 3_600], ['m', 60], ['s', 1]];
  for (let i = 0; i < units.length; i++) {
    const [name, size] = units[i]!;
    if (s < size && size > 1) continue;
    const next = units[i + 1];
    const minor = next ? Math.floor((s % size) / next[1]) : 0;
    return `${Math.floor(s / size)}${name}${minor > 0 ? ` ${minor}${next![0]}` : ''}`;
  }
  return '0s';
}
