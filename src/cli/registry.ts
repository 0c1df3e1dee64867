// The command registry: every verb of pullback, in the order `pullback --help` lists them. Each
// command module exports its spec (options with a description each, usage, handler); the CLI
// imports them here, downward, and no command registers itself.
import type { CommandSpec } from '../commands/spec.js';
import { daemonSpec } from '../commands/daemon.js';
import { diffSpec } from '../commands/diff.js';
import { doctorSpec } from '../commands/doctor.js';
import { findSpec } from '../commands/find.js';
import { lsSpec } from '../commands/ls.js';
import { mountSpec } from '../commands/mount.js';
import { drillSpec } from '../commands/drill.js';
import { hostsSpec } from '../commands/hosts.js';
import { initSpec } from '../commands/init.js';
import { keySpec } from '../commands/key.js';
import { listSpec } from '../commands/list.js';
import { logsSpec } from '../commands/logs.js';
import { notifySpec } from '../commands/notify.js';
import { checkSpec, pruneSpec } from '../commands/maintain.js';
import { catalogSpec } from '../commands/catalog.js';
import { fleetSpec } from '../commands/fleet.js';
import { offsiteSpec } from '../commands/offsite.js';
import { reportSpec } from '../commands/report.js';
import { repoSpec } from '../commands/repo.js';
import { restoreSpec } from '../commands/restore-spec.js';
import { runSpec } from '../commands/run.js';
import { scheduleSpec } from '../commands/schedule.js';
import { statusSpec } from '../commands/status.js';
import { validateSpec } from '../commands/validate.js';

export type { CommandSpec } from '../commands/spec.js';
export type { OptionDef, OptionSpec, Values } from '../commands/spec.js';

export const commands: readonly CommandSpec[] = [
  runSpec,
  listSpec,
  checkSpec,
  pruneSpec,
  validateSpec,
  doctorSpec,
  drillSpec,
  restoreSpec,
  findSpec,
  lsSpec,
  diffSpec,
  mountSpec,
  initSpec,
  statusSpec,
  daemonSpec,
  scheduleSpec,
  notifySpec,
  reportSpec,
  logsSpec,
  hostsSpec,
  keySpec,
  offsiteSpec,
  repoSpec,
  catalogSpec,
  fleetSpec,
];
