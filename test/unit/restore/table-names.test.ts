// restore --table: which table of the dump a name means, the copy's default name, and one table's
// statements taken out of a mariadb-dump file (foreign keys and triggers left out).
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaultCopyName, keptRowsName, resolveTable, tableNameProblem } from '../../../src/restore/table/names.js';
import { extractMysqlTable } from '../../../src/restore/table/mysql-extract.js';

describe('resolveTable', () => {
  const pg = ['public.orders', 'shop.orders', 'public.users'];
  it('postgres: TABLE means public.TABLE; SCHEMA.TABLE is exact', () => {
    expect(resolveTable('postgres', 'orders', 'app', pg)).toEqual({ ok: true, name: { schema: 'public', table: 'orders', key: 'public.orders' } });
    expect(resolveTable('postgres', 'shop.orders', 'app', pg)).toEqual({ ok: true, name: { schema: 'shop', table: 'orders', key: 'shop.orders' } });
  });
  it('names the similar tables when the dump lacks one', () => {
    const r = resolveTable('postgres', 'order', 'app', pg);
    expect(r).toEqual({ ok: false, problem: 'the dump of app holds no table "order" (similar: "public.orders", "shop.orders")' });
  });
  it('mariadb: TABLE, or DATABASE.TABLE of the dumped database', () => {
    expect(resolveTable('mariadb', 'shop.orders', 'shop', ['orders'])).toEqual({ ok: true, name: { table: 'orders', key: 'orders' } });
    expect(resolveTable('mariadb', 'a.b', 'shop', ['a.b'])).toEqual({ ok: true, name: { table: 'a.b', key: 'a.b' } });
  });
});

describe('copy names', () => {
  it('TABLE_restored_YYYYMMDD of the dump day, within the identifier limit, never cutting a character', () => {
    expect(defaultCopyName('postgres', 'orders', new Date('2026-12-06T23:10:00Z'))).toBe('orders_restored_20261206');
    const long = defaultCopyName('postgres', 'é'.repeat(40), new Date('2026-12-06T00:00:00Z'));
    expect(Buffer.byteLength(long)).toBeLessThanOrEqual(63);
    expect(long).toMatch(/^(é)+_restored_20261206$/);
    expect(keptRowsName('mariadb', 'orders', new Date('2026-12-07T18:30:05Z'))).toBe('orders_before_20261207T183005');
    expect(tableNameProblem('postgres', 'x'.repeat(64))).toContain('longer than 63 bytes');
    expect(tableNameProblem('mariadb', 'ok name')).toBeUndefined();
  });
});

describe('extractMysqlTable', () => {
  const dump = [
    '/*M!999999\\- enable the sandbox mode */ ',
    '-- MariaDB dump 10.19',
    '/*!40101 SET NAMES utf8mb4 */;',
    '/*!40014 SET @OLD_FOREIGN_KEY_CHECKS=@@FOREIGN_KEY_CHECKS, FOREIGN_KEY_CHECKS=0 */;',
    '',
    '--',
    '-- Table structure for table `a`',
    '--',
    'CREATE TABLE `a` (',
    '  `id` int(11) NOT NULL',
    ') ENGINE=InnoDB;',
    'INSERT INTO `a` VALUES (1);',
    '',
    '--',
    '-- Table structure for table `orders`',
    '--',
    '',
    'DROP TABLE IF EXISTS `orders`;',
    'CREATE TABLE `orders` (',
    '  `id` int(11) NOT NULL AUTO_INCREMENT,',
    '  `pid` int(11) DEFAULT NULL,',
    '  PRIMARY KEY (`id`),',
    '  KEY `fk_o` (`pid`),',
    '  CONSTRAINT `fk_o` FOREIGN KEY (`pid`) REFERENCES `p` (`id`)',
    ') ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;',
    'LOCK TABLES `orders` WRITE;',
    'INSERT INTO `orders` VALUES',
    "(1,1),",
    "(2,1);",
    'UNLOCK TABLES;',
    '/*!50003 SET @saved_cs_client      = @@character_set_client */ ;',
    'DELIMITER ;;',
    '/*!50003 CREATE*/ /*!50003 trigger t before insert on orders for each row set new.pid=new.pid */;;',
    'DELIMITER ;',
    '',
    '--',
    '-- Table structure for table `p`',
    '--',
    'CREATE TABLE `p` (`id` int) ENGINE=InnoDB;',
  ].join('\n');

  it('keeps the session settings and exactly the table\'s statements, without its foreign keys and triggers', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'extract-'));
    writeFileSync(join(dir, 'd.sql'), dump);
    const got = await extractMysqlTable(join(dir, 'd.sql'), 'orders', join(dir, 'out.sql'));
    expect(got).toEqual({ found: true, foreignKeys: ['CONSTRAINT `fk_o` FOREIGN KEY (`pid`) REFERENCES `p` (`id`)'], triggers: true });
    expect(readFileSync(join(dir, 'out.sql'), 'utf8')).toBe(
      [
        '/*!40101 SET NAMES utf8mb4 */;',
        '/*!40014 SET @OLD_FOREIGN_KEY_CHECKS=@@FOREIGN_KEY_CHECKS, FOREIGN_KEY_CHECKS=0 */;',
        '--',
        '-- Table structure for table `orders`',
        '--',
        '',
        'DROP TABLE IF EXISTS `orders`;',
        'CREATE TABLE `orders` (',
        '  `id` int(11) NOT NULL AUTO_INCREMENT,',
        '  `pid` int(11) DEFAULT NULL,',
        '  PRIMARY KEY (`id`),',
        '  KEY `fk_o` (`pid`)',
        ') ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;',
        'LOCK TABLES `orders` WRITE;',
        'INSERT INTO `orders` VALUES',
        '(1,1),',
        '(2,1);',
        'UNLOCK TABLES;',
        '',
      ].join('\n'),
    );
    expect(await extractMysqlTable(join(dir, 'd.sql'), 'nope', join(dir, 'none.sql'))).toEqual({ found: false, foreignKeys: [], triggers: false });
  });
});
