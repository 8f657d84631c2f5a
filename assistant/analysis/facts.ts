// One file's syntax tree read into scopes, declarations and references (no cross-file resolution yet).
import { field, namedChildren, type PlainNode as Node } from './plainTree';

/** A declaration: where a name is defined, with what a member access on it can reach. */
export interface Def {
  readonly name: string;
  readonly file: string;
  readonly start: number;
  readonly end: number;
  /** Members of a class, interface, enum or object literal, by name (the first declaration of each wins). */
  readonly members?: Map<string, Def>;
  /** The class/interface whose members a value has: `new C()`, `x: C`. */
  readonly instanceOf?: Ref;
  /** A binding made by an import (or a re-export): resolved against the attached documents at query time. */
  readonly import?: { source: string; imported: string; nameStart: number; nameEnd: number };
}

export interface Scope {
  readonly parent: Scope | null;
  readonly names: Map<string, Def>;
  /** A function or the program: where `var` lands. */
  readonly hoists: boolean;
}

export interface Ref {
  readonly name: string;
  readonly scope: Scope;
}

export interface Span {
  readonly name: string;
  readonly start: number;
  readonly end: number;
}

interface NameUse extends Span {
  readonly scope: Scope;
}

interface MemberUse extends Span {
  /** `this.x` in a class (its def), or `obj.x` (the object's name, resolved in its scope). */
  readonly object: Def | Ref;
}

/** Everything the query needs from one file, kept after its tree is freed. */
export interface FileFacts {
  readonly file: string;
  readonly text: string;
  readonly lineStarts: readonly number[];
  /** Plain name uses resolved in the file (imports still pending); uses of no declaration are left out. */
  readonly uses: readonly { span: Span; def: Def }[];
  readonly memberUses: readonly { span: Span; object: Def | null; member: string }[];
  readonly imports: readonly Def[];
  readonly exports: ReadonlyMap<string, Def>;
  readonly defaultExport: Def | null;
  /** Every identifier-like token (declarations, uses, property names), in text order. */
  readonly occurrences: readonly Span[];
  /** Matching brackets as [open, close] char offsets. */
  readonly brackets: readonly (readonly [number, number])[];
}

const NAME_USE_TYPES = new Set(['identifier', 'shorthand_property_identifier', 'shorthand_property_identifier_pattern', 'type_identifier']);
const PROPERTY_TYPES = new Set(['property_identifier', 'private_property_identifier']);
const FUNCTION_TYPES = new Set(['function_declaration', 'generator_function_declaration', 'function_expression', 'function', 'generator_function', 'arrow_function', 'function_signature']);
const CLASS_TYPES = new Set(['class_declaration', 'abstract_class_declaration', 'class']);
const BLOCK_SCOPE_TYPES = new Set(['statement_block', 'for_statement', 'for_in_statement', 'catch_clause', 'switch_body', 'class_static_block']);
const BRACKETS: Record<string, string> = { ')': '(', ']': '[', '}': '{' };

function newScope(parent: Scope | null, hoists: boolean): Scope {
  return { parent, names: new Map(), hoists };
}

export function lookup(scope: Scope | null, name: string): Def | null {
  for (let s = scope; s; s = s.parent) {
    const def = s.names.get(name);
    if (def) return def;
  }
  return null;
}

function stringValue(node: Node | null, text: string): string | null {
  if (!node || node.type !== 'string') return null;
  return text.slice(node.startIndex + 1, node.endIndex - 1);
}

/** What the collectors of every language share: the file, its text, its identifier occurrences, spans of nodes. */
export abstract class CollectorBase {
  readonly occurrences: Span[] = [];

  constructor(
    readonly file: string,
    readonly text: string,
  ) {}

  protected span(node: Node): Span {
    return { name: this.text.slice(node.startIndex, node.endIndex), start: node.startIndex, end: node.endIndex };
  }

  /** A definition at `node`, counted as an occurrence. */
  protected def(node: Node, extra: Partial<Def> = {}): Def {
    const span = this.span(node);
    this.occurrences.push(span);
    return { ...span, file: this.file, ...extra };
  }
}

