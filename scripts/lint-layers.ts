/**
 * The import-layer rule of DESIGN.md §2, checked with the TypeScript compiler API (as VS Code's
 * layer checker does): every import and re-export of every source file must land in a layer
 * its own layer may use.
 *
 *   shared/                  imports nothing of the others, and no Node built-ins (it must run anywhere)
 *   agent/core/              shared
 *   agent/cli/               shared, agent/core
 *   agent/desktop/main/      shared, agent/core, agent/desktop/contract
 *   agent/desktop/preload/   shared, agent/desktop/contract, and the package electron (sandboxed: no Node built-ins)
 *   agent/desktop/renderer/  shared, agent/desktop/contract, and the package preact (talks to the core through the preload bridge)
 *   agent/desktop/contract/  shared only (the IPC channels, their argument rules and the state the window shows)
 *   proxy/console/ui/        shared only, and the package preact (the web console: runs in a browser)
 *   proxy/                   shared
 *   test/, scripts/          anything
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import ts from 'typescript';

const ROOT = resolve(import.meta.dirname, '..');

interface Layer {
  name: string;
  prefix: string;
  allowed: string[];
  builtins: boolean;
  /** npm packages a pure layer may import (a pure layer without this list may import none). */
  packages?: readonly string[];
}

const LAYERS: Layer[] = [
  { name: 'shared', prefix: 'shared/', allowed: ['shared/'], builtins: false },
  { name: 'agent/desktop/contract', prefix: 'agent/desktop/contract/', allowed: ['shared/', 'agent/desktop/contract/'], builtins: false },
  { name: 'agent/desktop/renderer', prefix: 'agent/desktop/renderer/', allowed: ['shared/', 'agent/desktop/contract/', 'agent/desktop/renderer/'], builtins: false, packages: ['preact'] },
  { name: 'agent/desktop/preload', prefix: 'agent/desktop/preload/', allowed: ['shared/', 'agent/desktop/contract/', 'agent/desktop/preload/'], builtins: false, packages: ['electron'] },
  { name: 'agent/desktop/main', prefix: 'agent/desktop/main/', allowed: ['shared/', 'agent/core/', 'agent/desktop/contract/', 'agent/desktop/main/'], builtins: true },
  { name: 'agent/desktop', prefix: 'agent/desktop/', allowed: ['shared/', 'agent/desktop/contract/'], builtins: false },
  { name: 'agent/cli', prefix: 'agent/cli/', allowed: ['shared/', 'agent/core/', 'agent/cli/'], builtins: true },
  { name: 'agent/core', prefix: 'agent/core/', allowed: ['shared/', 'agent/core/'], builtins: true },
  { name: 'proxy/console/ui', prefix: 'proxy/console/ui/', allowed: ['shared/', 'proxy/console/ui/'], builtins: false, packages: ['preact'] },
  { name: 'proxy', prefix: 'proxy/', allowed: ['shared/', 'proxy/'], builtins: true },
];

/** Runtime packages the pure layers may not use (shared has zero runtime dependencies). */
const PURE_LAYERS = new Set(['shared', 'agent/desktop/contract', 'agent/desktop/renderer', 'agent/desktop/preload', 'agent/desktop', 'proxy/console/ui']);

export interface Violation {
  file: string;
  line: number;
  specifier: string;
  message: string;
}

export function layerOf(file: string): Layer | undefined {
  return LAYERS.find((l) => file.startsWith(l.prefix));
}

/** Checks one file's source text; `file` is relative to the repo root with forward slashes. */
export function checkSource(file: string, text: string): Violation[] {
  const layer = layerOf(file);
  if (layer === undefined) return [];
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.ES2022, true);
  const violations: Violation[] = [];
  const visit = (node: ts.Node): void => {
    let specifier: string | undefined;
    if ((ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
      specifier = node.moduleSpecifier.text;
    } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
      const [arg] = node.arguments;
      if (arg !== undefined && ts.isStringLiteral(arg)) specifier = arg.text;
    }
    if (specifier !== undefined) {
      const problem = judge(file, layer, specifier);
      if (problem !== undefined) {
        const { line } = source.getLineAndCharacterOfPosition(node.getStart());
        violations.push({ file, line: line + 1, specifier, message: problem });
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return violations;
}

function judge(file: string, layer: Layer, specifier: string): string | undefined {
  if (specifier.startsWith('.')) {
    const target = relative(ROOT, resolve(ROOT, dirname(file), specifier)).split(sep).join('/');
    if (!layer.allowed.some((p) => target.startsWith(p))) {
      return `${layer.name} may not import ${target} (allowed: ${layer.allowed.join(', ')})`;
    }
    return undefined;
  }
  if (specifier.startsWith('node:') || isBareBuiltin(specifier)) {
    return layer.builtins ? undefined : `${layer.name} must stay free of Node built-ins (${specifier})`;
  }
  if (PURE_LAYERS.has(layer.name) && !(layer.packages ?? []).includes(packageOf(specifier))) {
    return `${layer.name} has no runtime dependencies${layer.packages === undefined ? '' : ` but ${layer.packages.join(', ')}`} (${specifier})`;
  }
  return undefined;
}

/** `preact/hooks` -> `preact`, `@scope/pkg/x` -> `@scope/pkg`. */
function packageOf(specifier: string): string {
  const parts = specifier.split('/');
  return (specifier.startsWith('@') ? parts.slice(0, 2) : parts.slice(0, 1)).join('/');
}

const BUILTINS = new Set(['fs', 'path', 'os', 'net', 'tls', 'http', 'https', 'crypto', 'child_process', 'stream', 'util', 'events', 'url', 'zlib', 'dns', 'buffer', 'worker_threads']);
function isBareBuiltin(specifier: string): boolean {
  return BUILTINS.has(specifier.split('/')[0] ?? '');
}

function walk(dir: string, out: string[]): string[] {
  for (const entry of readdirSync(dir)) {
    if (entry === 'node_modules' || entry.startsWith('.')) continue;
    const full = join(dir, entry);
    if (statSync(full).isDirectory()) walk(full, out);
    else if (/\.(ts|tsx|mts)$/.test(entry) && !entry.endsWith('.d.ts')) out.push(full);
  }
  return out;
}

export function checkTree(root = ROOT): Violation[] {
  const files = ['shared', 'proxy', 'agent'].flatMap((d) => walk(join(root, d), []));
  return files.flatMap((full) => {
    const file = relative(root, full).split(sep).join('/');
    // Tests beside code may use test-only helpers; the rule is about what ships.
    if (/\.test\.tsx?$/.test(file)) return [];
    return checkSource(file, readFileSync(full, 'utf8'));
  });
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === resolve(import.meta.filename)) {
  const violations = checkTree();
  for (const v of violations) console.error(`${v.file}:${v.line}: ${v.message}`);
  if (violations.length > 0) {
    console.error(`${violations.length} layer violation(s)`);
    process.exit(1);
  }
  console.log('layers: ok');
}
