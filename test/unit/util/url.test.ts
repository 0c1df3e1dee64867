// Credentials in URLs: masked wherever a URL appears in a text, and moved to a Basic header for fetch.
import { describe, expect, it } from 'vitest';
import { credentialsToHeader, redactUrls } from '../../../src/util/url.js';

describe('redactUrls', () => {
  it('masks user and password of every URL in a text, and nothing else', () => {
    expect(redactUrls('check http://u:p%40ss@10.0.0.5:8080/health?x=1 failed')).toBe('check http://***@10.0.0.5:8080/health?x=1 failed');
    expect(redactUrls('a https://token@hooks.example/x and ftp://a:b@h/ b')).toBe('a https://***@hooks.example/x and ftp://***@h/ b');
    expect(redactUrls('{"url":"http://a:b@h/p"}')).toBe('{"url":"http://***@h/p"}');
    expect(redactUrls('http://10.0.0.5/health mail me@example.org')).toBe('http://10.0.0.5/health mail me@example.org');
    expect(redactUrls('see http://h/path@thing')).toBe('see http://h/path@thing');
  });
});

describe('credentialsToHeader', () => {
  it('moves decoded credentials to an Authorization header and leaves a URL without them alone', () => {
    expect(credentialsToHeader('http://check%20er:Ck%20S3cret%40x@127.0.0.1:99/health')).toEqual({
      url: 'http://127.0.0.1:99/health',
      headers: { authorization: `Basic ${Buffer.from('check er:Ck S3cret@x').toString('base64')}` },
    });
    expect(credentialsToHeader('http://127.0.0.1/x')).toEqual({ url: 'http://127.0.0.1/x', headers: {} });
    expect(credentialsToHeader('not a url')).toEqual({ url: 'not a url', headers: {} });
  });
});
