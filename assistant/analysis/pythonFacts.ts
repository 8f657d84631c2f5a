// One Python file's syntax tree read into the same facts as a TS/JS file: LEGB scopes (builtins ignored).
// Python binds a name for its whole scope, so every use is resolved after the walk; the first binding of a name in
// a scope is its definition and later assignments to it are uses of that definition.
import { bracketPairs, CollectorBase, lineStartsOf, type Def, type FileFacts, type Ref, type Scope, type Span } from './facts';
import { field, namedChildren, type PlainNode as Node } from './plainTree';

/** In a method, the name of its first parameter (`self`) and the class it reaches. */
interface SelfContext {
  readonly name: string;
  readonly cls: Def;
}

const COMPREHENSIONS = new Set(['list_comprehension', 'set_comprehension', 'dictionary_comprehension', 'generator_expression']);
const TARGET_LISTS = new Set(['pattern_list', 'tuple_pattern', 'list_pattern', 'tuple', 'list', 'expression_list', 'parenthesized_expression']);

/** `from ..pkg.mod import x` -> '../pkg/mod'; an absolute `a.b` is looked up next to the file ('./a/b'), then by name. */
function moduleSource(node: Node, text: string): string | null {
  if (node.type === 'dotted_name') return `./${text.slice(node.startIndex, node.endIndex).replace(/\s+/g, '').split('.').join('/')}`;
  if (node.type !== 'relative_import') return null;
  const prefix = namedChildren(node).find((c) => c.type === 'import_prefix');
  const dots = prefix ? prefix.endIndex - prefix.startIndex : 1;
  const path = namedChildren(node).find((c) => c.type === 'dotted_name');
  const up = dots <= 1 ? './' : '../'.repeat(dots - 1);
  return path ? up + text.slice(path.startIndex, path.endIndex).replace(/\s+/g, '').split('.').join('/') : up;
}

class PythonCollector extends CollectorBase {
  readonly root: Scope = { parent: null, names: new Map(), hoists: true };
  /** `global` / `nonlocal` declarations by scope. */
  private readonly declared = new Map<Scope, Map<string, 'global' | 'nonlocal'>>();
  private readonly comprehensionScopes = new Set<Scope>();
  readonly nameUses: (Span & { scope: Scope })[] = [];
  readonly memberUses: (Span & { object: Def | Ref })[] = [];
  readonly selfAssignments: { cls: Def; span: Span }[] = [];
  /** Classes with the base classes they name, in definition order (bases defined in the same file are inherited). */
  readonly bases: { cls: Def; bases: Ref[] }[] = [];
  readonly imports: Def[] = [];

  private use(node: Node, scope: Scope): void {
    if (node.startIndex === node.endIndex) return; // a name the parser inserted (MISSING)
    const span = this.span(node);
    this.occurrences.push(span);
    this.nameUses.push({ ...span, scope });
  }

  /** Functions, lambdas and comprehensions see their enclosing function or module, never a class body. */
  private functionParent(scope: Scope): Scope {
    let s = scope;
    while (!s.hoists && s.parent) s = s.parent;
    return s;
  }

  private newFunctionScope(scope: Scope): Scope {
    return { parent: this.functionParent(scope), names: new Map(), hoists: true };
  }

  /** Binds `node` (an identifier) in `scope`: its first binding there defines it; a later one, or a `global`/`nonlocal` name, is a use. */
  private bind(node: Node, scope: Scope, extra: Partial<Def> = {}): Def | null {
    if (node.startIndex === node.endIndex) return null;
    const name = this.text.slice(node.startIndex, node.endIndex);
    const mode = this.declared.get(scope)?.get(name);
    const target = mode === 'global' ? this.root : scope;
    if (mode === 'nonlocal' || target.names.has(name)) {
      this.use(node, scope);
      return null;
    }
    const def = this.def(node, extra);
    target.names.set(name, def);
    return def;
  }

