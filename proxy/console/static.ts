/**
 * Serves the console's front-end bundle (built by `npm run build` into proxy/console/dist):
 * `index.html` for the single-page app's every route, and the files of `dist/assets/`. Only
 * plain file names of known types are served (no `/`, no `..`, no hidden files, no symlinks),
 * so nothing outside `assets/` can be reached.
 */
import { lstat, readFile } from 'node:fs/promises';
import { extname, join, resolve } from 'node:path';

/** The bundle's folder; `ZEROGATE_CONSOLE_DIST` serves another build (development, tests). */
export function distDir(): string {
  const override = process.env.ZEROGATE_CONSOLE_DIST;
  return override !== undefined && override !== '' ? resolve(override) : resolve(import.meta.dirname, 'dist');
}

export const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
};

/** A file name the build makes: letters, digits, `.`, `_`, `-`; not starting with a dot. */
const ASSET_NAME = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,199}$/;
/** esbuild's `[name]-[hash]`: a content hash of 8 or more characters before the extension. */
const HASHED_NAME = /-[A-Za-z0-9]{8,}\.[a-z0-9]+$/;
/** The largest asset served (a minified bundle is a few hundred KiB). */
const MAX_ASSET_BYTES = 16 * 1024 * 1024;

export interface Asset {
  body: Buffer;
  contentType: string;
  cacheControl: string;
}

/** The page of the app, or undefined when the bundle is not built. */
export async function readIndex(dir = distDir()): Promise<Buffer | undefined> {
  try {
    return await readFile(join(dir, 'index.html'));
  } catch {
    return undefined;
  }
}

/** A file of `assets/`, or undefined for any name that is not a served file. */
export async function readAsset(name: string, dir = distDir()): Promise<Asset | undefined> {
  if (!ASSET_NAME.test(name) || name.includes('..')) return undefined;
  const contentType = CONTENT_TYPES[extname(name).toLowerCase()];
  if (contentType === undefined) return undefined;
  const path = join(dir, 'assets', name);
  try {
    const stat = await lstat(path);
    if (!stat.isFile() || stat.size > MAX_ASSET_BYTES) return undefined;
    return {
      body: await readFile(path),
      contentType,
      // A hashed name never changes content; anything else is checked again each time.
      cacheControl: HASHED_NAME.test(name) ? 'public, max-age=31536000, immutable' : 'no-cache',
    };
  } catch {
    return undefined;
  }
}