class Collector extends CollectorBase {
  readonly root = newScope(null, true);
  readonly nameUses: NameUse[] = [];
  readonly memberUses: MemberUse[] = [];
  readonly thisAssignments: { cls: Def; span: Span }[] = [];
  readonly imports: Def[] = [];
  readonly exportRefs = new Map<string, Def | Ref>();
  defaultExport: Def | Ref | null = null;

  private declare(scope: Scope, def: Def): Def {
    if (!scope.names.has(def.name)) scope.names.set(def.name, def);
    return def;
  }

  private hoistTarget(scope: Scope): Scope {
    let s = scope;
    while (!s.hoists && s.parent) s = s.parent;
    return s;
  }

  visitChildren(node: Node, scope: Scope, cls: Def | null): void {
    for (const child of namedChildren(node)) if (child) this.visit(child, scope, cls);
  }

  visit(node: Node, scope: Scope, cls: Def | null): void {
    const type = node.type;
    if (type === 'ERROR') return; // nothing from a region the parser could not read
    if (NAME_USE_TYPES.has(type)) {
      if (node.startIndex === node.endIndex) return; // a name the parser inserted (MISSING)
      const span = this.span(node);
      this.occurrences.push(span);
      this.nameUses.push({ ...span, scope });
      return;
    }
    if (PROPERTY_TYPES.has(type)) {
      this.occurrences.push(this.span(node));
      return;
    }
    if (FUNCTION_TYPES.has(type)) {
      this.functionValue(node, scope, cls);
      return;
    }
    if (CLASS_TYPES.has(type)) {
      this.classValue(node, scope, cls);
      return;
    }
    if (BLOCK_SCOPE_TYPES.has(type)) {
      const inner = newScope(scope, false);
      if (type === 'for_in_statement') this.forIn(node, inner, cls);
      else if (type === 'catch_clause') {
        const param = field(node, 'parameter');
        if (param) this.declarePattern(param, inner, inner, cls);
        const body = field(node, 'body');
        if (body) this.visitChildren(body, inner, cls);
      } else this.visitChildren(node, inner, cls);
      return;
    }
    switch (type) {
      case 'lexical_declaration':
      case 'variable_declaration':
        this.variables(node, type === 'variable_declaration' ? this.hoistTarget(scope) : scope, scope, cls);
        return;
      case 'import_statement':
        this.importStatement(node);
        return;
      case 'export_statement':
        this.exportStatement(node, scope, cls);
        return;
      case 'interface_declaration':
      case 'type_alias_declaration':
      case 'enum_declaration':
        this.typeDeclaration(node, scope, cls);
        return;
      case 'member_expression':
        this.memberExpression(node, scope, cls);
        return;
      case 'assignment_expression': {
        const left = field(node, 'left');
        const property = field(left, 'property');
        if (cls && left?.type === 'member_expression' && field(left, 'object')?.type === 'this' && property && PROPERTY_TYPES.has(property.type)) {
          this.thisAssignments.push({ cls, span: this.span(property) });
        }
        this.visitChildren(node, scope, cls);
        return;
      }
      case 'pair': {
        const key = field(node, 'key');
        const value = field(node, 'value');
        if (key) this.visit(key, scope, cls);
        if (value) this.visit(value, scope, cls);
        return;
      }
      case 'method_definition':
        // A method of an object literal: `this` there is the object, not a class.
        this.methodLike(node, scope, null, null);
        return;
      default:
        this.visitChildren(node, scope, cls);
    }
  }

  private forIn(node: Node, inner: Scope, cls: Def | null): void {
    const left = field(node, 'left');
    const kind = field(node, 'kind')?.type;
    const right = field(node, 'right');
    if (right) this.visit(right, inner, cls);
    if (left) {
      if (kind === 'var') this.declarePattern(left, this.hoistTarget(inner), inner, cls);
      else if (kind) this.declarePattern(left, inner, inner, cls);
      else this.visit(left, inner, cls);
    }
    const body = field(node, 'body');
    if (body) this.visit(body, inner, cls);
  }

  /** The class or interface named by a type annotation (`x: C`, `x: C<T>`), as a reference. */
  private typeRef(annotation: Node | null, scope: Scope): Ref | undefined {
    let type = annotation?.type === 'type_annotation' ? namedChildren(annotation)[0] : annotation;
    if (type?.type === 'generic_type') type = field(type, 'name');
    return type?.type === 'type_identifier' ? { name: this.text.slice(type.startIndex, type.endIndex), scope } : undefined;
  }

