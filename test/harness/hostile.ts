// Arguments that a shell would split, expand or take as options: every remote command of pullback
// must pass them through byte for byte (the ssh2 sessions and the shared OpenSSH connection alike).
export const HOSTILE_ARGUMENTS = [
  'plain',
  'with space',
  "it's",
  'line\nbreak',
  '$HOME',
  '`id`',
  '$(id)',
  'back\\slash',
  '-rf',
  '--',
  'ünïcødé 雪',
  '',
  '*',
  '~',
  'a=b',
  ';|&><',
  '"',
  '\t',
];
