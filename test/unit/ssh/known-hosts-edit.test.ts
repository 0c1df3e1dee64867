// Fingerprints as OpenSSH prints them, and the known_hosts planner of `pullback hosts trust`:
// nothing to do, refuse a changed or revoked key, or the new text with only this host's entry replaced.
import { execFileSync } from 'node:child_process';
import { readFileSync, statSync, writeFileSync, chmodSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { changedKeyAdvice, presentedInSshOutput } from '../../../src/tools/ssh/host-key-text.js';
import { planKnownHostsUpdate, saveKnownHosts } from '../../../src/tools/ssh/known-hosts-edit.js';
import { describeKey, fingerprint, knownHostsLine, parseKnownHosts, verifyHostKey } from '../../../src/tools/ssh/known-hosts.js';
import { generateKey, makeTempDir } from '../../harness/index.js';
import { blob } from './key-blob.js';

const A = blob('ssh-ed25519', 1);
const B = blob('ssh-ed25519', 2);
const C = blob('ssh-ed25519', 3);
const b64 = (k: Buffer) => k.toString('base64');

describe('fingerprint', () => {
  it('is what ssh-keygen -l prints, for ed25519, ecdsa and rsa keys', async () => {
    const dir = makeTempDir('fp-');
    for (const type of ['ed25519', 'ecdsa', 'rsa']) {
      const path = join(dir, type);
      if (type === 'ed25519') await generateKey(path, 'c');
      else execFileSync('ssh-keygen', ['-q', '-t', type, ...(type === 'rsa' ? ['-b', '1024'] : []), '-N', '', '-f', path]);
      const key = Buffer.from(readFileSync(`${path}.pub`, 'utf8').split(' ')[1]!, 'base64');
      const want = execFileSync('ssh-keygen', ['-l', '-E', 'sha256', '-f', `${path}.pub`], { encoding: 'utf8' }).split(' ')[1];
      expect(fingerprint(key)).toBe(want);
      expect(fingerprint(key)).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/); // unpadded
      expect(describeKey(key)).toBe(`${readFileSync(`${path}.pub`, 'utf8').split(' ')[0]} ${want}`);
    }
  });

  it('writes [addr]:port unless the port is 22, lower-cased, as ssh reads it', () => {
    expect(knownHostsLine('10.0.0.5', 22, A)).toBe(`10.0.0.5 ssh-ed25519 ${b64(A)}`);
    expect(knownHostsLine('Web.Example', 2222, A)).toBe(`[web.example]:2222 ssh-ed25519 ${b64(A)}`);
    expect(verifyHostKey(parseKnownHosts(knownHostsLine('web.example', 2222, A)), 'web.example', 2222, A)).toEqual({ ok: true });
  });

  it("finds the fingerprint in OpenSSH's changed-key warning", () => {
    const said = ['@@@@', 'The fingerprint for the ED25519 key sent by the remote host is', 'SHA256:p95aNtyxuWIDnKZp27qz9yscYsed0UEqpjCekceMC3E.', 'Please contact your system administrator.'];
    expect(presentedInSshOutput(said)).toBe('ED25519 SHA256:p95aNtyxuWIDnKZp27qz9yscYsed0UEqpjCekceMC3E');
    expect(presentedInSshOutput(['Host key verification failed.'])).toBeUndefined();
    const advice = changedKeyAdvice({ name: 'web', recorded: parseKnownHosts(`h ssh-ed25519 ${b64(A)}`), presented: describeKey(B) });
    expect(advice).toBe(`recorded ssh-ed25519 ${fingerprint(A)}, presented ssh-ed25519 ${fingerprint(B)}; if the server's key was changed on purpose (compare with ssh-keygen -lf on the server), accept it with pullback hosts trust web --replace`);
  });
});

