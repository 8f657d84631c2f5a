// A syntax tree copied out of WASM into plain objects: every property read on a web-tree-sitter node is a call
// into WASM, so the analysis walks this copy instead, and a copy after one edit reuses the unchanged subtrees.
import type { Language, Tree, TreeCursor } from 'web-tree-sitter';

export interface PlainNode {
  readonly type: string;
  readonly named: boolean;
  readonly field: string | null;
  readonly startIndex: number;
  readonly endIndex: number;
  readonly children: readonly PlainNode[];
  readonly namedChildren: readonly PlainNode[];
}

/** The change between the previous text and this one (char offsets), as given to `Tree.edit`. */
export interface TextEdit {
  readonly start: number;
  readonly oldEnd: number;
  readonly newEnd: number;
}

export function namedChildren(node: PlainNode | null | undefined): readonly PlainNode[] {
  return node ? node.namedChildren : [];
}

export function field(node: PlainNode | null | undefined, name: string): PlainNode | null {
  for (const child of node?.children ?? []) if (child.field === name) return child;
  return null;
}

const NO_CHILDREN: readonly PlainNode[] = Object.freeze([]);

// One class for every node keeps V8's property access monomorphic; named children are listed when first asked for.
class Plain implements PlainNode {
  private named_: readonly PlainNode[] | null = null;

  constructor(
    readonly type: string,
    readonly named: boolean,
    readonly field: string | null,
    readonly startIndex: number,
    readonly endIndex: number,
    readonly children: readonly PlainNode[],
  ) {}

  get namedChildren(): readonly PlainNode[] {
    this.named_ ??= this.children.length === 0 ? NO_CHILDREN : this.children.filter((child) => child.named);
    return this.named_;
  }
}

function makeNode(type: string, named: boolean, fieldName: string | null, startIndex: number, endIndex: number, children: readonly PlainNode[]): PlainNode {
  return new Plain(type, named, fieldName, startIndex, endIndex, children.length === 0 ? NO_CHILDREN : children);
}

function shifted(node: PlainNode, delta: number): PlainNode {
  return makeNode(node.type, node.named, node.field, node.startIndex + delta, node.endIndex + delta, node.children.length === 0 ? NO_CHILDREN : node.children.map((c) => shifted(c, delta)));
}

/**
 * `node` as if the `length` chars inserted at `at` had not been: later offsets move back, nodes made of the inserted
 * text keep no width (like the parser's MISSING nodes). Subtrees wholly before the insertion are reused.
 */
export function withoutInsertion(node: PlainNode, at: number, length: number): PlainNode {
  if (node.endIndex <= at) return node;
  if (node.startIndex >= at + length) return shifted(node, -length);
  const back = (offset: number) => (offset <= at ? offset : Math.max(at, offset - length));
  return makeNode(node.type, node.named, node.field, back(node.startIndex), back(node.endIndex), node.children.map((child) => withoutInsertion(child, at, length)));
}

interface Tables {
  types: (string | null)[];
  fields: (string | null)[];
  named: boolean[];
}

const tablesByLanguage = new WeakMap<Language, Tables>();

function tablesOf(language: Language): Tables {
  let tables = tablesByLanguage.get(language);
  if (!tables) {
    const count = language.nodeTypeCount;
    const types: (string | null)[] = [];
    const named: boolean[] = [];
    for (let id = 0; id < count; id++) {
      types.push(language.nodeTypeForId(id));
      named.push(language.nodeTypeIsNamed(id));
    }
    tables = { types, fields: language.fields, named };
    tablesByLanguage.set(language, tables);
  }
  return tables;
}

/**
 * Copies `tree`; with the previous copy and the edit between the two texts, a subtree wholly outside the edit
 * whose type and range match the previous copy's is reused (shifted when it lies after the edit), not read again.
 */
export function plainTree(tree: Tree, previous: PlainNode | null = null, edit: TextEdit | null = null): PlainNode {
  const tables = tablesOf(tree.language);
  const cursor = tree.walk();
  const delta = edit ? edit.newEnd - edit.oldEnd : 0;

  const reusable = (candidates: readonly PlainNode[], type: string, start: number, end: number): PlainNode | null => {
    if (!edit) return null;
    let oldStart: number;
    let oldEnd: number;
    if (end < edit.start) {
      oldStart = start;
      oldEnd = end;
    } else if (start > edit.newEnd) {
      oldStart = start - delta;
      oldEnd = end - delta;
    } else return null;
    for (const old of candidates) {
      if (old.startIndex === oldStart && old.endIndex === oldEnd && old.type === type) return start === oldStart ? old : shifted(old, delta);
      if (old.startIndex > oldStart) break;
    }
    return null;
  };

  // ERROR's id (0xFFFF) is outside the language's table: asked of the cursor, as those nodes are few.
  const typeAt = (c: TreeCursor) => tables.types[c.nodeTypeId] ?? c.nodeType;

  const build = (c: TreeCursor, old: PlainNode | null): PlainNode => {
    const typeId = c.nodeTypeId;
    const type = typeAt(c);
    const startIndex = c.startIndex;
    const endIndex = c.endIndex;
    const named = tables.named[typeId] ?? c.nodeIsNamed;
    const fieldName = tables.fields[c.currentFieldId] ?? null;
    const children: PlainNode[] = [];
    if (c.gotoFirstChild()) {
      const candidates = old?.children ?? [];
      do {
        const childType = typeAt(c);
        const childStart = c.startIndex;
        const childEnd = c.endIndex;
        const reused = reusable(candidates, childType, childStart, childEnd);
        if (reused) {
          const childField = tables.fields[c.currentFieldId] ?? null;
          children.push(reused.field === childField ? reused : makeNode(reused.type, reused.named, childField, reused.startIndex, reused.endIndex, reused.children));
          continue;
        }
        // The node holding the edit: its previous copy (same type and start) offers its children for reuse.
        const match = candidates.find((o) => o.type === childType && o.startIndex === childStart) ?? null;
        children.push(build(c, match));
      } while (c.gotoNextSibling());
      c.gotoParent();
    }
    return makeNode(type, named, fieldName, startIndex, endIndex, children);
  };

  try {
    return build(cursor, previous);
  } finally {
    cursor.delete();
  }
}
