import { describe, expect, it, vi } from 'vitest';
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

  it('a listener that throws neither loses the text nor keeps the change from the other listeners', () => {
    const buffers = new EditorBuffers();
    const errors = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    buffers.onChange(() => {
      throw new Error('listener broke');
    });
    const changed: string[] = [];
    buffers.onChange((path) => changed.push(path));
    expect(() => buffers.set('src/a.ts', 'x')).not.toThrow();
    expect(buffers.get('src/a.ts')).toBe('x');
    expect(changed).toEqual(['src/a.ts']);
    expect(errors).toHaveBeenCalledWith('[event] a listener failed:', new Error('listener broke'));
    errors.mockRestore();
  });
});
