import { describe, expect, it } from 'vitest';
import { capNesting, HtmlConverter, htmlToText, htmlWorkerSource } from '../../../main/assistant/htmlText';

const count = (text: string, needle: string) => text.split(needle).length - 1;

describe('capNesting', () => {
  it('leaves an ordinary page as it is, sloppy lists and tables included', () => {
    const rows = Array.from({ length: 600 }, (_, i) => `<tr><td>row ${i}<td>cell`).join('\n');
    const items = Array.from({ length: 600 }, (_, i) => `<li>item ${i}`).join('\n');
    const paragraphs = Array.from({ length: 600 }, (_, i) => `<p>para ${i}`).join('\n');
    const page = [
      '<!DOCTYPE html><html><head><title>a <div> title</title><meta charset="utf-8">',
      '<script>const s = "<div><div><div>";</script><style>div > p { }</style></head>',
      '<body><!-- <div><div> --><svg><path d="M0"/><path d="M1"/></svg><br><img src="a.png">',
      `<table>${rows}</table><ul>${items}</ul>${paragraphs}<dl><dt>a<dd>b<dt>c<dd>d</dl></body></html>`,
    ].join('');
    expect(capNesting(page, 8)).toBe(page);
  });

  it('drops the tags nested deeper than the limit, with their end tags, and keeps the text', () => {
    const depth = 1_000;
    const html = '<div>a'.repeat(depth) + 'x' + '</div>'.repeat(depth) + '<p>after</p>';
    const capped = capNesting(html, 10);
    expect(count(capped, '<div>')).toBe(10);
    expect(count(capped, '</div>')).toBe(10);
    expect(capped.replace(/<[^>]*>|\s/g, '')).toBe('a'.repeat(depth) + 'x' + 'after');
    // Unclosed nesting, as in the report's page: 150,000 open tags.
    const open = capNesting('<div>'.repeat(150_000) + 'x', 256);
    expect(count(open, '<div>')).toBe(256);
    expect(open.endsWith('x')).toBe(true);
  });

  it('stays linear on input made to defeat a scanner', () => {
    for (const hostile of ['<'.repeat(1_000_000), '<a'.repeat(500_000), '<!--'.repeat(250_000), '<b x="'.repeat(200_000), '<script>'.repeat(125_000)]) {
      expect(capNesting(hostile, 256).length).toBeGreaterThanOrEqual(hostile.length - 256 * 8);
    }
  });
});

describe('HTML to text off the main thread', () => {
  it('converts in a worker: readable text, no scripts or link targets', async () => {
    const text = await new HtmlConverter({ maxChars: 10_000 }).convert('<h1>Title</h1><p>See <a href="https://x.test/">the docs</a>.</p><script>alert(1)</script>');
    expect(text).toBe('TITLE\n\nSee the docs.');
  });

  it('converts 750 KB of nested tags to their text, where html-to-text alone overflows', async () => {
    const html = '<div>'.repeat(150_000) + 'deep text';
    expect(() => htmlToText('<div>'.repeat(20_000))).not.toThrow();
    expect(await new HtmlConverter({ maxChars: 2 * 1024 * 1024 }).convert(html)).toBe('deep text');
  });

  it('refuses HTML over the size limit and stops a conversion that runs over its time', async () => {
    const converter = new HtmlConverter({ maxChars: 4_096, timeoutMs: 20 });
    await expect(converter.convert('<p>' + 'x'.repeat(5_000))).rejects.toThrow(/longer than 4 KiB of HTML/);
    // No worker starts (loads its modules and converts) within 20 ms.
    await expect(converter.convert('<p>slow</p>')).rejects.toThrow(
      'the page could not be converted to text in 0.02 s',
    );
  });
});

it('starts the worker from the bundle beside main, or from source through tsx', () => {
  expect(htmlWorkerSource('file:///opt/steerway/out/main/cli.js')).toEqual({ code: '/opt/steerway/out/main/htmlWorker.js', eval: false });
  const fromSource = htmlWorkerSource(new URL('../../../main/assistant/htmlText.ts', import.meta.url).href);
  expect(fromSource.eval).toBe(true);
  expect(fromSource.code).toContain('htmlWorkerMain.ts');
});
