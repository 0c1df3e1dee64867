// Schema of the global file's `offsite:` list: a second copy of every repository elsewhere.
import { NAME_PATTERN } from './defaults.js';
import { duration, list, localPath, obj, oneOf, size, str, type SchemaNode } from './schema-node.js';
import { DURATION_PATTERN, PERCENT_PATTERN, SIZE_PATTERN } from './units.js';

export const OFFSITE_DEFAULTS = { after: 'check', maxShrink: '50%' } as const;

/** Pattern of a copy window "HH:MM-HH:MM" (24-hour clock). */
export const WINDOW_PATTERN = '^([01][0-9]|2[0-3]):[0-5][0-9]-([01][0-9]|2[0-3]):[0-5][0-9]$';

const target: SchemaNode = obj(
  {
    name: str({ description: 'Name of the target (for --from-offsite NAME, status and the catalog).', example: 'cold', pattern: NAME_PATTERN, patternDescription: 'letters, digits, dot, dash and underscore, starting with a letter or digit' }),
    rclone: str({
      description:
        'rclone remote the repository directory is synced to (`rclone sync`, then `rclone check`); {host} is replaced by the host name and is required. Any rclone backend: S3, B2, SFTP, a local path. ' +
        'Use a bucket with object lock or versioning so a compromised backup host cannot destroy the copy (docs/offsite.md).',
      example: 'b2:company-backups/pullback/{host}',
    }),
    borg: str({
      description: 'A second borg repository (over SSH, `borg serve` on the other side) archives are created in from the same mirror, under the same names; {host} is replaced by the host name and is required. Install the append-only forced command there (docs/security.md).',
      example: 'ssh://borg@dr.example.org/./{host}',
    }),
    after: oneOf(['check', 'archive'], {
      description: 'check: copy only after this night\'s check of the repository passed (nights without a check make no copy); archive: after every archive, as long as the repository\'s most recent check passed.',
      default: OFFSITE_DEFAULTS.after,
      example: 'check',
    }),
    bwlimit: size(
      { description: 'Upload limit per second (rclone --bwlimit; borg --upload-ratelimit), e.g. 20M. None: no limit.', example: '20M' },
      SIZE_PATTERN,
    ),
    window: str({
      description: 'Time of day (local time, or schedule.timezone) a copy may start in, as HH:MM-HH:MM; a window ending before it starts spans midnight. Outside it the copy is skipped (with the reason), not failed. None: any time.',
      example: '01:00-06:00',
      pattern: WINDOW_PATTERN,
      patternDescription: 'HH:MM-HH:MM on a 24-hour clock, such as 01:00-06:00',
    }),
    rclone_config: localPath({ description: 'rclone.conf of an rclone target (given as --config; credentials stay in it). None: rclone\'s default.', example: '/etc/pullback/rclone.conf' }),
    max_shrink: str({
      description:
        'Share by which the local repository may have shrunk since the last copy before a sync is refused (a wiped or emptied backup host must not wipe the off-site copy). A missing or empty local repository is always refused; rclone also gets --max-delete from it.',
      default: OFFSITE_DEFAULTS.maxShrink,
      example: '50%',
      pattern: PERCENT_PATTERN,
      patternDescription: 'a percentage from 0% to 100%, such as 50%',
    }),
    max_age: duration(
      { description: 'Age of the newest verified copy past which it is stale (status warns, a stale notification is sent).', defaultText: 'twice the copy cadence: 2 days, or twice the repository check interval with after: check', example: '3d' },
      DURATION_PATTERN,
    ),
    identity_file: localPath({ description: 'Private key a borg target is reached with (BORG_RSH). Default: ssh.identity_file.', example: '/etc/pullback/offsite_ed25519' }),
    known_hosts: localPath({ description: 'known_hosts with the borg target\'s host key. Default: ssh.known_hosts.', example: '/etc/pullback/known_hosts' }),
    passphrase_file: localPath({ description: 'Passphrase of a borg target\'s repository (by file descriptor). Default: repository.passphrase_file.', example: '/etc/pullback/offsite-passphrase' }),
  },
  { description: 'One off-site target: exactly one of rclone or borg.', required: ['name'] },
);

export const offsiteSchema: SchemaNode = list(target, {
  description: 'Off-site copies of every host\'s repository, made by pullback run after the check (docs/offsite.md). None: no off-site copies.',
  example: [{ name: 'cold', rclone: 'b2:company-backups/pullback/{host}', bwlimit: '20M', window: '01:00-06:00' }],
});
