// A small shell-style glob for file names: `*` and `?` never cross a `/`, `**` does, `[...]` is a
// class. A pattern without `/` matches the last path component (as rsync and .gitignore do).

/** Whether `path` (`/`-separated, relative) matches `pattern`. */
export function globMatch(pattern: string, path: string): boolean {
  const target = pattern.includes('/') ? path : (path.split('/').at(-1) ?? path);
  return globRegExp(pattern.replace(/^\//, '')).test(target);
}

/** The anchored regular expression of a glob pattern. */
export function globRegExp(pattern: string): RegExp {
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '*') {
      if (pattern[i + 1] === '*') {
        i++;
        // `**/` also matches no directory at all.
        if (pattern[i + 1] === '/') {
          i++;
          re += '(?:.*/)?';
        } else re += '.*';
      } else re += '[^/]*';
    } else if (c === '?') re += '[^/]';
    else if (c === '[') {
      const end = pattern.indexOf(']', i + 2);
      if (end < 0) re += '\\[';
      else {
        let body = pattern.slice(i + 1, end);
        if (body.startsWith('!')) body = `^${body.slice(1)}`;
        re += `[${body.replace(/\\/g, '\\\\')}]`;
        i = end;
      }
    } else re += c.replace(/[.+^${}()|\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}
