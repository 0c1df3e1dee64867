// The recovery window of every PITR source of the given hosts, read from the catalog.
import type { Catalog } from '../catalog/catalog.js';
import { archivedBaseBackups, receiverRecord } from '../catalog/pitr.js';
import { repositoryPath, type GlobalConfig, type HostConfig } from '../config/types.js';
import { recoveryWindow, type RecoveryWindow } from './recovery-window.js';

/** One window per source with pitr, in config order. */
export function recoveryWindows(global: GlobalConfig, hosts: readonly HostConfig[], catalog: Catalog, now: Date): RecoveryWindow[] {
  return hosts.flatMap((h) =>
    h.sources
      .filter((s) => s.pitr)
      .map((s) => recoveryWindow(h.name, s, archivedBaseBackups(catalog, repositoryPath(global, h.name), h.name, s.name), receiverRecord(catalog, h.name, s.name), now)),
  );
}