  /** What a declared value carries for member access: `new C()`, an object literal, a class expression. */
  private valueFacts(value: Node | null, typeAnnotation: Node | null, scope: Scope, cls: Def | null): Partial<Def> {
    const annotated = this.typeRef(typeAnnotation, scope);
    if (annotated) {
      if (value) this.visit(value, scope, cls);
      return { instanceOf: annotated };
    }
    if (!value) return {};
    if (value.type === 'new_expression') {
      const ctor = field(value, 'constructor');
      this.visit(value, scope, cls);
      return ctor?.type === 'identifier' ? { instanceOf: { name: this.text.slice(ctor.startIndex, ctor.endIndex), scope } } : {};
    }
    if (value.type === 'object') return { members: this.objectLiteral(value, scope, cls) };
    if (CLASS_TYPES.has(value.type)) {
      const def = this.classValue(value, scope, cls);
      return def?.members ? { members: def.members } : {};
    }
    this.visit(value, scope, cls);
    return {};
  }

  private objectLiteral(node: Node, scope: Scope, cls: Def | null): Map<string, Def> {
    const members = new Map<string, Def>();
    const add = (def: Def) => { if (!members.has(def.name)) members.set(def.name, def); };
    for (const child of namedChildren(node)) {
      if (!child) continue;
      const key = child.type === 'pair' || child.type === 'method_definition' ? field(child, child.type === 'pair' ? 'key' : 'name') : null;
      if (key && PROPERTY_TYPES.has(key.type)) {
        const value = child.type === 'pair' ? field(child, 'value') : null;
        add(this.def(key, value ? this.valueFacts(value, null, scope, cls) : {}));
        if (child.type === 'method_definition') this.methodLike(child, scope, null, null);
      } else if (child.type === 'shorthand_property_identifier') {
        this.visit(child, scope, cls);
        add({ ...this.span(child), file: this.file });
      } else this.visit(child, scope, cls);
    }
    return members;
  }

  private variables(node: Node, target: Scope, scope: Scope, cls: Def | null): void {
    for (const declarator of namedChildren(node)) {
      if (declarator?.type !== 'variable_declarator') {
        if (declarator) this.visit(declarator, scope, cls);
        continue;
      }
      const name = field(declarator, 'name');
      const facts = this.valueFacts(field(declarator, 'value'), field(declarator, 'type'), scope, cls);
      if (name?.type === 'identifier') this.declare(target, this.def(name, facts));
      else if (name) this.declarePattern(name, target, scope, cls);
    }
  }

  /** Declares every name bound by a (destructuring) pattern; default values are uses in `useScope`. */
  declarePattern(node: Node, target: Scope, useScope: Scope, cls: Def | null, extra: Partial<Def> = {}): Def[] {
    switch (node.type) {
      case 'identifier':
      case 'shorthand_property_identifier_pattern':
        return [this.declare(target, this.def(node, extra))];
      case 'object_pattern':
      case 'array_pattern':
        return namedChildren(node).flatMap((child) => {
          if (!child) return [];
          if (child.type === 'pair_pattern') {
            const key = field(child, 'key');
            const value = field(child, 'value');
            if (key) this.visit(key, useScope, cls);
            return value ? this.declarePattern(value, target, useScope, cls) : [];
          }
          return this.declarePattern(child, target, useScope, cls);
        });
      case 'assignment_pattern':
      case 'object_assignment_pattern': {
        const right = field(node, 'right');
        if (right) this.visit(right, useScope, cls);
        const left = field(node, 'left');
        return left ? this.declarePattern(left, target, useScope, cls, extra) : [];
      }
      case 'rest_pattern': {
        const inner = namedChildren(node)[0];
        return inner ? this.declarePattern(inner, target, useScope, cls) : [];
      }
      default:
        this.visit(node, useScope, cls);
        return [];
    }
  }

  private typeParameters(node: Node, scope: Scope): void {
    const params = field(node, 'type_parameters');
    for (const param of namedChildren(params)) {
      const name = field(param, 'name');
      if (name) this.declare(scope, this.def(name));
      for (const part of namedChildren(param)) if (part && part !== name) this.visit(part, scope, null);
    }
  }

