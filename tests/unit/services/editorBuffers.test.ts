import { describe, expect, it } from 'vitest';
import { EditorBuffers } from '../../../main/services/editorBuffers';

describe('EditorBuffers', () => {
  it('keeps the live text of a path until it is cleared, telling listeners of real changes only', () => {
    const buffers = new EditorBuffers();
    const changed: string[] = [];
    const off = buffers.onChange((path) => changed.push(path));
    buffers.set('src/a.ts', 'let a = 1');
    buffers.set('src/a.ts', 'let a = 1');
    expect(buffers.get('src/a.ts')).toBe('let a = 1');
    buffers.set('src/a.ts', null);
    buffers.set('src/a.ts', null);
    expect(buffers.get('src/a.ts')).toBeNull();
    expect(changed).toEqual(['src/a.ts', 'src/a.ts']);
    off();
    buffers.set('src/b.ts', 'x');
    expect(changed).toHaveLength(2);
  });
});
