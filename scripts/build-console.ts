/**
 * Builds the web console (issue 5): bundles proxy/console/ui/main.tsx (Preact, TSX) with esbuild
 * into proxy/console/dist/, which the proxy serves at /console/ (index.html) and
 * /console/assets/<file>. File names carry a content hash, so a browser never mixes an old
 * script with a new page. The page has no inline script or style: the console's CSP is
 * `script-src 'self'; style-src 'self'` (docs/api.md, proxy/console).
 *
 *   npm run build                 # minified
 *   npx tsx scripts/build-console.ts --sourcemap
 */
import { mkdirSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { build, type Metafile } from 'esbuild';

const ROOT = resolve(import.meta.dirname, '..');
export const CONSOLE_UI_DIR = join(ROOT, 'proxy', 'console', 'ui');
export const CONSOLE_DIST_DIR = join(ROOT, 'proxy', 'console', 'dist');
/** The URL path the proxy serves `dist/assets/` at. */
export const ASSETS_URL = '/console/assets/';

export interface BuildOptions {
  outDir?: string;
  sourcemap?: boolean;
}

export interface BuildResult {
  outDir: string;
  /** File names under `assets/`. */
  js: string;
  css: string;
  ms: number;
}

/** The HTML shell: references the hashed bundle by absolute URL; nothing inline. */
export function indexHtml(js: string, css: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>Zerogate console</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="${ASSETS_URL}${css}">
<script type="module" src="${ASSETS_URL}${js}"></script>
</head>
<body>
<div id="app"></div>
<noscript>The Zerogate console needs JavaScript.</noscript>
</body>
</html>
`;
}

function outputsOf(metafile: Metafile): { js: string; css: string } {
  const entry = Object.entries(metafile.outputs).find(([, o]) => o.entryPoint !== undefined);
  if (entry === undefined) throw new Error('esbuild produced no entry output');
  const [jsPath, output] = entry;
  if (output.cssBundle === undefined) throw new Error('esbuild produced no CSS bundle (does main.tsx import styles.css?)');
  return { js: basename(jsPath), css: basename(output.cssBundle) };
}

/**
 * Bundles the console. Assets are written before index.html (which is replaced atomically), and
 * only then are older hashed files removed, so a proxy serving the directory meanwhile always
 * finds what the page it served references.
 */
export async function buildConsole(options: BuildOptions = {}): Promise<BuildResult> {
  const started = performance.now();
  const outDir = options.outDir ?? CONSOLE_DIST_DIR;
  const assets = join(outDir, 'assets');
  mkdirSync(assets, { recursive: true });
  const result = await build({
    absWorkingDir: ROOT,
    entryPoints: { app: join(CONSOLE_UI_DIR, 'main.tsx') },
    outdir: assets,
    entryNames: '[name]-[hash]',
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: ['chrome110', 'firefox110', 'safari16'],
    jsx: 'automatic',
    jsxImportSource: 'preact',
    minify: true,
    sourcemap: options.sourcemap === true ? 'linked' : false,
    legalComments: 'none',
    metafile: true,
    logLevel: 'silent',
    tsconfig: join(CONSOLE_UI_DIR, 'tsconfig.json'),
  });
  const { js, css } = outputsOf(result.metafile);
  const tmp = join(outDir, `.index-${process.pid}.html`);
  writeFileSync(tmp, indexHtml(js, css));
  renameSync(tmp, join(outDir, 'index.html'));
  const keep = new Set(Object.keys(result.metafile.outputs).map((p) => basename(p)));
  for (const file of readdirSync(assets)) if (!keep.has(file)) rmSync(join(assets, file), { force: true });
  return { outDir, js, css, ms: Math.round(performance.now() - started) };
}

function newestSource(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestSource(full) : statSync(full).mtimeMs);
  }
  return newest;
}

/** Builds when dist is missing or older than a UI source file (tests on a fresh clone). */
export async function ensureConsoleBuilt(): Promise<BuildResult | undefined> {
  let built = 0;
  try {
    built = statSync(join(CONSOLE_DIST_DIR, 'index.html')).mtimeMs;
  } catch {
    // Missing: built stays 0.
  }
  if (built >= newestSource(CONSOLE_UI_DIR)) return undefined;
  return buildConsole();
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === resolve(import.meta.filename)) {
  const done = await buildConsole({ sourcemap: process.argv.includes('--sourcemap') });
  const size = (file: string): string => `${(statSync(join(done.outDir, 'assets', file)).size / 1024).toFixed(1)} KiB`;
  console.log(`console: ${done.js} (${size(done.js)}), ${done.css} (${size(done.css)}) in ${done.ms} ms`);
}
