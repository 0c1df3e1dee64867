import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  blobKeyType,
  knownKeyTypes,
  parseKnownHosts,
  verifyHostKey,
} from '../../../src/tools/ssh/known-hosts.js';
import { blob } from './key-blob.js';

const A = blob('ssh-ed25519', 1);
const B = blob('ssh-ed25519', 2);
const R = blob('ecdsa-sha2-nistp256', 3);
const line = (hosts: string, key: Buffer, marker = '') =>
  `${marker ? `${marker} ` : ''}${hosts} ${blobKeyType(key)} ${key.toString('base64')} comment here`;

const dir = mkdtempSync(join(tmpdir(), 'pullback-kh-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('parseKnownHosts', () => {
  it('reads plain, bracketed, listed, marked lines and skips comments and junk', () => {
    const entries = parseKnownHosts(
      [
        '# a comment',
        '',
        line('alpha,10.0.0.1', A),
        line('[beta]:2222', B),
        line('*', R, '@revoked'),
        line('ca.example', A, '@cert-authority'),
        line('gamma', A, '@unknown-marker'),
        'delta ssh-ed25519 !!notbase64!!',
        `epsilon ssh-rsa ${A.toString('base64')}`, // type field disagrees with the blob
        'zeta',
      ].join('\n'),
    );
    expect(entries.map((e) => [e.marker, e.patterns, e.keyType, e.line])).toEqual([
      [undefined, ['alpha', '10.0.0.1'], 'ssh-ed25519', 3],
      [undefined, ['[beta]:2222'], 'ssh-ed25519', 4],
      ['revoked', ['*'], 'ecdsa-sha2-nistp256', 5],
      ['cert-authority', ['ca.example'], 'ssh-ed25519', 6],
    ]);
    expect(entries[0]!.key.equals(A)).toBe(true);
  });
});

describe('verifyHostKey', () => {
  const entries = parseKnownHosts(
    [line('alpha,10.0.0.1', A), line('[beta]:2222', B), line('[10.0.0.1]:2200', B), line('*.lan,!bad.lan', A)].join('\n'),
  );

  it('accepts a matching key for plain names on port 22 only', () => {
    expect(verifyHostKey(entries, 'alpha', 22, A)).toEqual({ ok: true });
    expect(verifyHostKey(entries, 'ALPHA', 22, A)).toEqual({ ok: true });
    expect(verifyHostKey(entries, '10.0.0.1', 22, A)).toEqual({ ok: true });
    expect(verifyHostKey(entries, 'alpha', 2222, A)).toEqual({ ok: false, reason: 'unknown-host' });
  });

  it('matches [host]:port entries only on that port', () => {
    expect(verifyHostKey(entries, 'beta', 2222, B)).toEqual({ ok: true });
    expect(verifyHostKey(entries, 'beta', 22, B)).toEqual({ ok: false, reason: 'unknown-host' });
    expect(verifyHostKey(entries, 'beta', 2223, B)).toEqual({ ok: false, reason: 'unknown-host' });
    expect(verifyHostKey(entries, '10.0.0.1', 2200, B)).toEqual({ ok: true });
  });

  it('reports a different key, of the same or another type, as a mismatch', () => {
    expect(verifyHostKey(entries, 'alpha', 22, B)).toEqual({ ok: false, reason: 'mismatch' });
    expect(verifyHostKey(entries, 'alpha', 22, R)).toEqual({ ok: false, reason: 'mismatch' });
    expect(verifyHostKey(entries, '10.0.0.1', 2200, A)).toEqual({ ok: false, reason: 'mismatch' });
  });

  it('supports wildcards and negation', () => {
    expect(verifyHostKey(entries, 'db.lan', 22, A)).toEqual({ ok: true });
    expect(verifyHostKey(entries, 'bad.lan', 22, A)).toEqual({ ok: false, reason: 'unknown-host' });
  });

  it('refuses revoked keys even when also listed as known', () => {
    const withRevoked = parseKnownHosts([line('alpha', A), line('*', A, '@revoked')].join('\n'));
    expect(verifyHostKey(withRevoked, 'alpha', 22, A)).toEqual({ ok: false, reason: 'revoked' });
    expect(verifyHostKey(withRevoked, 'other', 22, A)).toEqual({ ok: false, reason: 'revoked' });
  });

  it('ignores @cert-authority lines for plain key checks', () => {
    const ca = parseKnownHosts(line('alpha', A, '@cert-authority'));
    expect(verifyHostKey(ca, 'alpha', 22, A)).toEqual({ ok: false, reason: 'unknown-host' });
  });

  it('treats a missing file as knowing no hosts', () => {
    expect(verifyHostKey(join(dir, 'missing'), 'alpha', 22, A)).toEqual({ ok: false, reason: 'unknown-host' });
  });

  it('matches entries hashed by ssh-keygen -H (HMAC-SHA1)', () => {
    const file = join(dir, 'hashed');
    writeFileSync(file, [line('alpha', A), line('[127.0.0.9]:2222', B)].join('\n') + '\n');
    execFileSync('ssh-keygen', ['-q', '-H', '-f', file], { stdio: 'ignore' });
    const text = readFileSync(file, 'utf8');
    expect(text).not.toContain('alpha');
    expect(text).toMatch(/^\|1\|/);
    expect(verifyHostKey(file, 'alpha', 22, A)).toEqual({ ok: true });
    expect(verifyHostKey(file, 'alpha', 22, B)).toEqual({ ok: false, reason: 'mismatch' });
    expect(verifyHostKey(file, '127.0.0.9', 2222, B)).toEqual({ ok: true });
    expect(verifyHostKey(file, '127.0.0.9', 22, B)).toEqual({ ok: false, reason: 'unknown-host' });
    expect(verifyHostKey(file, 'alphb', 22, A)).toEqual({ ok: false, reason: 'unknown-host' });
  });
});

describe('knownKeyTypes', () => {
  it('lists the key types recorded for a host', () => {
    const entries = parseKnownHosts([line('alpha', A), line('alpha', R), line('alpha', B, '@revoked')].join('\n'));
    expect(knownKeyTypes(entries, 'alpha', 22)).toEqual(['ssh-ed25519', 'ecdsa-sha2-nistp256']);
    expect(knownKeyTypes(entries, 'alpha', 2222)).toEqual([]);
  });
});
