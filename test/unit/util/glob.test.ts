// The glob of a dump source's `pattern`.
import { describe, expect, it } from 'vitest';
import { globMatch } from '../../../src/util/glob.js';

describe('globMatch', () => {
  it('matches names without a slash against the last component', () => {
    expect(globMatch('*.sql.gz', 'app-2024.sql.gz')).toBe(true);
    expect(globMatch('*.sql.gz', 'daily/app-2024.sql.gz')).toBe(true);
    expect(globMatch('*.sql.gz', 'app.sql')).toBe(false);
    expect(globMatch('*.sql.gz', 'app.sqlxgz')).toBe(false);
    expect(globMatch('app-????.dump', 'app-2024.dump')).toBe(true);
    expect(globMatch('[ab]*.sql', 'b.sql')).toBe(true);
    expect(globMatch('[!ab]*.sql', 'b.sql')).toBe(false);
  });

  it('keeps * within a directory and lets ** cross them', () => {
    expect(globMatch('daily/*.sql', 'daily/a.sql')).toBe(true);
    expect(globMatch('daily/*.sql', 'daily/x/a.sql')).toBe(false);
    expect(globMatch('**/*.sql', 'a.sql')).toBe(true);
    expect(globMatch('**/*.sql', 'daily/x/a.sql')).toBe(true);
    expect(globMatch('/daily/*.sql', 'daily/a.sql')).toBe(true);
  });
});