describe('planKnownHostsUpdate', () => {
  const other = `[10.0.0.9]:2222 ssh-ed25519 ${b64(C)} other host\n`;

  it('appends a new host, says a recorded key is known, and refuses a revoked one', () => {
    const plan = planKnownHostsUpdate(`# mine\n${other}`, '10.0.0.5', 2222, A, false);
    expect(plan).toMatchObject({ kind: 'write', text: `# mine\n${other}[10.0.0.5]:2222 ssh-ed25519 ${b64(A)}\n`, replaced: [] });
    expect(planKnownHostsUpdate('', '10.0.0.5', 22, A, false)).toMatchObject({ kind: 'write', text: `10.0.0.5 ssh-ed25519 ${b64(A)}\n` });
    expect(planKnownHostsUpdate(other.trimEnd(), '10.0.0.5', 22, A, false)).toMatchObject({ text: `${other}10.0.0.5 ssh-ed25519 ${b64(A)}\n` });
    expect(planKnownHostsUpdate(`${other}[10.0.0.5]:2222 ssh-ed25519 ${b64(A)}\n`, '10.0.0.5', 2222, A, false)).toEqual({ kind: 'known' });
    expect(planKnownHostsUpdate(`${other}@revoked [10.0.0.5]:2222 ssh-ed25519 ${b64(A)}\n`, '10.0.0.5', 2222, A, true)).toEqual({ kind: 'revoked', line: 2 });
    // A key recorded for port 22 does not vouch for port 2222 (and is not "changed").
    expect(planKnownHostsUpdate(`10.0.0.5 ssh-ed25519 ${b64(B)}\n`, '10.0.0.5', 2222, A, false)).toMatchObject({ kind: 'write', replaced: [] });
  });

  it('refuses a changed key without replace; with it drops only this host, other names keep the old key', () => {
    const text = `${other}[10.0.0.5]:2222 ssh-ed25519 ${b64(B)} old\n[10.0.0.5]:2222,backup-alias ssh-ed25519 ${b64(B)} shared\n`;
    const refused = planKnownHostsUpdate(text, '10.0.0.5', 2222, A, false);
    expect(refused.kind).toBe('changed');
    expect(refused.kind === 'changed' && refused.recorded.map((e) => e.line)).toEqual([2, 3]);
    const plan = planKnownHostsUpdate(text, '10.0.0.5', 2222, A, true);
    expect(plan).toMatchObject({ kind: 'write', text: `${other}backup-alias ssh-ed25519 ${b64(B)} shared\n[10.0.0.5]:2222 ssh-ed25519 ${b64(A)}\n` });
    expect(plan.kind === 'write' && plan.replaced.map((e) => e.line)).toEqual([2, 3]);
  });

  it('replaces a hashed entry, and will not edit a wildcard line that names other hosts too', () => {
    const dir = makeTempDir('kh-');
    const file = join(dir, 'known_hosts');
    writeFileSync(file, `[10.0.0.5]:2222 ssh-ed25519 ${b64(B)}\n${other}`);
    execFileSync('ssh-keygen', ['-q', '-H', '-f', file], { stdio: 'ignore' });
    const hashed = readFileSync(file, 'utf8');
    const plan = planKnownHostsUpdate(hashed, '10.0.0.5', 2222, A, true);
    expect(plan.kind).toBe('write');
    const after = plan.kind === 'write' ? plan.text : '';
    expect(after.split('\n').filter(Boolean)).toHaveLength(2);
    expect(verifyHostKey(parseKnownHosts(after), '10.0.0.5', 2222, A)).toEqual({ ok: true });
    expect(verifyHostKey(parseKnownHosts(after), '10.0.0.9', 2222, C)).toEqual({ ok: true });

    expect(planKnownHostsUpdate(`10.0.0.* ssh-ed25519 ${b64(B)}\n`, '10.0.0.5', 22, A, true)).toEqual({ kind: 'shared', line: 1, pattern: '10.0.0.*' });
  });
});

describe('saveKnownHosts', () => {
  it('keeps the mode of an existing file, makes a new one 0600 in a new 0700 directory', () => {
    const dir = makeTempDir('kh-');
    const existing = join(dir, 'known_hosts');
    writeFileSync(existing, 'x\n');
    chmodSync(existing, 0o644);
    saveKnownHosts(existing, 'y\n');
    expect(readFileSync(existing, 'utf8')).toBe('y\n');
    expect(statSync(existing).mode & 0o777).toBe(0o644);
    const fresh = join(dir, 'new dir', 'known_hosts');
    saveKnownHosts(fresh, 'z\n');
    expect(statSync(fresh).mode & 0o777).toBe(0o600);
    expect(statSync(join(dir, 'new dir')).mode & 0o777).toBe(0o700);
  });
});