  /** An assignment, `for`, `with ... as` or `except ... as` target: names are bound, anything else is read. */
  private bindTarget(node: Node, scope: Scope, self: SelfContext | null, extra: Partial<Def> = {}): void {
    if (node.type === 'identifier') this.bind(node, scope, extra);
    else if (TARGET_LISTS.has(node.type)) for (const child of namedChildren(node)) this.bindTarget(child, scope, self);
    else if (node.type === 'list_splat_pattern' || node.type === 'list_splat') {
      const inner = namedChildren(node)[0];
      if (inner) this.bindTarget(inner, scope, self);
    } else if (node.type === 'attribute') this.attribute(node, scope, self, true);
    else this.visit(node, scope, self, null);
  }

  visitChildren(node: Node, scope: Scope, self: SelfContext | null, cls: Def | null): void {
    for (const child of namedChildren(node)) this.visit(child, scope, self, cls);
  }

  /** `cls` is the class whose body `scope` is (its methods get a `self`), else null. */
  visit(node: Node, scope: Scope, self: SelfContext | null, cls: Def | null): void {
    switch (node.type) {
      case 'ERROR':
        return; // nothing from a region the parser could not read
      case 'identifier':
        this.use(node, scope);
        return;
      case 'function_definition':
        this.functionDefinition(node, scope, self, cls);
        return;
      case 'decorated_definition': {
        // A static method's first parameter is not its instance.
        const definition = field(node, 'definition');
        const isStatic = namedChildren(node).some((d) => d.type === 'decorator' && this.text.slice(d.startIndex, d.endIndex).replace(/\s+/g, '') === '@staticmethod');
        for (const child of namedChildren(node)) {
          if (child !== definition) this.visit(child, scope, self, cls);
          else if (definition.type === 'function_definition') this.functionDefinition(definition, scope, self, isStatic ? null : cls, isStatic && cls !== null);
          else this.visit(definition, scope, self, cls);
        }
        return;
      }
      case 'class_definition':
        this.classDefinition(node, scope, self);
        return;
      case 'lambda':
        this.lambda(node, scope, self);
        return;
      case 'assignment': {
        const right = field(node, 'right');
        if (right) this.visit(right, scope, self, cls);
        const typeNode = field(node, 'type');
        if (typeNode) this.visit(typeNode, scope, self, cls);
        const left = field(node, 'left');
        if (left) this.bindTarget(left, scope, self, this.instanceFacts(right, typeNode, scope));
        return;
      }
      case 'augmented_assignment': {
        const right = field(node, 'right');
        if (right) this.visit(right, scope, self, cls);
        const left = field(node, 'left');
        if (left) this.bindTarget(left, scope, self);
        return;
      }
      case 'for_statement': {
        const right = field(node, 'right');
        if (right) this.visit(right, scope, self, cls);
        const left = field(node, 'left');
        if (left) this.bindTarget(left, scope, self);
        for (const child of namedChildren(node)) if (child !== left && child !== right) this.visit(child, scope, self, cls);
        return;
      }
      case 'as_pattern': {
        const alias = field(node, 'alias');
        for (const child of namedChildren(node)) if (child !== alias) this.visit(child, scope, self, cls);
        const target = namedChildren(alias)[0];
        if (target) this.bindTarget(target, scope, self);
        return;
      }
      case 'named_expression': {
        const value = field(node, 'value');
        if (value) this.visit(value, scope, self, cls);
        // `:=` in a comprehension binds in the function (or module) around it.
        let target = scope;
        while (this.comprehensionScopes.has(target) && target.parent) target = target.parent;
        const name = field(node, 'name');
        if (name) this.bind(name, target);
        return;
      }
      case 'global_statement':
      case 'nonlocal_statement': {
        const mode = node.type === 'global_statement' ? 'global' : 'nonlocal';
        const declared = this.declared.get(scope) ?? new Map<string, 'global' | 'nonlocal'>();
        this.declared.set(scope, declared);
        for (const name of namedChildren(node)) {
          if (name.type !== 'identifier') continue;
          declared.set(this.text.slice(name.startIndex, name.endIndex), mode);
          this.use(name, scope);
        }
        return;
      }
      case 'import_statement':
        this.importStatement(node, scope);
        return;
      case 'import_from_statement':
        this.importFrom(node, scope);
        return;
      case 'attribute':
        this.attribute(node, scope, self, false);
        return;
      case 'case_pattern':
        this.casePattern(node, scope, self);
        return;
      case 'keyword_argument': {
        // The keyword is the callee's parameter name, not a use here.
        const name = field(node, 'name');
        if (name) this.occurrences.push(this.span(name));
        const value = field(node, 'value');
        if (value) this.visit(value, scope, self, cls);
        return;
      }
      default:
        if (COMPREHENSIONS.has(node.type)) this.comprehension(node, scope, self);
        else this.visitChildren(node, scope, self, cls);
    }
  }

