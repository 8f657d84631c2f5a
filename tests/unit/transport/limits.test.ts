import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { calls, type CallName } from '../../../app/ipc/contract';
import {
  MAX_ATTACHMENT_TEXT_BYTES, MAX_FRAME_BYTES, MAX_SAVED_FILE_BYTES, attachmentTooLarge, fileTooLargeToSave, utf8Exceeds,
} from '../../../app/ipc/limits';
import { MAX_EDITOR_BYTES } from '../../../main/services/fileService';

/** The calls that carry one big text, with the largest request of each around a text of `text`. */
const bigTextCalls: { name: CallName; limit: number; message: string; request: (text: string) => unknown }[] = [
  {
    name: 'attachment.add', limit: MAX_ATTACHMENT_TEXT_BYTES, message: attachmentTooLarge,
    request: (text) => ({ journalId: 'j'.repeat(100), stepId: 's'.repeat(100), attachment: { kind: 'text', title: '\u0001'.repeat(500), text } }),
  },
  {
    name: 'file.write', limit: MAX_SAVED_FILE_BYTES, message: fileTooLargeToSave,
    request: (text) => ({ path: '\u0001'.repeat(4096), text, baseMtimeMs: -Number.MAX_VALUE }),
  },
  { name: 'editor.buffer', limit: MAX_SAVED_FILE_BYTES, message: fileTooLargeToSave, request: (text) => ({ path: '\u0001'.repeat(4096), text }) },
];

const frameBytes = (name: CallName, input: unknown) =>
  Buffer.byteLength(JSON.stringify({ id: Number.MAX_SAFE_INTEGER, call: name, input }));

describe('wire limits', () => {
  it('counts UTF-8 bytes as an encoder does, lone surrogates included (property)', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: 'binary', maxLength: 60 }), fc.string({ unit: 'grapheme', maxLength: 60 })), fc.nat(200), (text, limit) => {
        expect(utf8Exceeds(text, limit)).toBe(Buffer.byteLength(text, 'utf8') > limit);
      }),
      { numRuns: 5000, seed: 3 },
    );
  });

  it('fits every request the contract accepts for a big text into one frame, however it escapes', () => {
    for (const { name, limit, request } of bigTextCalls) {
      // A control character is one UTF-8 byte and six JSON bytes (\u0001): the worst case, exactly linear in the text.
      const envelope = frameBytes(name, request(''));
      expect(frameBytes(name, request('\u0001'.repeat(1000)))).toBe(envelope + 6 * 1000);
      expect(envelope + 6 * limit, name).toBeLessThanOrEqual(MAX_FRAME_BYTES);
    }
  });

  it('accepts a text of exactly its limit and refuses one byte more with the message the UI shows', () => {
    for (const { name, limit, message, request } of bigTextCalls) {
      // Three-byte characters: the limit is in bytes, not characters.
      const atLimit = '€'.repeat(Math.floor(limit / 3)) + 'x'.repeat(limit % 3);
      expect(calls[name].input.safeParse(request(atLimit)).success, name).toBe(true);
      const over = calls[name].input.safeParse(request(atLimit + 'x'));
      expect(over.success).toBe(false);
      expect(over.error?.issues.map((issue) => issue.message)).toContain(message);
    }
    expect(attachmentTooLarge).toBe('This attachment is over 5 MB.');
    expect(fileTooLargeToSave).toBe('This file is over 10 MB to save.');
  });

  it('lets the editor save any file it opens, with room to grow', () => {
    expect(MAX_SAVED_FILE_BYTES).toBeGreaterThanOrEqual(2 * MAX_EDITOR_BYTES);
  });
});
