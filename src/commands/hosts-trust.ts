// pullback hosts trust NAME (placeholder until it lands).
import { UsageError } from '../errors.js';
import type { Subcommand } from './hosts.js';

export const trustSubcommand: Subcommand = {
  name: 'trust',
  usage: 'pullback hosts trust NAME',
  summary: 'not yet available',
  options: {},
  run: async () => {
    throw new UsageError('pullback hosts trust is not available yet');
  },
};
