// What pullback says when a server's host key is not the recorded one: the recorded and the
// presented fingerprints, and the one deliberate way to accept a new key.
import { fingerprint, type KnownHostEntry } from './known-hosts.js';

/** The fingerprints (recorded, and presented when known) and the command that accepts a key changed on purpose. */
export function changedKeyAdvice(o: { name?: string; recorded: readonly KnownHostEntry[]; presented?: string }): string {
  const recorded = o.recorded.map((e) => `${e.keyType} ${fingerprint(e.key)}`).join(', ') || 'none';
  const how = `pullback hosts trust ${o.name ?? 'NAME'} --replace`;
  return `recorded ${recorded}, presented ${o.presented ?? '(not known)'}; if the server's key was changed on purpose (compare with ssh-keygen -lf on the server), accept it with ${how}`;
}

/** The command that records the key of a host that is not in known_hosts yet. */
export function unknownHostAdvice(name: string | undefined): string {
  return `check its fingerprint and record it with pullback hosts trust ${name ?? 'NAME'}`;
}

/** The fingerprint OpenSSH printed for the key a server presented ("... sent by the remote host is\nSHA256:..."), if any. */
export function presentedInSshOutput(lines: readonly string[]): string | undefined {
  const i = lines.findIndex((l) => /key sent by the remote host is/.test(l));
  const type = i >= 0 ? /fingerprint for the (\S+) key/.exec(lines[i]!)?.[1] : undefined;
  const fp = (i >= 0 ? lines.slice(i, i + 2) : lines).join('\n').match(/SHA256:[A-Za-z0-9+/]{43}/)?.[0];
  return fp && (type ? `${type} ${fp}` : fp);
}
