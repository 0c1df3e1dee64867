// One POST with Node's fetch: 2xx or an Error that names the status, never the URL's credentials, path or query.
import { credentialsToHeader } from '../util/url.js';
import { urlOrigin } from './notifier.js';

/** POSTs `body` to `url`; resolves on 2xx, throws otherwise (HTTP status, network error, timeout). */
export async function postOk(url: string, opts: { headers: Record<string, string>; body: string; signal: AbortSignal }): Promise<void> {
  let res: Response;
  try {
    const req = credentialsToHeader(url);
    res = await fetch(req.url, { method: 'POST', headers: { ...opts.headers, ...req.headers }, body: opts.body, signal: opts.signal, redirect: 'error' });
  } catch (e) {
    if (opts.signal.aborted) throw new Error(`no answer from ${urlOrigin(url)} in time`);
    const cause = (e as { cause?: { code?: string; message?: string } }).cause;
    throw new Error(`POST to ${urlOrigin(url)} failed: ${cause?.code ?? cause?.message ?? (e as Error).message}`);
  }
  await res.body?.cancel().catch(() => undefined);
  if (!res.ok) throw new Error(`${urlOrigin(url)} answered HTTP ${res.status}`);
}