  private parameters(node: Node, scope: Scope, cls: Def | null, ctorOf: Def | null): void {
    const single = field(node, 'parameter');
    if (single) this.declarePattern(single, scope, scope, cls);
    for (const param of namedChildren(field(node, 'parameters'))) {
      if (!param) continue;
      if (param.type === 'required_parameter' || param.type === 'optional_parameter') {
        const pattern = field(param, 'pattern');
        const typeNode = field(param, 'type');
        if (typeNode) this.visit(typeNode, scope, cls);
        const value = field(param, 'value');
        if (value) this.visit(value, scope, cls);
        const instanceOf = this.typeRef(typeNode, scope);
        const defs = pattern ? this.declarePattern(pattern, scope, scope, cls, instanceOf ? { instanceOf } : {}) : [];
        // `constructor(private x: T)` also declares the member `x`.
        const isMember = namedChildren(param).some((c) => c?.type === 'accessibility_modifier' || c?.type === 'override_modifier') || param.children.some((c) => c?.type === 'readonly');
        if (ctorOf?.members && isMember) for (const def of defs) if (!ctorOf.members.has(def.name)) ctorOf.members.set(def.name, def);
      } else this.declarePattern(param, scope, scope, cls);
    }
  }

  /** A function's scope: its own name (expressions), type parameters, parameters, return type, body. */
  private functionValue(node: Node, scope: Scope, cls: Def | null): Def | null {
    const name = field(node, 'name');
    const inner = newScope(scope, true);
    let def: Def | null = null;
    if (name?.type === 'identifier') {
      def = this.def(name);
      // Declarations (hoisted through their whole block) bind outside; a function expression's name only inside.
      this.declare(node.type.endsWith('declaration') || node.type === 'function_signature' ? scope : inner, def);
    }
    this.methodLike(node, inner, node.type === 'arrow_function' ? cls : null, null, true);
    return def;
  }

  private methodLike(node: Node, scope: Scope, cls: Def | null, ctorOf: Def | null, scopeMade = false): void {
    const inner = scopeMade ? scope : newScope(scope, true);
    const name = field(node, 'name');
    if (name && !scopeMade && !PROPERTY_TYPES.has(name.type)) this.visit(name, scope, cls);
    this.typeParameters(node, inner);
    this.parameters(node, inner, cls, ctorOf);
    const returnType = field(node, 'return_type');
    if (returnType) this.visit(returnType, inner, cls);
    const body = field(node, 'body');
    if (body?.type === 'statement_block') this.visitChildren(body, inner, cls);
    else if (body) this.visit(body, inner, cls);
  }

  private classValue(node: Node, scope: Scope, outerCls: Def | null): Def | null {
    const name = field(node, 'name');
    const inner = newScope(scope, false);
    const members = new Map<string, Def>();
    const def = name ? this.def(name, { members }) : { name: '', file: this.file, start: node.startIndex, end: node.startIndex, members };
    if (name) this.declare(node.type === 'class' ? inner : scope, def);
    this.typeParameters(node, inner);
    for (const child of namedChildren(node)) {
      if (!child || child.type === 'class_body' || child === name || child.type === 'type_parameters') continue;
      this.visit(child, inner, outerCls);
    }
    const body = field(node, 'body');
    for (const member of namedChildren(body)) {
      if (!member) continue;
      const memberName = field(member, 'name') ?? field(member, 'property');
      const named = memberName && PROPERTY_TYPES.has(memberName.type) ? this.def(memberName) : null;
      switch (member.type) {
        case 'method_definition':
        case 'method_signature':
        case 'abstract_method_signature':
          if (named && !members.has(named.name)) members.set(named.name, named);
          this.methodLike(member, inner, def, named?.name === 'constructor' ? def : null);
          break;
        case 'public_field_definition':
        case 'field_definition': {
          const value = field(member, 'value');
          const typeNode = field(member, 'type');
          const facts = this.valueFacts(value, typeNode, inner, def);
          if (typeNode && !facts.instanceOf) this.visit(typeNode, inner, def);
          if (named && !members.has(named.name)) members.set(named.name, { ...named, ...facts });
          break;
        }
        default:
          this.visit(member, inner, def);
      }
      if (memberName && !named) this.visit(memberName, inner, def);
    }
    return def;
  }

