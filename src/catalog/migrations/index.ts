// Versioned catalog migrations, applied in order; PRAGMA user_version records the last applied.
// Add a new file per migration and list it here; never edit one that has shipped.
import { core } from './001-core.js';
import { dumps } from './002-dumps.js';
import { restores } from './003-restores.js';
import { drills } from './004-drills.js';
import { hostChecks } from './005-host-checks.js';
import { guards } from './006-guards.js';
import { notifications } from './007-notifications.js';
import { offsite } from './008-offsite.js';
import { runProcess } from './009-run-process.js';
import { mirrorArchive } from './010-mirror-archive.js';
import { sourceMirrorState } from './011-source-mirror-state.js';
import { vanishedArchives } from './012-vanished-archives.js';
import { checkDamage } from './013-check-damage.js';
import { dumpFirstSeen } from './014-dump-first-seen.js';
import { restoreProcess } from './015-restore-process.js';
import { repositoryCreations } from './016-repository-creations.js';
import { damageZeroedFiles } from './017-damage-zeroed-files.js';
import { pitr } from './018-pitr.js';
import { fileIndex } from './019-file-index.js';
import { notifyState } from './020-notify-state.js';
import { repositorySizes } from './021-repository-sizes.js';

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export const migrations: Migration[] = [core, dumps, restores, drills, hostChecks, guards, notifications, offsite, runProcess, mirrorArchive, sourceMirrorState, vanishedArchives, checkDamage, dumpFirstSeen, restoreProcess, repositoryCreations, damageZeroedFiles, pitr, fileIndex, notifyState, repositorySizes];
