// Feature modules that register their commands (restore, drill, report) are imported here.
import '../commands/drill.js';
import '../commands/restore.js';
import '../commands/init.js';
import '../commands/status.js';
import '../commands/daemon.js';
import '../commands/schedule.js';
import '../commands/report.js';
import '../commands/logs.js';
import '../commands/hosts.js';
import '../commands/key.js';
import '../commands/offsite.js';