  /** A `match` case: capture names are bound, `Color.RED` and a class pattern's class are read. */
  private casePattern(node: Node, scope: Scope, self: SelfContext | null): void {
    const capture = (name: Node) => {
      const parts = namedChildren(name);
      if (name.type === 'identifier') this.bind(name, scope);
      else if (name.type !== 'dotted_name' || parts.length === 0) this.casePattern(name, scope, self);
      else if (parts.length === 1) {
        if (this.text.slice(parts[0]!.startIndex, parts[0]!.endIndex) !== '_') this.bind(parts[0]!, scope);
      } else this.dottedValue(name, scope);
    };
    const children = namedChildren(node);
    switch (node.type) {
      case 'class_pattern':
        children.forEach((child, i) => (i === 0 && child.type === 'dotted_name' ? this.dottedValue(child, scope) : this.casePattern(child, scope, self)));
        return;
      case 'keyword_pattern':
        children.forEach((child, i) => (i === 0 && child.type === 'identifier' ? this.occurrences.push(this.span(child)) : capture(child)));
        return;
      case 'as_pattern':
        children.forEach((child, i) => (i === children.length - 1 && child.type === 'identifier' ? this.bind(child, scope) : this.casePattern(child, scope, self)));
        return;
      case 'case_pattern':
      case 'splat_pattern':
        children.forEach(capture);
        return;
      case 'list_pattern':
      case 'tuple_pattern':
      case 'union_pattern':
      case 'dict_pattern':
        for (const child of children) this.casePattern(child, scope, self);
        return;
      default:
        this.visit(node, scope, self, null); // a literal (or a dict pattern's key)
    }
  }

  /** `a.b.c` read as a value: `a` is a use, the rest are attribute names. */
  private dottedValue(node: Node, scope: Scope): void {
    namedChildren(node).forEach((part, i) => (i === 0 ? this.use(part, scope) : this.occurrences.push(this.span(part))));
  }

  /** `x = C()` or `x: C = ...`: a value whose members are those of class `C`. */
  private instanceFacts(value: Node | null, typeNode: Node | null, scope: Scope): Partial<Def> {
    const annotated = namedChildren(typeNode)[0];
    const named = annotated?.type === 'identifier' ? annotated : value?.type === 'call' ? field(value, 'function') : null;
    return named?.type === 'identifier' ? { instanceOf: { name: this.text.slice(named.startIndex, named.endIndex), scope } } : {};
  }

  private attribute(node: Node, scope: Scope, self: SelfContext | null, assigned: boolean): void {
    const object = field(node, 'object');
    const name = field(node, 'attribute');
    if (object) this.visit(object, scope, self, null);
    if (!name || name.startIndex === name.endIndex) return;
    const span = this.span(name);
    this.occurrences.push(span);
    if (object?.type !== 'identifier') return;
    const objectName = this.text.slice(object.startIndex, object.endIndex);
    if (self && objectName === self.name) {
      this.memberUses.push({ ...span, object: self.cls });
      if (assigned) this.selfAssignments.push({ cls: self.cls, span });
    } else this.memberUses.push({ ...span, object: { name: objectName, scope } });
  }

