/**
 * Builds the desktop app (issue 6) with esbuild into agent/desktop/dist/, the layout
 * installers/agent/electron-builder.yml packages: main.js (the main process, ESM, `electron`
 * external, every other dependency bundled: nothing from node_modules at run time), preload.js
 * (CommonJS, as sandboxed preloads must be), renderer/index.html + renderer/assets/ (Preact, no
 * inline script or style, a strict CSP) and icons/tray-<state>.png.
 *
 *   npm run build:desktop        # "build:desktop": "tsx scripts/build-desktop.ts"
 *   npx tsx scripts/build-desktop.ts --sourcemap
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { deflateSync } from 'node:zlib';
import { build } from 'esbuild';
import { RENDERER_CSP } from '../agent/desktop/main/window-security.ts';

const ROOT = resolve(import.meta.dirname, '..');
export const DESKTOP_DIR = join(ROOT, 'agent', 'desktop');
export const DESKTOP_DIST_DIR = join(DESKTOP_DIR, 'dist');

export interface DesktopBuildOptions {
  outDir?: string;
  sourcemap?: boolean;
}

export interface DesktopBuildResult {
  outDir: string;
  ms: number;
}

/** The window's page: the bundle by relative URL (loaded from file://, so a classic deferred script, not a module). */
export function desktopIndexHtml(): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${RENDERER_CSP}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>Zerogate</title>
<link rel="stylesheet" href="./assets/app.css">
<script defer src="./assets/app.js"></script>
</head>
<body>
<div id="app"></div>
<noscript>Zerogate needs JavaScript.</noscript>
</body>
</html>
`;
}

// --- tray icons: 32x32 RGBA PNGs drawn here, one shape per state -----------------------------

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(bytes: Buffer): number {
  let c = 0xffffffff;
  for (const b of bytes) c = CRC_TABLE[(c ^ b) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([length, body, crc]);
}

/** A PNG from `pixel(x, y)` -> [r, g, b, a]. */
export function png(size: number, pixel: (x: number, y: number) => readonly [number, number, number, number]): Buffer {
  const raw = Buffer.alloc(size * (size * 4 + 1));
  for (let y = 0; y < size; y++) {
    raw[y * (size * 4 + 1)] = 0;
    for (let x = 0; x < size; x++) raw.set(pixel(x, y), y * (size * 4 + 1) + 1 + x * 4);
  }
  const header = Buffer.alloc(13);
  header.writeUInt32BE(size, 0);
  header.writeUInt32BE(size, 4);
  header.set([8, 6, 0, 0, 0], 8);
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', header), chunk('IDAT', deflateSync(raw)), chunk('IEND', Buffer.alloc(0))]);
}

type Rgb = readonly [number, number, number];
const TRAY: Record<'signed-out' | 'connecting' | 'connected' | 'blocked', { colour: Rgb; shape: (dx: number, dy: number, r: number) => boolean }> = {
  // A ring: not connected.
  'signed-out': { colour: [110, 118, 132], shape: (dx, dy, r) => r > 10 && r <= 14 },
  // A ring with a dot: on its way.
  connecting: { colour: [176, 132, 0], shape: (dx, dy, r) => (r > 10 && r <= 14) || r <= 4.5 },
  // A filled disc: connected.
  connected: { colour: [27, 110, 58], shape: (_dx, _dy, r) => r <= 14 },
  // A disc with a bar through it (no entry): blocked.
  blocked: { colour: [166, 27, 27], shape: (dx, dy, r) => r <= 14 && !(Math.abs(dy) <= 2.5 && Math.abs(dx) <= 8.5) },
};

export function trayIcons(): Record<string, Buffer> {
  return Object.fromEntries(
    Object.entries(TRAY).map(([name, { colour, shape }]) => [
      `tray-${name}.png`,
      png(32, (x, y) => {
        const dx = x - 15.5;
        const dy = y - 15.5;
        return shape(dx, dy, Math.hypot(dx, dy)) ? [...colour, 255] : [0, 0, 0, 0];
      }),
    ]),
  );
}

export async function buildDesktop(options: DesktopBuildOptions = {}): Promise<DesktopBuildResult> {
  const started = performance.now();
  const outDir = options.outDir ?? DESKTOP_DIST_DIR;
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(join(outDir, 'renderer', 'assets'), { recursive: true });
  mkdirSync(join(outDir, 'icons'), { recursive: true });
  const sourcemap = options.sourcemap === true ? 'linked' : false;
  const common = { absWorkingDir: ROOT, bundle: true, legalComments: 'none', logLevel: 'silent', sourcemap, metafile: false } as const;
  await Promise.all([
    build({
      ...common,
      entryPoints: [join(DESKTOP_DIR, 'main', 'index.ts')],
      outfile: join(outDir, 'main.js'),
      platform: 'node',
      format: 'esm',
      target: 'node20',
      // Electron is the runtime; ws's optional native helpers are absent by design (it falls back to JS).
      external: ['electron', 'bufferutil', 'utf-8-validate'],
      // CommonJS dependencies bundled into ESM still call require() for Node built-ins.
      banner: { js: "import { createRequire as __zgCreateRequire } from 'node:module'; const require = __zgCreateRequire(import.meta.url);" },
    }),
    build({
      ...common,
      entryPoints: [join(DESKTOP_DIR, 'preload', 'index.ts')],
      outfile: join(outDir, 'preload.js'),
      platform: 'node',
      format: 'cjs',
      target: 'chrome130',
      external: ['electron'],
    }),
    build({
      ...common,
      entryPoints: { app: join(DESKTOP_DIR, 'renderer', 'main.tsx') },
      outdir: join(outDir, 'renderer', 'assets'),
      platform: 'browser',
      format: 'iife',
      target: 'chrome130',
      jsx: 'automatic',
      jsxImportSource: 'preact',
      minify: true,
      tsconfig: join(DESKTOP_DIR, 'renderer', 'tsconfig.json'),
    }),
  ]);
  writeFileSync(join(outDir, 'renderer', 'index.html'), desktopIndexHtml());
  for (const [name, bytes] of Object.entries(trayIcons())) writeFileSync(join(outDir, 'icons', name), bytes);
  return { outDir, ms: Math.round(performance.now() - started) };
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === resolve(import.meta.filename)) {
  const done = await buildDesktop({ sourcemap: process.argv.includes('--sourcemap') });
  console.log(`desktop: ${done.outDir} in ${done.ms} ms`);
}
