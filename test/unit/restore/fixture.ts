// Host configs and manifests for the restore planner tests.
import type { HostConfig, SourceConfig } from '../../../src/config/types.js';
import type { DumpRecord, Manifest } from '../../../src/archive/manifest.js';

export function host(name: string, sources: SourceConfig[], over: Partial<HostConfig> = {}): HostConfig {
  return {
    file: `/etc/pullback/hosts/${name}.yaml`,
    name,
    address: '10.0.0.5',
    port: 22,
    user: 'backup',
    sources,
    restore: { stopWrites: [], startWrites: [], checks: [], spaceMargin: 0.1, minFreeBytes: 0 },
    ...over,
  };
}

export function src(name: string, kind: SourceConfig['kind'], path: string, over: Partial<SourceConfig> = {}): SourceConfig {
  return { name, kind, path, exclude: [], ...over };
}

export function dump(database: string, over: Partial<DumpRecord> = {}): DumpRecord {
  return { file: `${database}.pgdump`, engine: 'postgres', database, format: 'custom', serverVersion: '15.4', size: 1000, sha256: '0'.repeat(64), endedAt: '2024-01-01T00:00:00Z', rowCounts: { 'public.t': 3 }, ...over };
}

export function manifest(sources: Manifest['sources']): Manifest {
  return { format: 1, host: 'main', archive: 'main-20240101T000000Z', createdAt: '2024-01-01T00:00:00Z', sources };
}
