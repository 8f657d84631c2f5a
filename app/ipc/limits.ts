import { z } from 'zod';

/**
 * The wire's size limits, in one place: the contract's big texts are bounded in UTF-8 bytes (what a user
 * knows as "MB" and what lands on disk), and the browser-mode frame limit is derived from them, so every
 * request for one big text that the contract accepts also fits in a WebSocket frame.
 */

const MB = 1024 * 1024;

/** Pasted text attached to a step. */
export const MAX_ATTACHMENT_TEXT_BYTES = 5 * MB;
/** A file saved from the editor, and its live buffer: room to grow a file the editor opens (up to 5 MB). */
export const MAX_SAVED_FILE_BYTES = 10 * MB;

/** JSON spends at most 6 bytes on one UTF-8 byte: a control character becomes `\u001f`. */
const MAX_JSON_BYTES_PER_TEXT_BYTE = 6;
/** Everything in a request besides its one big text: the frame's id, call name, paths (4,096 characters), titles. */
const ENVELOPE_BYTES = MB;
/** The largest WebSocket frame browser mode accepts: the largest text, fully escaped, plus its envelope. */
export const MAX_FRAME_BYTES = MAX_JSON_BYTES_PER_TEXT_BYTE * Math.max(MAX_ATTACHMENT_TEXT_BYTES, MAX_SAVED_FILE_BYTES) + ENVELOPE_BYTES;

/** The error code of a request over one of these limits. */
export const TOO_LARGE = 'too-large';

export const megabytes = (bytes: number) => `${Math.round((bytes / MB) * 10) / 10} MB`;

/**
 * Whether `text` takes more than `limit` bytes in UTF-8, without encoding it. A lone surrogate counts as
 * the 3 bytes of U+FFFD that an encoder writes for it. Decides from the length alone when it can: one UTF-16
 * unit is 1 to 3 bytes (a surrogate pair is 4 for two units).
 */
export function utf8Exceeds(text: string, limit: number): boolean {
  if (text.length > limit) return true;
  if (text.length * 3 <= limit) return false;
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    if (unit < 0x80) bytes += 1;
    else if (unit < 0x800) bytes += 2;
    else if (unit >= 0xd800 && unit <= 0xdbff && (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      bytes += 4;
      i++;
    } else bytes += 3;
    if (bytes > limit) return true;
  }
  return false;
}

export const attachmentTooLarge = `This attachment is over ${megabytes(MAX_ATTACHMENT_TEXT_BYTES)}.`;
export const fileTooLargeToSave = `This file is over ${megabytes(MAX_SAVED_FILE_BYTES)} to save.`;
export const requestTooLarge = `This request is over ${megabytes(MAX_FRAME_BYTES)}, more than the connection to Steerway carries.`;

/** A string of at most `limit` UTF-8 bytes; over it, the issue carries `message` and the `too-large` code in its params. */
export function boundedText(limit: number, message: string) {
  return z.string().refine((text) => !utf8Exceeds(text, limit), { message, params: { code: TOO_LARGE } });
}

/** The user-facing message of a size-limit issue in a failed validation, if the request failed for its size. */
export function sizeLimitMessage(error: z.ZodError): string | null {
  const issue = error.issues.find((i) => i.code === 'custom' && i.params?.code === TOO_LARGE);
  return issue?.message ?? null;
}
