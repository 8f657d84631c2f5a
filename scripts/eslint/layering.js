// Layering, as VS Code's "code-layering" checks it: every import's path is resolved (relative ones against the
// importing file, bare ones as Node built-ins or packages) and checked against an allow-list of arrows between the
// repository's top-level folders:
//
//   renderer ──► app ◄── main ──► assistant ──► native        (base/common everywhere, base/node for main, assistant)
//
// training, tools, tests and scripts are offline and sit beside the runtime: no runtime folder imports them.
import { isBuiltin } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

const RUNTIME_BASE = ['base/common'];
const NODE_BASE = ['base/common', 'base/node'];

/** Which layers each layer may import (itself included). A layer not named here (tests, scripts, root files) may import any. */
export const ARROWS = {
  'base/common': ['base/common'],
  'base/node': NODE_BASE,
  app: ['app', ...RUNTIME_BASE],
  renderer: ['renderer', 'app', ...RUNTIME_BASE],
  main: ['main', 'app', 'assistant', ...NODE_BASE],
  assistant: ['assistant', 'app', 'native', ...NODE_BASE],
  native: ['native'],
  training: ['training', 'app', 'assistant', 'native', 'tools', ...NODE_BASE],
  tools: ['tools', 'app', 'assistant', 'native', ...NODE_BASE],
};

const NODE_BUILTINS = '<node built-ins>';

/**
 * Packages each layer may not import; NODE_BUILTINS stands for every Node built-in module. `app` and `base/common`
 * run everywhere (the page included), so they take packages from an allow-list instead.
 */
export const FORBIDDEN_PACKAGES = {
  'base/node': ['electron', 'react', 'react-dom'],
  renderer: [NODE_BUILTINS, 'electron', 'node-pty', 'ws', 'node-llama-cpp'],
  main: ['react', 'react-dom', 'node-llama-cpp'],
  assistant: ['electron', 'react', 'react-dom', 'node-pty', 'ws'],
  native: ['electron', 'react', 'react-dom', 'node-pty', 'ws'],
};
export const ALLOWED_PACKAGES = { app: ['zod'], 'base/common': [] };

/** The engine's public face: outside assistant/engine/ (tests aside) it is imported only through its index. */
const ENGINE = 'assistant/engine';
const ENGINE_EXPORTS = new Set([ENGINE, `${ENGINE}/index`]);

/** The layer of a repository-relative path: `base/<part>` for base, else its top-level folder; null for root files. */
export function layerOf(relative) {
  const parts = relative.split('/');
  if (parts.length < 2 || parts[0] === '..') return null;
  if (parts[0] === 'base') return parts.length > 2 ? `base/${parts[1]}` : 'base';
  return parts[0];
}

function packageName(specifier) {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

/** Why `from` may not import `specifier`, or null when it may. Paths are repository-relative, with / separators. */
export function layeringProblem(from, specifier) {
  const layer = layerOf(from);
  if (specifier.startsWith('.') || specifier.startsWith('/')) {
    const target = path.posix.normalize(path.posix.join(path.posix.dirname(from), specifier)).replace(/\.(ts|tsx|js|mjs|cjs)$/, '');
    const targetLayer = layerOf(target);
    const allowed = layer ? ARROWS[layer] : undefined;
    if (allowed && targetLayer && !allowed.includes(targetLayer)) {
      return `${layer}/ may not import ${targetLayer}/ (${layer} imports only ${allowed.map((l) => `${l}/`).join(', ')})`;
    }
    if (target.startsWith(`${ENGINE}/`) && !ENGINE_EXPORTS.has(target) && !from.startsWith(`${ENGINE}/`) && layer !== 'tests') {
      return `${target} is inside the engine: import its exports from ${ENGINE} (index.ts) instead`;
    }
    return null;
  }
  if (!layer) return null;
  const name = packageName(specifier);
  const builtin = isBuiltin(specifier);
  const allowList = ALLOWED_PACKAGES[layer];
  if (allowList && !allowList.includes(name)) {
    return `${layer}/ may not import ${builtin ? 'the Node built-in' : 'the package'} ${specifier} (${layer} imports ${allowList.length ? `only ${allowList.join(', ')}` : 'no packages'})`;
  }
  const forbidden = FORBIDDEN_PACKAGES[layer] ?? [];
  if (forbidden.includes(name) || (builtin && forbidden.includes(NODE_BUILTINS))) {
    return `${layer}/ may not import ${builtin ? 'the Node built-in' : 'the package'} ${specifier}`;
  }
  return null;
}

const rule = {
  meta: {
    type: 'problem',
    docs: { description: 'Imports follow the layering arrows renderer -> app <- main -> assistant -> native.' },
    schema: [],
    messages: { layering: 'Layering: {{problem}}.' },
  },
  create(context) {
    const from = path.relative(ROOT, context.filename).split(path.sep).join('/');
    const check = (node) => {
      if (!node || node.type !== 'Literal' || typeof node.value !== 'string') return;
      const problem = layeringProblem(from, node.value);
      if (problem) context.report({ node, messageId: 'layering', data: { problem } });
    };
    return {
      ImportDeclaration: (node) => check(node.source),
      ExportNamedDeclaration: (node) => check(node.source),
      ExportAllDeclaration: (node) => check(node.source),
      ImportExpression: (node) => check(node.source),
      TSImportEqualsDeclaration: (node) => check(node.moduleReference?.expression),
      TSImportType: (node) => check(node.argument?.literal ?? node.source),
      CallExpression: (node) => {
        if (node.callee.type === 'Identifier' && node.callee.name === 'require') check(node.arguments[0]);
      },
    };
  },
};

export default { meta: { name: 'steerway-layering' }, rules: { arrows: rule } };