  /** Parameters: defaults and annotations are read where the function is defined, names bound in `inner`. */
  private parameters(params: Node | null, outer: Scope, inner: Scope, self: SelfContext | null): void {
    for (const param of namedChildren(params)) {
      switch (param.type) {
        case 'identifier':
          this.bind(param, inner);
          break;
        case 'typed_parameter': {
          const typeNode = field(param, 'type');
          if (typeNode) this.visit(typeNode, outer, self, null);
          const name = namedChildren(param).find((c) => c !== typeNode);
          if (name?.type === 'identifier') this.bind(name, inner, this.instanceFacts(null, typeNode, outer));
          else if (name) this.splatParameter(name, inner); // `*args: int`, `**kw: str`
          break;
        }
        case 'default_parameter':
        case 'typed_default_parameter': {
          const typeNode = field(param, 'type');
          if (typeNode) this.visit(typeNode, outer, self, null);
          const value = field(param, 'value');
          if (value) this.visit(value, outer, self, null);
          const name = field(param, 'name');
          if (name?.type === 'identifier') this.bind(name, inner, this.instanceFacts(null, typeNode, outer));
          break;
        }
        case 'list_splat_pattern':
        case 'dictionary_splat_pattern':
          this.splatParameter(param, inner);
          break;
        default:
          break; // `*` and `/` separators
      }
    }
  }

  private splatParameter(param: Node, inner: Scope): void {
    const name = namedChildren(param)[0];
    if (name?.type === 'identifier') this.bind(name, inner);
  }

  /** `cls`: the class whose method this is (null for a static method, `inClass` then true). */
  private functionDefinition(node: Node, scope: Scope, self: SelfContext | null, cls: Def | null, inClass = cls !== null): void {
    const name = field(node, 'name');
    if (name) this.bind(name, scope);
    const inner = this.newFunctionScope(scope);
    const params = field(node, 'parameters');
    this.parameters(params, scope, inner, self);
    const returnType = field(node, 'return_type');
    if (returnType) this.visit(returnType, scope, self, null);
    // A method's first parameter is its instance; a function nested in a method still sees the method's.
    const first = namedChildren(params)[0];
    const firstName = first?.type === 'identifier' ? first : first?.type === 'typed_parameter' ? namedChildren(first)[0] : null;
    const ownSelf = cls && firstName?.type === 'identifier' ? { name: this.text.slice(firstName.startIndex, firstName.endIndex), cls } : inClass ? null : self;
    const body = field(node, 'body');
    if (body) this.visitChildren(body, inner, ownSelf, null);
  }

  private lambda(node: Node, scope: Scope, self: SelfContext | null): void {
    const inner = this.newFunctionScope(scope);
    this.parameters(field(node, 'parameters'), scope, inner, self);
    const body = field(node, 'body');
    if (body) this.visit(body, inner, self, null);
  }

  private classDefinition(node: Node, scope: Scope, self: SelfContext | null): void {
    const name = field(node, 'name');
    const members = new Map<string, Def>();
    // A rebound class name is a use of its first binding; `self.x` in this body still reaches this class's members.
    const def = (name ? this.bind(name, scope, { members }) : null) ?? { name: '', file: this.file, start: node.startIndex, end: node.startIndex, members };
    const inner: Scope = { parent: scope, names: new Map(), hoists: false };
    const superclasses = field(node, 'superclasses');
    const bases = namedChildren(superclasses).filter((base) => base.type === 'identifier');
    if (bases.length > 0) this.bases.push({ cls: def, bases: bases.map((base) => ({ name: this.text.slice(base.startIndex, base.endIndex), scope })) });
    for (const child of namedChildren(node)) {
      if (child === name) continue;
      if (child.type === 'block') this.visitChildren(child, inner, null, def);
      else this.visit(child, scope, self, null);
    }
    // Class attributes and methods are its members; `self.x = ...` in a method adds `x` after the walk.
    for (const [memberName, member] of inner.names) members.set(memberName, member);
  }

  /** A comprehension is its own scope; its first iterable is read outside it. */
  private comprehension(node: Node, scope: Scope, self: SelfContext | null): void {
    const inner = this.newFunctionScope(scope);
    this.comprehensionScopes.add(inner);
    let first = true;
    const rest: Node[] = [];
    for (const child of namedChildren(node)) {
      if (child.type !== 'for_in_clause') {
        rest.push(child);
        continue;
      }
      const right = field(child, 'right');
      if (right) this.visit(right, first ? scope : inner, self, null);
      first = false;
      const left = field(child, 'left');
      if (left) this.bindTarget(left, inner, self);
    }
    for (const child of rest) this.visit(child, inner, self, null);
  }

