// pullback hosts trust NAME: reads the host key the server presents, shows its type and SHA256
// fingerprint, and records it in the configured known_hosts only after confirmation (--yes for
// scripts). A key that differs from the recorded one is refused with both fingerprints, and
// replaced only with --replace (this host's name leaves the old line, other hosts keep theirs).
import { readFileSync } from 'node:fs';
import { JobError, UsageError } from '../errors.js';
import { changedKeyAdvice } from '../tools/ssh/host-key-text.js';
import { scanHostKey } from '../tools/ssh/host-key-scan.js';
import { describeKey, fingerprint, parseKnownHosts } from '../tools/ssh/known-hosts.js';
import { planKnownHostsUpdate, saveKnownHosts } from '../tools/ssh/known-hosts-edit.js';
import { confirm, openEnv, selectHosts, type GlobalOptions } from './common.js';
import type { Subcommand } from './group.js';

export interface TrustOptions {
  name: string;
  yes: boolean;
  replace: boolean;
}

/** Records NAME's host key after confirmation; 0 when recorded (or already), 1 when refused or declined; UsageError without a terminal or --yes. */
export async function trustCommand(g: GlobalOptions, o: TrustOptions): Promise<number> {
  const env = openEnv(g);
  try {
    const [host] = selectHosts(env.config, [o.name]);
    const file = env.config.global.ssh.knownHosts;
    const text = readText(file);
    const key = await scanHostKey(host!, env.config.global.ssh, parseKnownHosts(text));
    const where = `${host!.name} (${host!.address}:${host!.port})`;
    env.out(`${where} presents the ${describeKey(key)} host key.`);
    const plan = planKnownHostsUpdate(text, host!.address, host!.port, key, o.replace);
    switch (plan.kind) {
      case 'known':
        env.out(`Already trusted: this key is recorded in ${file}. Nothing to do.`);
        return 0;
      case 'revoked':
        throw new JobError(`refusing: this key is marked @revoked in ${file} line ${plan.line}; remove that line by hand if it is to be trusted again`);
      case 'changed':
        throw new JobError(`refusing: the host key of ${host!.name} changed (does not match ${file}): ${changedKeyAdvice({ name: host!.name, recorded: plan.recorded, presented: describeKey(key) })}`);
      case 'shared':
        throw new JobError(`refusing to replace: the recorded key comes from ${file} line ${plan.line}, whose pattern ${plan.pattern} names other hosts too; edit that line by hand`);
    }
    env.out(`Compare it with what the server itself says: ssh-keygen -lf ${serverKeyFile(plan.line)} on ${host!.name}.`);
    if (!o.yes) {
      // The hint is the command to type: it keeps --replace, without which the changed key is refused.
      if (!process.stdin.isTTY) throw new UsageError(`not recorded: stdin is not a terminal to confirm on; once the fingerprint above is checked, pass --yes (pullback hosts trust ${host!.name}${o.replace ? ' --replace' : ''} --yes)`);
      const replacing = plan.replaced.length > 0 ? `, replacing ${plan.replaced.map((e) => `${e.keyType} ${fingerprint(e.key)}`).join(', ')}` : '';
      if (!(await confirm(`Record this key for ${host!.name} in ${file}${replacing}?`))) {
        env.out('Not recorded: known_hosts was left unchanged.');
        return 1;
      }
    }
    saveKnownHosts(file, plan.text);
    for (const e of plan.replaced) env.logger.warn({ host: host!.name, old: fingerprint(e.key), new: fingerprint(key) }, `replaced the recorded host key (line ${e.line})`);
    env.logger.info({ host: host!.name, key: fingerprint(key), knownHosts: file }, 'host key recorded');
    env.out(`Recorded in ${file}: ${plan.line.split(' ').slice(0, 2).join(' ')} ${fingerprint(key)}${plan.replaced.length ? ` (the old key of ${host!.name} was removed)` : ''}.`);
    return 0;
  } finally {
    env.close();
  }
}

function readText(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return '';
    throw new UsageError(`cannot read known_hosts ${file}: ${(e as Error).message}`);
  }
}

/** The usual OpenSSH server key file for the type of a known_hosts line. */
function serverKeyFile(line: string): string {
  const type = line.split(' ')[1] ?? '';
  const name = type === 'ssh-ed25519' ? 'ed25519' : type.startsWith('ecdsa-') ? 'ecdsa' : type === 'ssh-rsa' ? 'rsa' : '*';
  return `/etc/ssh/ssh_host_${name}_key.pub`;
}

export const trustSubcommand: Subcommand = {
  name: 'trust',
  usage: 'pullback hosts trust NAME [--yes] [--replace]',
  summary: "show NAME's host key fingerprint and record it in known_hosts after confirmation",
  options: {
    yes: { type: 'boolean', short: 'y', description: 'record the key without asking (scripts: needed when stdin is not a terminal)' },
    replace: { type: 'boolean', description: "accept a key that differs from the recorded one (the server's key was changed on purpose); only this host's entry is replaced" },
  },
  run: async (g, v, args) => {
    if (args.length !== 1) throw new UsageError('usage: pullback hosts trust NAME [--yes] [--replace]');
    return trustCommand(g, { name: args[0]!, yes: !!v.yes, replace: !!v.replace });
  },
};
