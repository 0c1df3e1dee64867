// The local files a valid configuration names and every night reads: the borg passphrase file and
// the SSH identity files. `pullback validate` says OK only when each is there and readable; a
// missing one is a config problem naming the file, the line and the key that names it.
import type { ConfigProblem } from '../errors.js';
import { lineOf, loadYaml, type YamlFile } from '../config/load-yaml.js';
import type { Config } from '../config/types.js';
import { fileProblem } from './preflight.js';

/** Problems with the passphrase file and the SSH identity files `config` names; empty when each can be read. */
export function configFileProblems(config: Config): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const check = (path: string, label: string, file: string, key: string[]) => {
    const message = fileProblem(path, label, { nonEmpty: true });
    if (message) problems.push({ file, line: lineIn(file, key), key: key.join('.'), message });
  };
  const g = config.global;
  if (g.repository.encryption !== 'none' && g.repository.passphraseFile) check(g.repository.passphraseFile, 'borg passphrase file', g.file, ['repository', 'passphrase_file']);
  check(g.ssh.identityFile, 'SSH identity file', g.file, ['ssh', 'identity_file']);
  for (const h of config.hosts) {
    for (const [role, path] of Object.entries(h.keys ?? {})) if (path) check(path, `SSH ${role} key`, h.file, ['keys', role]);
  }
  return problems;
}

const parsed = new Map<string, YamlFile | undefined>();

/** The line of `key` in `file` (read again: the normalized config keeps no positions). */
function lineIn(file: string, key: string[]): number | undefined {
  if (!parsed.has(file)) parsed.set(file, loadYaml(file, []));
  const y = parsed.get(file);
  return y ? lineOf(y, key, true) : undefined;
}
