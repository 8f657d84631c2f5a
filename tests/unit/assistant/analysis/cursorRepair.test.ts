import { beforeAll, describe, expect, it } from 'vitest';
import { Parser } from 'web-tree-sitter';
import { closersAt, errorChars } from '../../../../assistant/analysis/cursorRepair';
import { loadGrammars, type AnalysisLanguage, type Grammars } from '../../../../assistant/analysis/grammars';
import { plainTree, withoutInsertion, type PlainNode } from '../../../../assistant/analysis/plainTree';

let grammars: Grammars;
beforeAll(async () => {
  grammars = await loadGrammars();
});

function parse(text: string, language: AnalysisLanguage = 'typescript'): PlainNode {
  const parser = new Parser().setLanguage(grammars[language]);
  const tree = parser.parse(text)!;
  try {
    return plainTree(tree);
  } finally {
    tree.delete();
    parser.delete();
  }
}

/** The closers for `text` with the cursor at `|`. */
function closers(text: string, language?: AnalysisLanguage): string {
  const cursor = text.indexOf('|');
  return closersAt(parse(text.replace('|', ''), language), cursor);
}

describe('closersAt', () => {
  it('closes the brackets opened before the cursor, innermost first', () => {
    expect(closers('const t = f(a, [b, g(c|')).toBe(')])');
    expect(closers('const t = `${f(a|')).toBe(')}');
    expect(closers('x = f(a, {"k": [b|', 'python')).toBe(']})');
  });

  it('leaves to the text after the cursor the brackets it closes, and closes those opened inside them', () => {
    expect(closers('function f() {\n  return g(h(x|\n}\n')).toBe('))');
    expect(closers('function f() {\n  return g(h(x|)\n}\n')).toBe(')');
    expect(closers('const t = f(a|);')).toBe('');
    expect(closers('const t = [f(|)].map((v) => v)')).toBe('');
  });

  it('counts no bracket in a string, a comment or a closed pair before the cursor', () => {
    expect(closers('// ((\nconst s = "([{";\nconst t = f(g(1), h|')).toBe(')');
  });
});

describe('errorChars and withoutInsertion', () => {
  it('measure what the parser could not read, and map a parse with inserted text back onto the text', () => {
    const text = 'const k = 1;\nconst t = f(k';
    const broken = parse(text);
    expect(errorChars(broken)).toBeGreaterThan(0);
    const closed = parse(`${text})`);
    expect(errorChars(closed)).toBe(0);
    const mapped = withoutInsertion(closed, text.length, 1);
    expect(mapped.endIndex).toBe(text.length);
    const leaves: PlainNode[] = [];
    const walk = (node: PlainNode) => (node.children.length === 0 ? leaves.push(node) : node.children.forEach(walk));
    walk(mapped);
    // The inserted `)` keeps no width, like a bracket the parser would have inserted; every other token is text's.
    expect(leaves.filter((leaf) => leaf.startIndex === leaf.endIndex).map((leaf) => leaf.type)).toEqual([')']);
    for (const leaf of leaves) if (leaf.startIndex < leaf.endIndex) expect(text.slice(leaf.startIndex, leaf.endIndex)).not.toBe('');
    expect(leaves.filter((leaf) => leaf.type === 'identifier').map((leaf) => text.slice(leaf.startIndex, leaf.endIndex))).toEqual(['k', 't', 'f', 'k']);
  });
});
