import { describe, expect, it } from 'vitest';
import { attachmentFor } from '../../../renderer/editor/attach';
import { languageFor } from '../../../renderer/editor/language';

const languages = [
  { id: 'typescript', extensions: ['.ts', '.tsx', '.cts', '.mts'] },
  { id: 'plaintext', extensions: ['.txt'] },
  { id: 'dockerfile', extensions: ['.dockerfile'], filenames: ['Dockerfile'] },
  { id: 'json', extensions: ['.json', '.jsonc'] },
  { id: 'declaration', extensions: ['.d.ts'] },
];

describe('languageFor', () => {
  it('picks by exact file name, then the longest extension, case-insensitively; plaintext otherwise', () => {
    expect(languageFor('src/App.TSX', languages)).toBe('typescript');
    expect(languageFor('docker/Dockerfile', languages)).toBe('dockerfile');
    expect(languageFor('types/index.d.ts', languages)).toBe('declaration');
    expect(languageFor('package.json', languages)).toBe('json');
    expect(languageFor('Makefile', languages)).toBe('plaintext');
    // A dotfile named like an extension is not that language.
    expect(languageFor('.json', languages)).toBe('plaintext');
  });
});

describe('attachmentFor', () => {
  it('attaches the whole file without a selection', () => {
    expect(attachmentFor('src/a.ts', null)).toEqual({ kind: 'workspace-file', path: 'src/a.ts' });
    expect(attachmentFor('src/a.ts', { text: '', startLine: 3, endLine: 3, endColumn: 5 })).toEqual({ kind: 'workspace-file', path: 'src/a.ts' });
  });

  it('attaches a selection as text titled path:start-end, not counting a line the selection only touches', () => {
    expect(attachmentFor('src/a.ts', { text: 'b\nc', startLine: 2, endLine: 3, endColumn: 2 })).toEqual({ kind: 'text', title: 'src/a.ts:2-3', text: 'b\nc' });
    expect(attachmentFor('src/a.ts', { text: 'b\nc\n', startLine: 2, endLine: 4, endColumn: 1 })).toEqual({ kind: 'text', title: 'src/a.ts:2-3', text: 'b\nc\n' });
  });

  it('leaves out a first line the selection only touches at its end (L15: "15-20" had a line with nothing selected)', () => {
    // Selected from the end of line 14 to the middle of line 20: line 14 gives no character, only its line break.
    expect(attachmentFor('src/a.ts', { text: '\nfifteen\nx\nx\nx\nx\ntw', startLine: 14, endLine: 20, endColumn: 3 })).toEqual({
      kind: 'text',
      title: 'src/a.ts:15-20',
      text: '\nfifteen\nx\nx\nx\nx\ntw',
    });
    // A selection of line breaks only keeps one line.
    expect(attachmentFor('src/a.ts', { text: '\n', startLine: 4, endLine: 5, endColumn: 1 })).toMatchObject({ title: 'src/a.ts:4-4' });
  });
});
