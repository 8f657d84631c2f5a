// The HTML-to-text worker (bundled to out/main/htmlWorker.js): started ahead of need, converts the one page it is sent.
import { parentPort } from 'node:worker_threads';
import { htmlToText, type HtmlWorkerReply } from './htmlText';

parentPort!.once('message', (html: string) => {
  let reply: HtmlWorkerReply;
  try {
    reply = { text: htmlToText(html) };
  } catch (error) {
    reply = { error: (error as Error).message };
  }
  parentPort!.postMessage(reply);
});
