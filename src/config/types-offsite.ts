// The typed `offsite:` list: where each host's repository is copied to after the night.

/** When a copy is made: after that night's successful check, or after the archive when the last check passed. */
export type OffsiteAfter = 'check' | 'archive';

interface OffsiteCommon {
  name: string;
  after: OffsiteAfter;
  /** Upload limit in bytes per second, or undefined for none. */
  bwlimitBytes?: number;
  /** Local time of day (minutes since midnight) the copy may start in; end before start spans midnight. */
  window?: { start: number; end: number; text: string };
  /** Share (0..1) the local repository may have shrunk since the last copy before a sync is refused. */
  maxShrink: number;
  /** Seconds after which the newest verified copy is stale (notified, shown in status). */
  maxAgeSeconds: number;
}

export interface RcloneTarget extends OffsiteCommon {
  kind: 'rclone';
  /** rclone remote (or local path); `{host}` is replaced by the host name. */
  remoteTemplate: string;
  /** rclone.conf given as --config, or undefined for rclone's default. */
  rcloneConfig?: string;
}

export interface BorgTarget extends OffsiteCommon {
  kind: 'borg';
  /** borg repository URL; `{host}` is replaced by the host name. */
  repoTemplate: string;
  identityFile: string;
  knownHosts: string;
  /** Passphrase of the off-site repository (by default the local one's). */
  passphraseFile?: string;
}

export type OffsiteTarget = RcloneTarget | BorgTarget;

/** Where `target` keeps the copy of `host`. */
export function offsiteLocation(target: OffsiteTarget, host: string): string {
  return (target.kind === 'rclone' ? target.remoteTemplate : target.repoTemplate).split('{host}').join(host);
}
