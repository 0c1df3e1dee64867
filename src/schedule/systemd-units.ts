// The schedule as systemd units: per job a oneshot service and a persistent timer, run as a
// dedicated user inside a sandbox where only the state directory, the repositories and the metrics
// file's folder are writable, each service's failure (exit, crash, RuntimeMaxSec=) handed to
// pullback-notify-failure@.service, which tells the notifiers. Pure: no I/O.
import { dirname, relative, isAbsolute } from 'node:path';
import type { Config } from '../config/types.js';
import { repositoryPath } from '../config/types.js';
import { jobArgs, onCalendar, systemdWord, type Launcher, type SchedulePlan } from './schedule.js';

export interface UnitFile {
  name: string;
  text: string;
}

export interface SystemdOptions {
  /** The user (and group of the same name) the units run as. */
  user: string;
  /** The only paths the services may write (ReadWritePaths=); `-` in front: ignored when missing. */
  writable: string[];
}

/** The template unit a failed service's OnFailure= starts, with the failed unit's name as instance. */
export const NOTIFY_FAILURE_UNIT = 'pullback-notify-failure@.service';

/** The paths pullback writes: the state directory (mirror, catalog, logs, borg's own state), each host's repository, the metrics file's folder; none inside another. */
export function writablePaths(config: Config): string[] {
  const g = config.global;
  const paths = [g.stateDir, ...config.hosts.map((h) => repositoryPath(g, h.name)), ...(g.metricsFile ? [dirname(g.metricsFile)] : [])];
  const inside = (p: string, q: string) => p !== q && !relative(q, p).startsWith('..') && !isAbsolute(relative(q, p));
  return [...new Set(paths)].filter((p) => !paths.some((q) => inside(p, q)));
}

/**
 * The sandbox of every pullback service (systemd.exec(5)): the file system read-only but for
 * `writable`, no capabilities, network over IP and Unix sockets only, the
 * system-service syscalls. As root, only the file-ownership capabilities stay (see below). Not MemoryDenyWriteExecute: V8's JIT needs writable+executable memory.
 */
export function sandboxLines(o: SystemdOptions): string[] {
  const root = o.user === 'root';
  return [
    `User=${o.user}`,
    ...(root ? [] : [`Group=${o.user}`]),
    'UMask=0077',
    'ProtectSystem=strict',
    // A repository not created yet (pullback init makes it) must not stop the unit from starting.
    `ReadWritePaths=${o.writable.map((p) => `-${systemdWord(p)}`).join(' ')}`,
    'ProtectHome=yes',
    'PrivateTmp=yes',
    'PrivateDevices=yes',
    'NoNewPrivileges=yes',
    // As root: what keeping pulled files' owners and attributes takes, and handing a scratch PostgreSQL cluster to the postgres user.
    root ? 'CapabilityBoundingSet=CAP_CHOWN CAP_FOWNER CAP_DAC_OVERRIDE CAP_SETFCAP CAP_SETUID CAP_SETGID' : 'CapabilityBoundingSet=',
    'AmbientCapabilities=',
    'RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6',
    'SystemCallFilter=@system-service',
    'SystemCallErrorNumber=EPERM',
    'SystemCallArchitectures=native',
    'ProtectKernelTunables=yes',
    'ProtectKernelModules=yes',
    'ProtectKernelLogs=yes',
    'ProtectControlGroups=yes',
    'ProtectClock=yes',
    'ProtectHostname=yes',
    'ProtectProc=invisible',
    'LockPersonality=yes',
    'RestrictNamespaces=yes',
    'RestrictRealtime=yes',
    'RestrictSUIDSGID=yes',
    'RemoveIPC=yes',
    'KeyringMode=private',
    'PrivateIPC=yes',
    'PrivateMounts=yes',
  ];
}

/** A oneshot service and a persistent timer per job (nice'd, idle I/O, sandboxed), and the failure notifier's template, for /etc/systemd/system. */
export function buildSystemdUnits(plan: SchedulePlan, launcher: Launcher, o: SystemdOptions): UnitFile[] {
  const out: UnitFile[] = [];
  for (const j of plan.jobs) {
    const exec = [launcher.node, ...jobArgs(launcher, j)].map(systemdWord).join(' ');
    out.push({
      name: `pullback-${j.job}.service`,
      text: [
        '[Unit]',
        `Description=pullback ${j.job}: ${j.what}`,
        'Wants=network-online.target',
        'After=network-online.target',
        // %n: this unit's name, the instance of the notifier that says it failed.
        `OnFailure=${NOTIFY_FAILURE_UNIT.replace('@.', '@%n.')}`,
        '',
        '[Service]',
        'Type=oneshot',
        `ExecStart=${exec}`,
        'Nice=10',
        'IOSchedulingClass=idle',
        // SIGTERM lets pullback stop its children and record the run as interrupted before systemd's SIGKILL.
        'KillSignal=SIGTERM',
        'TimeoutStopSec=2min',
        // The longest a run may take; past it systemd stops it and the unit fails (so OnFailure= tells).
        // A oneshot's run is its start: RuntimeMaxSec= bounds oneshots only from systemd 253 on.
        ...(j.runtimeMax ? [`TimeoutStartSec=${j.runtimeMax}`] : []),
        ...sandboxLines(o),
        '',
      ].join('\n'),
    });
    out.push({
      name: `pullback-${j.job}.timer`,
      text: [
        '[Unit]',
        `Description=pullback ${j.job} schedule (${j.cron})`,
        '',
        '[Timer]',
        `OnCalendar=${onCalendar(j.cron, plan.timezone)}`,
        'Persistent=true',
        '',
        '[Install]',
        'WantedBy=timers.target',
        '',
      ].join('\n'),
    });
  }
  if (plan.jobs.length > 0) {
    const notify = [launcher.node, launcher.script, '--config', launcher.configPath, 'notify', '--unit-failed'].map(systemdWord).join(' ');
    out.push({
      name: NOTIFY_FAILURE_UNIT,
      text: [
        '[Unit]',
        'Description=pullback: tell the notifiers that %i failed',
        '',
        '[Service]',
        'Type=oneshot',
        `ExecStart=${notify} %i`,
        'TimeoutStartSec=10min',
        ...sandboxLines(o),
        '',
      ].join('\n'),
    });
  }
  return out;
}

/** The units as one text: each preceded by a comment naming its file; the user to create and skipped jobs said at the end. */
export function renderSystemdUnits(plan: SchedulePlan, launcher: Launcher, o: SystemdOptions): string {
  const parts = buildSystemdUnits(plan, launcher, o).map((u) => `# /etc/systemd/system/${u.name}\n${u.text}`);
  const timers = plan.jobs.map((j) => `pullback-${j.job}.timer`);
  const user =
    o.user === 'root'
      ? []
      : [
          `# The units run as ${o.user}: create it (no login, home in the state directory) and give it its files:`,
          `#   useradd --system --user-group --home-dir ${o.writable[0] ?? '/var/lib/pullback'} --shell /usr/sbin/nologin ${o.user}`,
          `#   chown -R ${o.user}: ${o.writable.join(' ')}; chown ${o.user}: the key and passphrase files (mode 0600)`,
          `#   then check as that user: sudo -u ${o.user} pullback doctor`,
        ];
  const tail = [
    ...user,
    ...plan.skipped.map((s) => `# ${s.job}: not scheduled: ${s.reason}`),
    ...(timers.length ? [`# Then: systemctl daemon-reload && systemctl enable --now ${timers.join(' ')}`] : []),
  ];
  return [...parts, ...(tail.length ? [`${tail.join('\n')}\n`] : [])].join('\n');
}
