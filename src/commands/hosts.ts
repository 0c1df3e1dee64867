// pullback hosts SUBCOMMAND NAME: setting up a main server (authorize prints its authorized_keys
// lines, trust records its host key). Each subcommand lives in its own module.
import { commandGroup } from './group.js';
import { authorizeSubcommand } from './hosts-authorize.js';
import { trustSubcommand } from './hosts-trust.js';

export const hostsSpec = commandGroup(
  'hosts',
  'set up a main server: authorize prints the authorized_keys lines of its restricted keys, trust records its host key',
  [authorizeSubcommand, trustSubcommand],
);
