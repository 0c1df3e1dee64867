// Notification targets for tests: a local HTTP listener that records what it got (or never answers),
// and executable scripts that record their stdin (a command notifier, a sendmail stand-in) or hang.
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { registerCleanup } from './cleanup.js';
import { makeTempDir } from './tmp.js';

export interface Received {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  body: string;
  /** When the request was received (ISO, as the catalog writes its times). */
  at: string;
}

export interface Listener {
  url: string;
  received: Received[];
  close(): Promise<void>;
}

/** An HTTP server on 127.0.0.1 that records every request; `hang` never answers; `status` is the answer's status. */
export async function startListener(opts: { hang?: boolean; status?: number } = {}): Promise<Listener> {
  const received: Received[] = [];
  const open = new Set<ServerResponse>();
  const server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (body += c));
    req.on('end', () => {
      received.push({ method: req.method ?? '', path: req.url ?? '', headers: req.headers, body, at: new Date().toISOString() });
      if (opts.hang) open.add(res);
      else res.writeHead(opts.status ?? 200, { 'content-type': 'text/plain' }).end('OK');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  const close = async () => {
    for (const res of open) res.destroy();
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
  };
  registerCleanup(close);
  return { url: `http://127.0.0.1:${port}`, received, close };
}

/** An executable script that appends its argv and stdin to a record file; `hang` sleeps instead. */
export function recordingScript(name: string, opts: { hang?: boolean; exitCode?: number } = {}): { path: string; records(): string[] } {
  const dir = makeTempDir('notify-script-');
  const out = join(dir, 'received');
  const path = join(dir, name);
  const body = opts.hang
    ? '#!/bin/sh\nexec sleep 60\n'
    : `#!/bin/sh\n{ echo "ARGV: $*"; cat; echo; echo "----END----"; } >> '${out}'\nexit ${opts.exitCode ?? 0}\n`;
  writeFileSync(path, body);
  chmodSync(path, 0o755);
  return {
    path,
    records: () => (existsSync(out) ? readFileSync(out, 'utf8').split('----END----\n').filter((s) => s.trim() !== '') : []),
  };
}
