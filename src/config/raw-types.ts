// The shape of the YAML files once they passed the schema (snake_case, defaults not yet applied).
import type { RawNotifier } from './normalize-notify.js';
import type { RawOffsite } from './normalize-offsite.js';

export type RawDuration = number | string;

export interface RawConnection {
  host?: string;
  port?: number;
  user?: string;
  password_file?: string;
}

export interface RawGlobal {
  state_dir?: string;
  hosts_dir?: string;
  repository: { path: string; encryption?: string; passphrase_file?: string; compression?: string };
  retention?: { daily?: number; weekly?: number; monthly?: number };
  concurrency?: number;
  source_concurrency?: number;
  ssh: { identity_file: string; known_hosts: string; connect_timeout?: RawDuration; alive_timeout?: RawDuration };
  rsync?: { timeout?: RawDuration; attempts?: number; backoff?: RawDuration; rsync_path?: string };
  checks?: Record<string, string | number>;
  drill?: { sample?: number; max_missing?: number; database?: { postgres?: RawConnection; mariadb?: RawConnection } };
  dump_timeout?: RawDuration;
  dumps?: { max_clock_skew?: RawDuration };
  restore_wait?: RawDuration;
  schedule?: { timezone?: string; backup?: string; check?: string; drill?: string; report?: string; args?: Partial<Record<'backup' | 'check' | 'drill' | 'report', string[]>> };
  notify?: RawNotifier[];
  notify_remind?: RawDuration;
  offsite?: RawOffsite[];
  max_shrink?: string;
  max_shrink_window?: RawDuration;
  max_disk_usage?: string;
  metrics?: { file?: string };
  logs?: { keep_days?: number };
  backup_host?: string;
  catalog?: { url: string; password_file?: string };
}

export interface RawSource {
  name: string;
  kind: string;
  path: string;
  exclude?: string[];
  max_age?: RawDuration;
  database?: string;
  pattern?: string;
  max_shrink?: string;
  dump?: { engine: string; databases: string[] | 'all'; connection?: RawConnection; keep?: number };
  pitr?: { slot?: string; max_lag?: RawDuration; connection?: RawConnection; server?: { data_directory: string; stop: string[][]; start: string[][]; owner?: string } };
}

export interface RawCheck {
  name: string;
  sql?: { source: string; database: string; query: string; expect: string };
  http?: { url: string; timeout?: RawDuration };
  command?: string[];
}

export interface RawHost {
  name: string;
  address: string;
  port?: number;
  user: string;
  keys?: { pull?: string; dump?: string; restore?: string; wal?: string };
  max_age?: RawDuration;
  backup_host?: string;
  sources: RawSource[];
  restore?: {
    stop_writes?: string[][];
    start_writes?: string[][];
    space_margin?: number;
    min_free?: number | string;
    checks?: RawCheck[];
  };
}
