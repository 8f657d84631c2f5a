import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UrlFetcher } from '../../../main/assistant/documents';

describe('URL documents', () => {
  let server: http.Server;
  let base: string;
  const hits = new Map<string, number>();

  beforeAll(async () => {
    server = http.createServer((request, response) => {
      const url = request.url ?? '/';
      hits.set(url, (hits.get(url) ?? 0) + 1);
      switch (url) {
        case '/plain':
          response.writeHead(200, { 'content-type': 'text/plain' }).end('plain words');
          return;
        case '/page':
          response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' })
            .end('<html><head><style>p{}</style><script>alert(1)</script></head><body><h1>Title</h1><p>See <a href="https://x.test/">the docs</a>.</p><img src="a.png"></body></html>');
          return;
        case '/declared-big':
          response.writeHead(200, { 'content-type': 'text/plain', 'content-length': '5000' }).end('x'.repeat(5000));
          return;
        case '/streamed-big':
          // No content-length: the cap must hold while reading.
          response.writeHead(200, { 'content-type': 'text/plain' });
          for (let i = 0; i < 10; i++) response.write('y'.repeat(500));
          response.end();
          return;
        case '/nested':
          // The report's page: 750 KB of nested tags, which blocked main for 28.8 s.
          response.writeHead(200, { 'content-type': 'text/html' }).end('<div>'.repeat(150_000) + 'the bottom');
          return;
        case '/slow':
          setTimeout(() => response.writeHead(200).end('late'), 2_000);
          return;
        default:
          response.writeHead(404, 'Not Found').end();
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it('fetches text as is and HTML as readable text, once per session', async () => {
    const fetcher = new UrlFetcher();
    expect(await fetcher.fetch(`${base}/plain`)).toBe('plain words');
    const page = await fetcher.fetch(`${base}/page`);
    expect(page).toContain('TITLE');
    expect(page).toContain('See the docs.');
    expect(page).not.toMatch(/alert|https:\/\/x\.test|p\{\}|a\.png/);
    await fetcher.fetch(`${base}/page`);
    expect(hits.get('/page')).toBe(1);
  });

  it('refuses a body over the size cap, declared or streamed', async () => {
    const fetcher = new UrlFetcher({ maxBytes: 4096 });
    await expect(fetcher.fetch(`${base}/declared-big`)).rejects.toThrow(/larger than 4 KiB/);
    await expect(fetcher.fetch(`${base}/streamed-big`)).rejects.toThrow(/larger than 4 KiB/);
  });

  it('gives up after the timeout, and tries again once the failure has been remembered long enough', async () => {
    let now = 0;
    const fetcher = new UrlFetcher({ timeoutMs: 200, retryAfterMs: 60_000, now: () => now });
    const started = Date.now();
    await expect(fetcher.fetch(`${base}/slow`)).rejects.toThrow(/did not answer within 0.2 s/);
    expect(Date.now() - started).toBeLessThan(1_500);
    now = 59_000;
    await expect(fetcher.fetch(`${base}/slow`)).rejects.toThrow(/did not answer/);
    expect(hits.get('/slow')).toBe(1);
    now = 61_000;
    await expect(fetcher.fetch(`${base}/slow`)).rejects.toThrow(/did not answer/);
    expect(hits.get('/slow')).toBe(2);
  });

  it('converts 750 KB of nested tags in under 2 s while main keeps answering', async () => {
    const fetcher = new UrlFetcher();
    // A session's fetcher has converted a page before: the next conversion's worker is already started.
    await fetcher.fetch(`${base}/page`);
    let longestGap = 0;
    let last = performance.now();
    const ticker = setInterval(() => {
      const now = performance.now();
      longestGap = Math.max(longestGap, now - last);
      last = now;
    }, 5);
    try {
      const started = performance.now();
      const nested = fetcher.fetch(`${base}/nested`);
      let finished = false;
      void nested.finally(() => (finished = true)).catch(() => undefined);
      // Another document is fetched and answered while the nested page is still converting.
      expect(await new UrlFetcher().fetch(`${base}/plain`)).toBe('plain words');
      expect(finished).toBe(false);
      expect(await nested).toBe('the bottom');
      expect(performance.now() - started).toBeLessThan(2_000);
      expect(longestGap).toBeLessThan(500);
    } finally {
      clearInterval(ticker);
    }
  });

  it('remembers a page that could not be converted, for the session', async () => {
    let now = 0;
    // No worker starts within 20 ms, so every conversion runs over its time.
    const fetcher = new UrlFetcher({ htmlTimeoutMs: 20, now: () => now });
    const fetchedBefore = hits.get('/page') ?? 0;
    await expect(fetcher.fetch(`${base}/page`)).rejects.toThrow(`${base}/page: the page could not be converted to text in 0.02 s.`);
    now = 24 * 3_600_000;
    await expect(fetcher.fetch(`${base}/page`)).rejects.toThrow(/could not be converted to text in 0.02 s/);
    expect(hits.get('/page')).toBe(fetchedBefore + 1);
  });

  it('says which status a failed page answered, and fetches only http(s)', async () => {
    const fetcher = new UrlFetcher();
    await expect(fetcher.fetch(`${base}/missing`)).rejects.toThrow(/answered 404 Not Found/);
    await expect(fetcher.fetch('file:///etc/passwd')).rejects.toThrow(/Only http\(s\) URLs/);
  });
});
