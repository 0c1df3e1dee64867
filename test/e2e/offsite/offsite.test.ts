// Issue 13: off-site copies with real rclone (an SFTP remote on the harness sshd and a local-path
// remote) and a second borg repository over SSH behind the append-only forced command. One sshd
// and one host for the whole story, which goes night by night: copies made and verified; borg
// delete/prune/compact from the backup host's key leave the off-site history recoverable; with the
// local repository gone, restore from the off-site copies gives the source's files (drill
// --from-offsite shares its fetch). The guards (a wiped, damaged or re-initialised repository is
// not copied) are in offsite-guards.test.ts, with the local-path target only.
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { borgList, diffTrees, generateKey, makeTempDir, runBorg, runCli, startSshd, writeNastyTree, writeTestConfig } from '../../harness/index.js';

describe('off-site copies', () => {
  it('copies, verifies, survives a hostile backup host, and restores when the local repository is gone', async () => {
    const keys = makeTempDir('offsite-key-');
    const offKey = join(keys, 'offsite key');
    const offPub = await generateKey(offKey, 'backup-host-offsite');
    const offBorg = makeTempDir('offsite-borg-');
    // The off-site server's authorized_keys line for the backup host: docs/security.md.
    const forced = `command="borg serve --append-only --restrict-to-path ${offBorg}",restrict ${offPub}`;
    const server = await startSshd({ authorizedKeys: [forced] });

    const root = makeTempDir('main-server-');
    writeNastyTree(join(root, 'files'), { bigFileBytes: 256 * 1024 });
    const sftpDir = makeTempDir('offsite-sftp-');
    const localDir = makeTempDir('offsite-local-');
    const confDir = makeTempDir('offsite-conf-');
    const cfg = await writeTestConfig({
      hosts: [{ name: 'main', server, sources: [{ name: 'files', kind: 'data', path: join(root, 'files') }] }],
      global: {
        offsite: [
          { name: 'cold', rclone: `offsftp:${sftpDir}/{host}`, rclone_config: join(confDir, 'rclone.conf'), max_shrink: '30%', bwlimit: '50M' },
          { name: 'near', rclone: join(localDir, '{host}'), max_shrink: '30%' },
          { name: 'dr', borg: `ssh://${server.user}@${server.address}:${server.port}${offBorg}/{host}`, identity_file: offKey },
        ],
      },
    });
    // rclone's SFTP backend with a key file and known_hosts: no password anywhere.
    const rcloneConf = join(confDir, 'rclone.conf');
    writeFileSync(
      rcloneConf,
      ['[offsftp]', 'type = sftp', `host = ${server.address}`, `port = ${server.port}`, `user = ${server.user}`, `key_file = ${cfg.identityFile}`, `known_hosts_file = ${cfg.knownHostsPath}`, 'shell_type = unix', 'md5sum_command = md5sum', 'sha1sum_command = sha1sum', ''].join('\n'),
      { mode: 0o600 },
    );
    const cli = (...a: string[]) => runCli(['--config', cfg.configPath, ...a]);
    const repo = cfg.repoPath('main');
    const rcloneCheck = (remote: string) => execa('rclone', ['--config', rcloneConf, 'check', repo, remote], { reject: false });
    const drRepo = `ssh://${server.user}@${server.address}:${server.port}${offBorg}/main`;
    // The backup host's own borg, with the off-site key: what an attacker holding it could run.
    const hostile = (args: string[]) =>
      execa('borg', args, {
        reject: false,
        env: {
          BORG_RSH: `ssh -F /dev/null -i '${offKey}' -o IdentitiesOnly=yes -o UserKnownHostsFile=${cfg.knownHostsPath} -o StrictHostKeyChecking=yes -o BatchMode=yes`,
          BORG_PASSPHRASE: readFileSync(cfg.passphraseFile, 'utf8').trim(),
          BORG_BASE_DIR: join(keys, 'hostile-borg'),
        },
      });

    // Night 1: copied to all three, each checked.
    const n1 = await cli('run');
    expect(n1.exitCode, n1.stdout + n1.stderr).toBe(0);
    for (const remote of [`offsftp:${sftpDir}/main`, join(localDir, 'main')]) {
      const c = await rcloneCheck(remote);
      expect(c.exitCode, c.stderr).toBe(0);
      expect(c.stderr).toMatch(/0 differences found/);
    }
    expect(await borgList(join(offBorg, 'main'), cfg.passphraseFile)).toHaveLength(1);

    // Night 2 with new data: the off-site borg repository gets the same archive names.
    writeFileSync(join(root, 'files', 'big.bin'), randomBytes(256 * 1024));
    const n2 = await cli('run');
    expect(n2.exitCode, n2.stdout + n2.stderr).toBe(0);
    const local = await borgList(repo, cfg.passphraseFile);
    expect(await borgList(join(offBorg, 'main'), cfg.passphraseFile)).toEqual(expect.arrayContaining(local));

    const verify = await cli('offsite', 'verify');
    expect(verify.exitCode, verify.stdout + verify.stderr).toBe(0);
    expect(verify.stdout).toMatch(/^main\s+cold\s+OK\s+0 differences/m);
    expect(verify.stdout).toMatch(/^main\s+near\s+OK\s+0 differences/m);
    expect(verify.stdout).toMatch(/^main\s+dr\s+OK\s+borg check passed; 2 archive/m);
    const status = await cli('status');
    expect(status.stdout).toMatch(/^main\s+off-site cold\s+GREEN\s+\S+Z\s+\d+s\s+2d$/m);
    expect(status.stdout).toMatch(/^main\s+off-site dr\s+GREEN/m);

    // The backup host is compromised: delete, prune and compact with its off-site key. borg 1.2's
    // append-only serve lets them "succeed" but only appends: the segments stay, and the off-site
    // side rolls back to the transaction before the attack (docs/security.md).
    const drPath = join(offBorg, 'main');
    const before = readFileSync(join(drPath, 'transactions'), 'utf8').trim().split('\n').at(-1)!;
    const lastGood = Number(/^transaction (\d+),/.exec(before)![1]);
    const segmentsBefore = readdirSync(join(drPath, 'data', '0')).length;
    const [first, second] = await borgList(drPath, cfg.passphraseFile);
    expect((await hostile(['delete', `${drRepo}::${first}`])).exitCode).toBe(0);
    expect((await hostile(['prune', '--keep-last', '1', drRepo])).exitCode).toBeLessThan(2);
    expect((await hostile(['compact', drRepo])).exitCode).toBeLessThan(2);
    expect(await borgList(drPath, cfg.passphraseFile)).not.toContain(first);
    expect(readdirSync(join(drPath, 'data', '0')).length).toBeGreaterThanOrEqual(segmentsBefore);
    for (const n of readdirSync(join(drPath, 'data', '0'))) if (Number(n) > lastGood) rmSync(join(drPath, 'data', '0', n));
    for (const n of readdirSync(drPath)) if (/^(index|hints|integrity)\.\d+$/.test(n) && Number(n.split('.')[1]) > lastGood) rmSync(join(drPath, n));
    expect(await borgList(drPath, cfg.passphraseFile)).toEqual([first, second]);
    await runBorg(['check', drPath], cfg.passphraseFile);

    // The backup disk is lost. Restore from each off-site copy into a local folder: the source's files.
    rmSync(repo, { recursive: true, force: true });
    for (const target of ['cold', 'dr']) {
      const into = join(makeTempDir(`restore-${target}-`), 'out');
      const r = await cli('restore', '--host', 'main', '--from-offsite', target, '--into', into, '--yes');
      expect(r.exitCode, r.stdout + r.stderr).toBe(0);
      expect(diffTrees(join(root, 'files'), join(into, 'files'))).toEqual([]);
    }
  }, 300_000);
});