  private typeDeclaration(node: Node, scope: Scope, cls: Def | null): void {
    const name = field(node, 'name');
    const members = new Map<string, Def>();
    if (name) this.declare(scope, this.def(name, { members }));
    const inner = newScope(scope, false);
    this.typeParameters(node, inner);
    const body = field(node, 'body');
    for (const child of namedChildren(node)) {
      if (!child || child === name || child.type === 'type_parameters') continue;
      if (child !== body) {
        this.visit(child, inner, cls);
        continue;
      }
      for (const member of namedChildren(child)) {
        if (!member) continue;
        const memberName = field(member, 'name') ?? (PROPERTY_TYPES.has(member.type) ? member : null);
        if (memberName && PROPERTY_TYPES.has(memberName.type)) {
          const def = this.def(memberName, { instanceOf: this.typeRef(field(member, 'type'), inner) });
          if (!members.has(def.name)) members.set(def.name, def);
        }
        if (member !== memberName) for (const part of namedChildren(member)) if (part && part !== memberName) this.visit(part, inner, cls);
      }
    }
  }

  private memberExpression(node: Node, scope: Scope, cls: Def | null): void {
    const object = field(node, 'object');
    const property = field(node, 'property');
    if (object) this.visit(object, scope, cls);
    if (!property || !PROPERTY_TYPES.has(property.type)) {
      if (property) this.visit(property, scope, cls);
      return;
    }
    const span = this.span(property);
    this.occurrences.push(span);
    if (object?.type === 'this' && cls) this.memberUses.push({ ...span, object: cls });
    else if (object?.type === 'identifier') this.memberUses.push({ ...span, object: { name: this.text.slice(object.startIndex, object.endIndex), scope } });
  }

  private importStatement(node: Node): void {
    const source = stringValue(field(node, 'source'), this.text);
    const clause = namedChildren(node).find((c) => c?.type === 'import_clause');
    if (source === null || !clause) return;
    const bind = (local: Node, imported: string, importedNode: Node) => {
      const def = this.def(local, { import: { source, imported, nameStart: importedNode.startIndex, nameEnd: importedNode.endIndex } });
      this.declare(this.root, def);
      this.imports.push(def);
    };
    for (const part of namedChildren(clause)) {
      if (part?.type === 'identifier') bind(part, 'default', part);
      else if (part?.type === 'namespace_import') {
        const local = namedChildren(part).find((c) => c?.type === 'identifier');
        if (local) bind(local, '*', local);
      } else if (part?.type === 'named_imports') {
        for (const spec of namedChildren(part)) {
          const name = field(spec, 'name');
          if (!spec || name?.type !== 'identifier') continue;
          const alias = field(spec, 'alias');
          if (alias) this.occurrences.push(this.span(name));
          bind(alias ?? name, this.text.slice(name.startIndex, name.endIndex), name);
        }
      }
    }
  }

  private exportStatement(node: Node, scope: Scope, cls: Def | null): void {
    const isDefault = node.children.some((c) => c?.type === 'default');
    const declaration = field(node, 'declaration');
    const value = field(node, 'value');
    const source = stringValue(field(node, 'source'), this.text);
    if (declaration) {
      this.visit(declaration, scope, cls);
      for (const name of bindingNames(declaration)) {
        const ref = { name: this.text.slice(name.startIndex, name.endIndex), scope };
        if (isDefault) this.defaultExport = ref;
        else this.exportRefs.set(ref.name, ref);
      }
    }
    if (value) {
      if (value.type === 'identifier') {
        this.visit(value, scope, cls);
        this.defaultExport = { name: this.text.slice(value.startIndex, value.endIndex), scope };
      } else if (CLASS_TYPES.has(value.type)) this.defaultExport = this.classValue(value, scope, cls);
      else if (FUNCTION_TYPES.has(value.type)) this.defaultExport = this.functionValue(value, scope, cls);
      else this.visit(value, scope, cls);
    }
    const clause = namedChildren(node).find((c) => c?.type === 'export_clause');
    for (const spec of namedChildren(clause)) {
      const name = field(spec, 'name');
      if (!spec || name?.type !== 'identifier') continue;
      const alias = field(spec, 'alias');
      const exported = alias ? this.text.slice(alias.startIndex, alias.endIndex) : this.text.slice(name.startIndex, name.endIndex);
      if (source !== null) {
        this.exportRefs.set(exported, { ...this.span(name), file: this.file, import: { source, imported: this.text.slice(name.startIndex, name.endIndex), nameStart: name.startIndex, nameEnd: name.endIndex } });
        this.occurrences.push(this.span(name));
      } else {
        this.visit(name, scope, cls);
        this.exportRefs.set(exported, { name: this.text.slice(name.startIndex, name.endIndex), scope });
      }
      if (alias) this.occurrences.push(this.span(alias));
    }
  }
}

