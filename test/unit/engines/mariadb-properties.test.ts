import { describe, expect, it } from 'vitest';
import { parseMariadbProperties } from '../../../src/engines/mariadb.js';

const hex = (s: string) => Buffer.from(s, 'utf8').toString('hex').toUpperCase();

describe('parseMariadbProperties', () => {
  it("names the database's defaults and each object's character sets and collations", () => {
    const out = [
      'DATABASE\t\tlatin1\tlatin1_swedish_ci\t',
      `PROCEDURE\t${hex('p\tx')}\tutf8mb3\tutf8mb3_general_ci\tlatin1_swedish_ci`,
      `TRIGGER\t${hex('tr')}\tutf8mb4\tutf8mb4_bin\tlatin1_swedish_ci`,
    ].join('\n');
    expect(parseMariadbProperties(out)).toEqual({
      'character set': 'latin1',
      collation: 'latin1_swedish_ci',
      'procedure p\tx: character_set_client': 'utf8mb3',
      'procedure p\tx: collation_connection': 'utf8mb3_general_ci',
      'procedure p\tx: database collation': 'latin1_swedish_ci',
      'trigger tr: character_set_client': 'utf8mb4',
      'trigger tr: collation_connection': 'utf8mb4_bin',
      'trigger tr: database collation': 'latin1_swedish_ci',
    });
  });

  it('refuses a line it cannot read', () => {
    expect(() => parseMariadbProperties('DATABASE\tlatin1')).toThrow(/unexpected properties line/);
  });
});
