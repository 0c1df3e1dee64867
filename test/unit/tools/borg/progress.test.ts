// borg's --log-json stderr lines: archive_progress for the bar, log messages unwrapped to their text.
import { describe, expect, it } from 'vitest';
import { parseBorgLogLine } from '../../../../src/tools/borg/progress.js';

describe('parseBorgLogLine', () => {
  it('reads archive_progress, finished or not', () => {
    const l = '{"type": "archive_progress", "original_size": 4194304, "compressed_size": 4100000, "deduplicated_size": 4000000, "nfiles": 21, "path": "data/big.bin", "time": 1700000000.5}';
    expect(parseBorgLogLine(l)).toEqual({
      kind: 'progress',
      progress: { originalSize: 4194304, compressedSize: 4100000, deduplicatedSize: 4000000, nfiles: 21, path: 'data/big.bin', finished: false },
    });
    expect(parseBorgLogLine('{"type": "archive_progress", "time": 1700000001.0, "finished": true}')).toMatchObject({ kind: 'progress', progress: { finished: true, nfiles: 0 } });
  });

  it('unwraps log messages and drops other progress objects', () => {
    expect(parseBorgLogLine('{"type": "log_message", "time": 1, "message": "data/x: file changed while we backed it up", "levelname": "WARNING", "name": "borg.archive"}')).toEqual({
      kind: 'message',
      text: 'data/x: file changed while we backed it up',
    });
    expect(parseBorgLogLine('{"type": "progress_percent", "operation": 1, "msgid": "extract", "finished": false, "current": 1, "total": 2}')).toEqual({ kind: 'other' });
  });

  it("gives a file's --list line as borg prints it without --log-json", () => {
    expect(parseBorgLogLine('{"type": "file_status", "status": "A", "path": "data/new file"}')).toEqual({ kind: 'file', text: 'A data/new file' });
  });

  it('leaves plain text and other JSON alone', () => {
    for (const l of ['Remote: borg says hello', '{not json', '{"archive": {"name": "a"}}', '']) expect(parseBorgLogLine(l), l).toBeUndefined();
  });
});