/** The name nodes a declaration binds (for `export <declaration>`). */
function bindingNames(node: Node): Node[] {
  if (node.type === 'lexical_declaration' || node.type === 'variable_declaration') {
    const names: Node[] = [];
    const walk = (n: Node) => {
      if (n.type === 'identifier' || n.type === 'shorthand_property_identifier_pattern') names.push(n);
      else if (['object_pattern', 'array_pattern', 'rest_pattern'].includes(n.type)) namedChildren(n).forEach((c) => c && walk(c));
      else if (n.type === 'pair_pattern') { const v = field(n, 'value'); if (v) walk(v); }
      else if (n.type === 'assignment_pattern' || n.type === 'object_assignment_pattern') { const l = field(n, 'left'); if (l) walk(l); }
    };
    for (const d of namedChildren(node)) { const name = d?.type === 'variable_declarator' ? field(d, 'name') : null; if (name) walk(name); }
    return names;
  }
  const name = field(node, 'name');
  return name ? [name] : [];
}

export function lineStartsOf(text: string): number[] {
  const starts = [0];
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) starts.push(i + 1);
  return starts;
}

export function bracketPairs(root: Node): [number, number][] {
  const pairs: [number, number][] = [];
  const stack: Node[] = [];
  const walk = (node: Node) => {
    if (node.children.length > 0) {
      for (const child of node.children) walk(child);
      return;
    }
    // A bracket the parser inserted (MISSING) has no width.
    if (node.named || node.startIndex === node.endIndex) return;
    const opener = BRACKETS[node.type];
    if (opener === undefined) {
      if (node.type === '(' || node.type === '[' || node.type === '{') stack.push(node);
    } else if (stack.length > 0 && stack[stack.length - 1]!.type === opener) pairs.push([stack.pop()!.startIndex, node.startIndex]);
    else stack.length = 0; // unbalanced (a syntax error): pair nothing across it
  };
  walk(root);
  return pairs.sort((a, b) => a[1] - b[1]);
}

function resolveRef(entry: Def | Ref): Def | null {
  return 'scope' in entry ? lookup(entry.scope, entry.name) : entry;
}

/** Reads one parsed file into facts; the tree can be freed afterwards. */
export function collectFacts(file: string, text: string, root: Node): FileFacts {
  const collector = new Collector(file, text);
  collector.visitChildren(root, collector.root, null);
  // `this.x = ...` declares `x` where the class has no field of that name (the first assignment wins).
  for (const { cls, span } of collector.thisAssignments) {
    if (cls.members && !cls.members.has(span.name)) cls.members.set(span.name, { ...span, file });
  }
  const uses: { span: Span; def: Def }[] = [];
  for (const use of collector.nameUses) {
    const def = lookup(use.scope, use.name);
    if (def && def.start !== use.start) uses.push({ span: { name: use.name, start: use.start, end: use.end }, def });
  }
  const memberUses = collector.memberUses.map((use) => ({
    span: { name: use.name, start: use.start, end: use.end },
    object: resolveRef(use.object),
    member: use.name,
  }));
  const exports = new Map<string, Def>();
  for (const [name, entry] of collector.exportRefs) {
    const def = resolveRef(entry);
    if (def) exports.set(name, def);
  }
  return {
    file,
    text,
    lineStarts: lineStartsOf(text),
    uses,
    memberUses,
    imports: collector.imports,
    exports,
    defaultExport: collector.defaultExport ? resolveRef(collector.defaultExport) : null,
    occurrences: collector.occurrences.sort((a, b) => a.start - b.start),
    brackets: bracketPairs(root),
  };
}
