// OpenSSH known_hosts: parsing and host key verification, so ssh2 connections check host keys
// exactly like the OpenSSH client (and rsync over ssh) would with StrictHostKeyChecking=yes.
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';

export interface KnownHostEntry {
  marker?: 'revoked' | 'cert-authority';
  /** The comma-separated host patterns, as written (hashed `|1|salt|hmac` entries included). */
  patterns: string[];
  keyType: string;
  /** The decoded public key blob (SSH wire format). */
  key: Buffer;
  line: number;
}

export type HostKeyVerdict = { ok: true } | { ok: false; reason: 'unknown-host' | 'mismatch' | 'revoked' };

/** Parses known_hosts text; lines that are comments, blank, malformed or of unknown format are skipped. */
export function parseKnownHosts(text: string): KnownHostEntry[] {
  const out: KnownHostEntry[] = [];
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const fields = lines[i]!.trim().split(/[ \t]+/);
    if (fields[0] === '' || fields[0]!.startsWith('#')) continue;
    let marker: KnownHostEntry['marker'];
    if (fields[0]!.startsWith('@')) {
      const m = fields.shift()!;
      if (m === '@revoked') marker = 'revoked';
      else if (m === '@cert-authority') marker = 'cert-authority';
      else continue; // unknown marker: OpenSSH ignores the line too
    }
    const [hosts, keyType, b64] = fields;
    if (!hosts || !keyType || !b64 || !/^[A-Za-z0-9+/]+=*$/.test(b64)) continue;
    const key = Buffer.from(b64, 'base64');
    // The blob begins with its own type name; a line whose type field disagrees is corrupt.
    if (blobKeyType(key) !== keyType) continue;
    out.push({ marker, patterns: hosts.split(','), keyType, key, line: i + 1 });
  }
  return out;
}

/** Reads and parses a known_hosts file; a missing file is an empty list (every host unknown). */
export function loadKnownHosts(file: string): KnownHostEntry[] {
  try {
    return parseKnownHosts(readFileSync(file, 'utf8'));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw e;
  }
}

/** The name a host is looked up by: `host` on port 22, `[host]:port` otherwise (as OpenSSH does). */
export function knownHostsName(host: string, port: number): string {
  const h = host.toLowerCase();
  return port === 22 ? h : `[${h}]:${port}`;
}

/** The key type name at the start of an SSH public key blob, or undefined if the blob is malformed. */
export function blobKeyType(blob: Buffer): string | undefined {
  if (blob.length < 4) return undefined;
  const len = blob.readUInt32BE(0);
  if (len === 0 || len > 64 || blob.length < 4 + len) return undefined;
  return blob.subarray(4, 4 + len).toString('latin1');
}

/** Whether a known_hosts host field (a list of patterns) names `name`. */
export function hostFieldMatches(patterns: readonly string[], name: string): boolean {
  let matched = false;
  for (const raw of patterns) {
    if (raw.startsWith('|1|')) {
      if (hashedMatches(raw, name)) matched = true;
      continue;
    }
    const negated = raw.startsWith('!');
    const pattern = (negated ? raw.slice(1) : raw).toLowerCase();
    if (!globMatches(pattern, name)) continue;
    if (negated) return false; // a matching negation rejects the line whatever else matches
    matched = true;
  }
  return matched;
}

/** The OpenSSH SHA256 fingerprint of a public key blob (`SHA256:` and unpadded base64, as `ssh-keygen -l` prints it). */
export function fingerprint(blob: Buffer): string {
  return `SHA256:${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`;
}

/** `type SHA256:...` of a key blob, for people. */
export function describeKey(blob: Buffer): string {
  return `${blobKeyType(blob) ?? 'unknown'} ${fingerprint(blob)}`;
}

/** The known_hosts line recording `blob` as the key of host:port. */
export function knownHostsLine(host: string, port: number, blob: Buffer): string {
  return `${knownHostsName(host, port)} ${blobKeyType(blob)} ${blob.toString('base64')}`;
}

/** The recorded (not revoked, not CA) entries naming host:port. */
export function recordedKeys(entries: readonly KnownHostEntry[], host: string, port: number): KnownHostEntry[] {
  const name = knownHostsName(host, port);
  return entries.filter((e) => e.marker === undefined && hostFieldMatches(e.patterns, name));
}

/** Checks a presented host key against known_hosts (path or parsed entries); compares key type and blob. */
export function verifyHostKey(
  file: string | readonly KnownHostEntry[],
  host: string,
  port: number,
  keyBlob: Buffer,
): HostKeyVerdict {
  const entries = typeof file === 'string' ? loadKnownHosts(file) : file;
  const name = knownHostsName(host, port);
  const type = blobKeyType(keyBlob);
  const forHost = entries.filter((e) => e.marker !== 'cert-authority' && hostFieldMatches(e.patterns, name));
  const same = (e: KnownHostEntry) => e.keyType === type && e.key.equals(keyBlob);
  if (forHost.some((e) => e.marker === 'revoked' && same(e))) return { ok: false, reason: 'revoked' };
  const known = forHost.filter((e) => e.marker === undefined);
  if (known.some(same)) return { ok: true };
  // Any other recorded key for this host, of this type or another, means the host's identity changed.
  return { ok: false, reason: known.length > 0 ? 'mismatch' : 'unknown-host' };
}

/** The key types recorded for a host (not revoked), to prefer them when negotiating the host key. */
export function knownKeyTypes(entries: readonly KnownHostEntry[], host: string, port: number): string[] {
  return [...new Set(recordedKeys(entries, host, port).map((e) => e.keyType))];
}

function hashedMatches(field: string, name: string): boolean {
  const parts = field.split('|'); // ['', '1', salt, hmac]
  if (parts.length !== 4) return false;
  const salt = Buffer.from(parts[2]!, 'base64');
  const want = Buffer.from(parts[3]!, 'base64');
  const got = createHmac('sha1', salt).update(name).digest();
  return want.length === got.length && timingSafeEqual(want, got);
}

function globMatches(pattern: string, name: string): boolean {
  if (!pattern.includes('*') && !pattern.includes('?')) return pattern === name;
  const re = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${re}$`).test(name);
}
