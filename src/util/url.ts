// Credentials written in URLs (http://user:password@host/...): never shown, logged or recorded, and
// sent the way HTTP expects (an Authorization header), since fetch refuses URLs that carry them and
// would put the whole URL in its error message.

/** Matches the userinfo part of every URL in a text: `scheme://` then `user[:password]@`. */
const USERINFO = /\b([a-z][a-z0-9+.-]*:\/\/)[^\s/?#@]*@/gi;

/** `text` with the credentials of every URL in it replaced by `***` (http://***@host/path); everything else unchanged. */
export function redactUrls(text: string): string {
  return text.includes('://') ? text.replace(USERINFO, '$1***@') : text;
}

/** The URL without its credentials, and the Authorization header that carries them (Basic), for fetch. */
export function credentialsToHeader(url: string): { url: string; headers: Record<string, string> } {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return { url, headers: {} };
  }
  if (u.username === '' && u.password === '') return { url, headers: {} };
  const pair = `${decodeURIComponent(u.username)}:${decodeURIComponent(u.password)}`;
  u.username = '';
  u.password = '';
  return { url: u.href, headers: { authorization: `Basic ${Buffer.from(pair).toString('base64')}` } };
}
