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

  it('gives up after the timeout, and tries again next time', async () => {
    const fetcher = new UrlFetcher({ timeoutMs: 200 });
    const started = Date.now();
    await expect(fetcher.fetch(`${base}/slow`)).rejects.toThrow(/did not answer within 0.2 s/);
    expect(Date.now() - started).toBeLessThan(1_500);
    await expect(fetcher.fetch(`${base}/slow`)).rejects.toThrow(/did not answer/);
    expect(hits.get('/slow')).toBe(2);
  });

  it('says which status a failed page answered, and fetches only http(s)', async () => {
    const fetcher = new UrlFetcher();
    await expect(fetcher.fetch(`${base}/missing`)).rejects.toThrow(/answered 404 Not Found/);
    await expect(fetcher.fetch('file:///etc/passwd')).rejects.toThrow(/Only http\(s\) URLs/);
  });
});
