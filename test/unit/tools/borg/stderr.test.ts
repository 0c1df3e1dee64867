// borg's reason for a failure, picked from what borg 1.2.4 really printed (the last 20 stderr lines
// pullback keeps): never the footer of its traceback ("SSH_ORIGINAL_COMMAND: None", docs/soak.md
// defect 2), but the exception line.
import { describe, expect, it } from 'vitest';
import { toolErrorFrom } from '../../../../src/exec/run.js';
import { StderrCapture } from '../../../../src/exec/stderr.js';
import { parseReadBack } from '../../../../src/tools/borg/read-back.js';
import { borgErrorFrom } from '../../../../src/tools/borg/run.js';
import { borgReason } from '../../../../src/tools/borg/stderr.js';

// `borg list repo::a1` after a segment file holding the archive's metadata was deleted: "Local
// Exception", a chained traceback, then Python's FileNotFoundError (no "error" word in it).
const FILE_NOT_FOUND = [
  "    return self.io.read(segment, offset, id)",
  "           ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^",
  "  File \"/usr/lib/python3/dist-packages/borg/repository.py\", line 1569, in read",
  "    fd = self.get_fd(segment)",
  "         ^^^^^^^^^^^^^^^^^^^^",
  "  File \"/usr/lib/python3/dist-packages/borg/repository.py\", line 1455, in get_fd",
  "    fd = open_fd()",
  "         ^^^^^^^^^",
  "  File \"/usr/lib/python3/dist-packages/borg/repository.py\", line 1436, in open_fd",
  "    fd = open(self.segment_filename(segment), 'rb')",
  "         ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^",
  "FileNotFoundError: [Errno 2] No such file or directory: '/tmp/bt/repo3/data/0/2'",
  "",
  "Platform: Linux vm 6.18.44-fc-v1272 #1 SMP PREEMPT_DYNAMIC @0 x86_64",
  "Linux: Unknown Linux  ",
  "Borg: 1.2.4  Python: CPython 3.11.2 msgpack: 1.0.3 fuse: None [pyfuse3,llfuse]",
  "PID: 18831  CWD: /tmp/bt",
  "sys.argv: ['/usr/bin/borg', 'list', 'repo3::a1']",
  "SSH_ORIGINAL_COMMAND: None",
  "",
  "",
];

// `borg list repo` after the manifest's segment was overwritten: borg's message first (fallen out
// of the 20 kept lines), the traceback, then borg's IntegrityError line.
const INTEGRITY = [
  "  File \"/usr/lib/python3/dist-packages/borg/helpers/manifest.py\", line 183, in load",
  "    cdata = repository.get(cls.MANIFEST_ID)",
  "            ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^",
  "  File \"/usr/lib/python3/dist-packages/borg/repository.py\", line 1204, in get",
  "    return self.io.read(segment, offset, id)",
  "           ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^",
  "  File \"/usr/lib/python3/dist-packages/borg/repository.py\", line 1572, in read",
  "    size, tag, key, data = self._read(fd, self.put_header_fmt, header, segment, offset, (TAG_PUT, ), read_data)",
  "                           ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^",
  "  File \"/usr/lib/python3/dist-packages/borg/repository.py\", line 1611, in _read",
  "    raise IntegrityError('Segment entry checksum mismatch [segment {}, offset {}]'.format(",
  "borg.helpers.errors.IntegrityError: Data integrity error: Segment entry checksum mismatch [segment 4, offset 8]",
  "",
  "Platform: Linux vm 6.18.44-fc-v1272 #1 SMP PREEMPT_DYNAMIC @0 x86_64",
  "Linux: Unknown Linux  ",
  "Borg: 1.2.4  Python: CPython 3.11.2 msgpack: 1.0.3 fuse: None [pyfuse3,llfuse]",
  "PID: 18860  CWD: /tmp/bt",
  "sys.argv: ['/usr/bin/borg', 'list', 'repo2']",
  "SSH_ORIGINAL_COMMAND: None",
  "",
  "",
];

/** The RunResult pullback keeps of a borg run that printed `lines` and exited 2. */
function result(lines: string[]) {
  const c = new StderrCapture();
  for (const l of lines) c.push(l);
  return { command: 'borg list /r', exitCode: 2, timedOut: false, aborted: false, durationMs: 1, stderrTail: c.tail, stderrErrors: c.errors };
}

describe('borg failure reasons', () => {
  it("picks the exception line of a traceback, never the footer's SSH_ORIGINAL_COMMAND line", () => {
    // What every borg failure message said before.
    expect(toolErrorFrom(result(FILE_NOT_FOUND), 'borg list of /r').message).toBe('borg list of /r: exited 2: SSH_ORIGINAL_COMMAND: None');
    expect(borgErrorFrom(result(FILE_NOT_FOUND), 'borg list of /r').message).toBe(
      "borg list of /r: exited 2: FileNotFoundError: [Errno 2] No such file or directory: '/tmp/bt/repo3/data/0/2'",
    );
    expect(borgReason(INTEGRITY)).toBe('Data integrity error: Segment entry checksum mismatch [segment 4, offset 8]');
    expect(borgErrorFrom(result(INTEGRITY), 'borg list of /r').message).toBe('borg list of /r: exited 2: Data integrity error: Segment entry checksum mismatch [segment 4, offset 8]');
  });

  it("keeps borg's one-line errors and leaves the footer out when there is no traceback", () => {
    expect(borgReason(['Repository /tmp/bt/nope does not exist.'])).toBe('Repository /tmp/bt/nope does not exist.');
    expect(borgReason(['Local Exception', '', 'Platform: Linux vm', 'SSH_ORIGINAL_COMMAND: None', ''])).toBe('');
    expect(borgReason([])).toBe('');
  });

  it('gives a read-back that failed for another cause the same reason', () => {
    expect(parseReadBack(FILE_NOT_FOUND, 2).error).toBe("FileNotFoundError: [Errno 2] No such file or directory: '/tmp/bt/repo3/data/0/2'");
  });
});
