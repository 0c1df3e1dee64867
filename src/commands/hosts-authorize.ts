// pullback hosts authorize NAME: prints the authorized_keys lines of a host's restricted keys (one
// per role, each with restrict and a forced command running pullback-gate) with how to install them.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig } from '../config/index.js';
import type { SshRole } from '../config/types.js';
import { getEngine } from '../engines/registry.js';
import { describeError, UsageError } from '../errors.js';
import { DEFAULT_GATE_PATH, planAuthorizedKeys, rolesOf } from '../keys/authorized-keys.js';
import { sshForRole } from '../tools/ssh/options.js';
import { installRoot } from '../util/install-root.js';
import type { Subcommand } from './group.js';

/** The gate script shipped with pullback (share/remote/pullback-gate, beside dist/). */
export const GATE_SCRIPT = join(installRoot(), 'share', 'remote', 'pullback-gate');

export const authorizeSubcommand: Subcommand = {
  name: 'authorize',
  usage: 'pullback hosts authorize NAME [--gate PATH] [--restore]',
  summary: "print the authorized_keys lines of the host's restricted keys (pull, dump; restore with --restore)",
  options: {
    gate: { type: 'string', value: 'PATH', description: `where pullback-gate is installed on the main server (default ${DEFAULT_GATE_PATH})` },
    restore: { type: 'boolean', description: 'print only the restore key line (install it for a restore, remove it afterwards)' },
  },
  run: async (g, v, args) => {
    if (args.length !== 1) throw new UsageError('usage: pullback hosts authorize NAME [--gate PATH] [--restore]');
    const config = loadConfig(g.configPath);
    const host = config.hosts.find((h) => h.name === args[0]);
    if (!host) throw new UsageError(`no host named ${args[0]} (known: ${config.hosts.map((h) => h.name).join(', ')})`);
    const gatePath = typeof v.gate === 'string' ? v.gate : DEFAULT_GATE_PATH;
    if (!gatePath.startsWith('/')) throw new UsageError(`--gate must be an absolute path on the main server, not ${gatePath}`);

    const problems: string[] = [];
    const keyFiles = {} as Record<SshRole, string>;
    const publicKeys = {} as Record<SshRole, string>;
    for (const role of ['pull', 'dump', 'restore', 'wal'] as const) {
      keyFiles[role] = sshForRole(config.global.ssh, host, role).identityFile;
      if (!rolesOf(host).includes(role)) continue;
      try {
        publicKeys[role] = readFileSync(`${keyFiles[role]}.pub`, 'utf8');
      } catch (e) {
        problems.push(`cannot read the ${role} public key ${keyFiles[role]}.pub (${describeError(e)}); make it with: ssh-keygen -y -f ${keyFiles[role]} > ${keyFiles[role]}.pub`);
      }
    }
    const plan = problems.length > 0 ? { ok: false as const, problems } : planAuthorizedKeys({ host, publicKeys, keyFiles, gatePath, engine: getEngine });
    if (!plan.ok) throw new UsageError(`cannot write restricted keys for ${host.name}:\n  ${plan.problems.join('\n  ')}`);

    const gateSha = createHash('sha256').update(readFileSync(GATE_SCRIPT)).digest('hex');
    const lines = plan.lines.filter((l) => (v.restore ? l.role === 'restore' : l.role !== 'restore'));
    const out = [
      `# pullback hosts authorize ${host.name}: restricted keys for ${host.user}@${host.address}${v.restore ? ' (the restore key)' : ''}`,
      `# 1. On ${host.name}, as root, install the gate (needs python3 and rsync there):`,
      `#      install -D -m 755 -o root -g root pullback-gate ${gatePath}`,
      `#    from ${GATE_SCRIPT} (sha256 ${gateSha}).`,
      v.restore
        ? `# 2. Add the line below to ~${host.user}/.ssh/authorized_keys for the restore, and remove it when the restore is done.`
        : `# 2. Put the lines below in ~${host.user}/.ssh/authorized_keys in place of any unrestricted pullback key.`,
      `#    Each key may do only what its comment says; see docs/security.md, "Least privilege on the main servers".`,
      ...lines.flatMap((l) => [`# ${l.role} (${keyFiles[l.role]}): ${l.allows}`, l.line]),
    ];
    if (!v.restore) out.push(`# The restore key's line: pullback hosts authorize ${host.name} --restore (only during an incident).`);
    g.out(out.join('\n'));
    return 0;
  },
};
