import { convert } from 'html-to-text';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';

/**
 * Deeper than any real page nests (documentation sites stay well under 100); deeper nesting is where the HTML
 * parser and html-to-text turn superlinear (150,000 nested tags took minutes) or overflow the stack.
 */
export const HTML_MAX_DEPTH = 256;
/** Wall-clock time one conversion may take, worker start included. */
export const HTML_TIMEOUT_MS = 10_000;
/** Heap one conversion may use: a page that needs more is refused, not allowed to grow main's memory. */
const HTML_MAX_HEAP_MB = 256;

const VOID_ELEMENTS = new Set(['area', 'base', 'basefont', 'br', 'col', 'command', 'embed', 'frame', 'hr', 'img', 'input', 'isindex', 'keygen', 'link', 'meta', 'param', 'source', 'track', 'wbr']);
/** Elements whose content is text to the parser, up to their own end tag. */
const RAW_TEXT_ELEMENTS = new Set(['script', 'style', 'title', 'textarea', 'xmp']);
/** The end tags htmlparser2 implies when an element opens (its `openImpliesClose`), so sloppy lists and tables do not count as nesting. */
const P_CLOSERS = 'p h1 h2 h3 h4 h5 h6 address article aside blockquote details div dl fieldset figcaption figure footer form header hr main nav ol pre section table ul';
const IMPLIED_CLOSES = new Map<string, Set<string>>([
  ...P_CLOSERS.split(' ').map((name) => [name, new Set(['p'])] as const),
  ['tr', new Set(['tr', 'th', 'td'])],
  ['th', new Set(['th'])],
  ['td', new Set(['thead', 'th', 'td'])],
  ['li', new Set(['li'])],
  ['option', new Set(['option'])],
  ['optgroup', new Set(['optgroup', 'option'])],
  ['dd', new Set(['dd', 'dt'])],
  ['dt', new Set(['dd', 'dt'])],
  ['rt', new Set(['rt', 'rp'])],
  ['rp', new Set(['rt', 'rp'])],
  ['tbody', new Set(['thead', 'tbody'])],
  ['tfoot', new Set(['thead', 'tbody'])],
]);
const SLASH = 0x2f;

/** Where a tag name starting at `start` ends (as the parser reads one: a letter, then anything but space, `/` or `>`); `start` when there is none. */
function tagNameEnd(html: string, start: number): number {
  const first = html.charCodeAt(start) | 0x20;
  if (first < 0x61 || first > 0x7a) return start;
  let end = start + 1;
  for (; end < html.length; end++) {
    const c = html.charCodeAt(end);
    if (c === 0x20 || c === SLASH || c === 0x3e || c === 0x09 || c === 0x0a || c === 0x0c || c === 0x0d) break;
  }
  return end;
}

/**
 * The HTML with every tag nested deeper than `maxDepth` (and its end tag) replaced by a space, so the text stays
 * and the parser never sees more than `maxDepth` open elements. One linear pass: every search resumes where the
 * last one ended, so no input (`<<<<`, unclosed comments) makes it quadratic. It models the parser closely
 * (void, raw-text and foreign elements, implied end tags); where it differs, the conversion's timeout still holds.
 */
export function capNesting(html: string, maxDepth = HTML_MAX_DEPTH): string {
  const stack: { name: string; dropped: boolean }[] = [];
  const open = new Map<string, number>();
  const push = (name: string, dropped: boolean) => {
    stack.push({ name, dropped });
    open.set(name, (open.get(name) ?? 0) + 1);
  };
  const pop = () => {
    const top = stack.pop()!;
    open.set(top.name, open.get(top.name)! - 1);
    return top;
  };
  const foreign = () => (open.get('svg') ?? 0) + (open.get('math') ?? 0) > 0;
  const pieces: string[] = [];
  let kept = 0;
  const drop = (start: number, end: number) => {
    // A run of dropped tags becomes one space.
    if (start > kept) pieces.push(html.slice(kept, start), ' ');
    else if (pieces.length === 0) pieces.push(' ');
    kept = end;
  };
  // Where the next `>` and `-->` are, found once and reused until the scan passes them (-1: none left).
  let nextGt = 0;
  let nextCommentEnd = 0;
  let i = 0;
  while ((i = html.indexOf('<', i)) !== -1) {
    if (html.startsWith('<!--', i)) {
      if (nextCommentEnd !== -1 && nextCommentEnd < i + 4) nextCommentEnd = html.indexOf('-->', i + 4);
      if (nextCommentEnd === -1) break;
      i = nextCommentEnd + 3;
      continue;
    }
    const closing = html.charCodeAt(i + 1) === SLASH;
    const nameStart = closing ? i + 2 : i + 1;
    const nameEnd = tagNameEnd(html, nameStart);
    if (nameEnd === nameStart) {
      i++;
      continue;
    }
    if (nextGt !== -1 && nextGt <= i) nextGt = html.indexOf('>', i);
    if (nextGt === -1) break;
    const end = nextGt + 1;
    const name = html.slice(nameStart, nameEnd).toLowerCase();
    if (closing) {
      if (open.get(name)) {
        let top = pop();
        while (top.name !== name) top = pop();
        if (top.dropped) drop(i, end);
      }
    } else if (!VOID_ELEMENTS.has(name) && !(html[nextGt - 1] === '/' && foreign())) {
      const implied = IMPLIED_CLOSES.get(name);
      while (implied && stack.length > 0 && implied.has(stack[stack.length - 1]!.name)) pop();
      const dropped = stack.length >= maxDepth;
      push(name, dropped);
      if (dropped) drop(i, end);
      if (RAW_TEXT_ELEMENTS.has(name)) {
        const close = new RegExp(`</${name}`, 'gi');
        close.lastIndex = end;
        if (!close.exec(html)) break;
        i = close.lastIndex - name.length - 2;
        continue;
      }
    }
    i = end;
  }
  pieces.push(html.slice(kept));
  return pieces.join('');
}