  private importStatement(node: Node, scope: Scope): void {
    for (const item of namedChildren(node)) {
      const path = item.type === 'aliased_import' ? field(item, 'name') : item;
      if (path?.type !== 'dotted_name') continue;
      const parts = namedChildren(path);
      for (const part of parts) this.occurrences.push(this.span(part));
      const source = moduleSource(path, this.text);
      const alias = item.type === 'aliased_import' ? field(item, 'alias') : null;
      // `import a.b` binds the package `a`; `import a.b as m` binds the module `a.b`.
      const local = alias ?? parts[0];
      if (!local || source === null) continue;
      const bound = alias ? source : `./${this.text.slice(local.startIndex, local.endIndex)}`;
      this.bindImport(local, scope, { source: bound, imported: '*', nameStart: local.startIndex, nameEnd: local.endIndex });
    }
  }

  private importFrom(node: Node, scope: Scope): void {
    const moduleName = field(node, 'module_name');
    const source = moduleName ? moduleSource(moduleName, this.text) : null;
    for (const part of namedChildren(moduleName?.type === 'relative_import' ? namedChildren(moduleName).find((c) => c.type === 'dotted_name') : moduleName)) {
      this.occurrences.push(this.span(part));
    }
    if (source === null) return;
    for (const item of namedChildren(node)) {
      if (item === moduleName || item.field !== 'name') continue;
      const path = item.type === 'aliased_import' ? field(item, 'name') : item;
      const imported = path?.type === 'dotted_name' ? namedChildren(path)[0] : null;
      if (!imported) continue;
      const alias = item.type === 'aliased_import' ? field(item, 'alias') : null;
      if (alias) this.occurrences.push(this.span(imported));
      this.bindImport(alias ?? imported, scope, { source, imported: this.text.slice(imported.startIndex, imported.endIndex), nameStart: imported.startIndex, nameEnd: imported.endIndex });
    }
  }

  private bindImport(local: Node, scope: Scope, importFacts: NonNullable<Def['import']>): void {
    const def = this.bind(local, scope, { import: importFacts });
    if (def) this.imports.push(def);
  }

  /** LEGB: the scope itself unless the name is `global`/`nonlocal` there, its enclosing functions, the module. */
  resolve(scope: Scope, name: string): Def | null {
    for (let s: Scope | null = scope; s; s = s.parent) {
      const mode = this.declared.get(s)?.get(name);
      if (mode === 'global') return this.root.names.get(name) ?? null;
      if (mode !== 'nonlocal') {
        const def = s.names.get(name);
        if (def) return def;
      }
    }
    return null;
  }
}

/** Reads one parsed Python file into facts; every module-level name is what other files can import. */
export function collectPythonFacts(file: string, text: string, root: Node): FileFacts {
  const collector = new PythonCollector(file, text);
  collector.visitChildren(root, collector.root, null, null);
  for (const { cls, span } of collector.selfAssignments) {
    if (cls.members && !cls.members.has(span.name)) cls.members.set(span.name, { ...span, file });
  }
  // Then the members a class inherits from a base class of this file (its own members win).
  for (const { cls, bases } of collector.bases) {
    for (const ref of bases) {
      const base = collector.resolve(ref.scope, ref.name);
      if (!base?.members || base === cls) continue;
      for (const [name, member] of base.members) if (!cls.members!.has(name)) cls.members!.set(name, member);
    }
  }
  const uses: { span: Span; def: Def }[] = [];
  for (const use of collector.nameUses) {
    const def = collector.resolve(use.scope, use.name);
    if (def && def.start !== use.start) uses.push({ span: { name: use.name, start: use.start, end: use.end }, def });
  }
  const memberUses = collector.memberUses.map((use) => ({
    span: { name: use.name, start: use.start, end: use.end },
    object: 'scope' in use.object ? collector.resolve(use.object.scope, use.object.name) : use.object,
    member: use.name,
  }));
  return {
    file,
    text,
    lineStarts: lineStartsOf(text),
    uses,
    memberUses,
    imports: collector.imports,
    exports: new Map(collector.root.names),
    defaultExport: null,
    occurrences: collector.occurrences.sort((a, b) => a.start - b.start),
    brackets: bracketPairs(root),
  };
}
