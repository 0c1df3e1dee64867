// Feature modules that register their commands (restore, drill, report) are imported here.
import '../commands/restore.js';