/** HTML as the text a reader sees: no scripts, styles, images or link targets. Synchronous: run it off main. */
export function htmlToText(html: string): string {
  return convert(capNesting(html), {
    wordwrap: false,
    selectors: [
      { selector: 'a', options: { ignoreHref: true } },
      { selector: 'img', format: 'skip' },
      { selector: 'script', format: 'skip' },
      { selector: 'style', format: 'skip' },
      { selector: 'nav', format: 'skip' },
    ],
  }).trim();
}

/** scripts/build.mjs bundles main/assistant/htmlWorkerMain.ts to this file, next to main's own bundle in out/main/. */
export const HTML_WORKER_BUNDLE = 'htmlWorker.js';

/**
 * How to start the conversion worker, seen from this module: from source (tests, dev) the TypeScript entry is
 * loaded through tsx (a worker does not take it from `--import`); from a bundle, htmlWorker.js beside it
 * (a CommonJS bundle has no import.meta.url: its __dirname is that folder).
 */
export function htmlWorkerSource(moduleUrl: string | undefined = import.meta.url): { code: string; eval: boolean } {
  if (moduleUrl?.endsWith('.ts')) {
    const entry = fileURLToPath(new URL('./htmlWorkerMain.ts', moduleUrl));
    // tsx's require hooks run in the worker's own thread (its ESM hooks would start a loader thread: twice as slow).
    const tsx = createRequire(moduleUrl).resolve('tsx/cjs/api');
    return { code: `require(${JSON.stringify(tsx)}).require(${JSON.stringify(entry)}, ${JSON.stringify(entry)})`, eval: true };
  }
  const bundleDirectory = moduleUrl ? path.dirname(fileURLToPath(moduleUrl)) : __dirname;
  return { code: path.join(bundleDirectory, HTML_WORKER_BUNDLE), eval: false };
}

/** What the worker answers. */
export type HtmlWorkerReply = { text: string } | { error: string };

export class HtmlConversionError extends Error {
  override readonly name = 'HtmlConversionError';
}

export interface HtmlConverterOptions {
  /** The longest HTML converted, in characters. */
  maxChars: number;
  timeoutMs?: number;
}

/**
 * Converts HTML to text in worker threads, so main's event loop never waits on it: bounded in size (input and
 * heap) and in wall-clock time (a worker that runs over is terminated). Each conversion gets a fresh worker,
 * ended afterwards; the next one is started ahead (idle, not keeping the process alive), so a conversion does
 * not wait for a worker to load its modules. Throws HtmlConversionError.
 */
export class HtmlConverter {
  private spare: Worker | null = null;
  private readonly maxChars: number;
  private readonly timeoutMs: number;

  constructor(options: HtmlConverterOptions) {
    this.maxChars = options.maxChars;
    this.timeoutMs = options.timeoutMs ?? HTML_TIMEOUT_MS;
  }

  /** Starts the next conversion's worker now (a page is on its way). */
  prepare(): void {
    if (this.spare) return;
    const source = htmlWorkerSource();
    const worker = new Worker(source.code, { eval: source.eval, resourceLimits: { maxOldGenerationSizeMb: HTML_MAX_HEAP_MB } });
    worker.unref();
    // A spare that fails before it is used is forgotten; the next conversion starts another.
    const forget = () => {
      if (this.spare === worker) this.spare = null;
    };
    worker.once('exit', forget).once('error', forget);
    this.spare = worker;
  }

  convert(html: string): Promise<string> {
    if (html.length > this.maxChars) {
      return Promise.reject(new HtmlConversionError(`the page is longer than ${Math.round(this.maxChars / 1024)} KiB of HTML, the limit for converting it to text`));
    }
    this.prepare();
    const worker = this.spare!;
    this.spare = null;
    this.prepare();
    return new Promise<string>((resolve, reject) => {
      let settled = false;
      const settle = (outcome: () => void) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        void worker.terminate();
        outcome();
      };
      const timer = setTimeout(
        () => settle(() => reject(new HtmlConversionError(`the page could not be converted to text in ${this.timeoutMs / 1000} s`))),
        this.timeoutMs,
      );
      worker.on('message', (reply: HtmlWorkerReply) =>
        settle(() => ('text' in reply ? resolve(reply.text) : reject(new HtmlConversionError(`the page could not be converted to text: ${reply.error}`)))),
      );
      worker.on('error', (error: Error & { code?: string }) =>
        settle(() =>
          reject(
            new HtmlConversionError(
              error.code === 'ERR_WORKER_OUT_OF_MEMORY'
                ? `the page needs more than ${HTML_MAX_HEAP_MB} MB to convert to text`
                : `the page could not be converted to text: ${error.message}`,
            ),
          ),
        ),
      );
      worker.on('exit', () => settle(() => reject(new HtmlConversionError('the page could not be converted to text: the converter stopped'))));
      worker.postMessage(html);
    });
  }
}
