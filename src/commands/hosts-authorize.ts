// pullback hosts authorize NAME (placeholder until it lands).
import { UsageError } from '../errors.js';
import type { Subcommand } from './hosts.js';

export const authorizeSubcommand: Subcommand = {
  name: 'authorize',
  usage: 'pullback hosts authorize NAME',
  summary: 'not yet available',
  options: {},
  run: async () => {
    throw new UsageError('pullback hosts authorize is not available yet');
  },
};
