/**
 * Builds the CLI-only agent package, `zerogate-agent_<version>_all.deb` (issue 6, installers):
 * the `zerogate` command bundled by esbuild into one ES module, so the package depends on
 * nothing but Node.js 20 (no node_modules, no tsx, no native addon: ws falls back to plain
 * JavaScript without bufferutil). Built with `dpkg-deb --root-owner-group`, so no root or
 * fakeroot is needed, and reproducible: every timestamp is SOURCE_DATE_EPOCH (default: the
 * last commit's time).
 *
 *   npm run package:deb                         # dist/zerogate-agent_<version>_all.deb
 *   npx tsx scripts/package-deb.ts --out DIR
 *
 * Layout: /usr/lib/zerogate/zerogate.mjs (the bundle, 0644), /usr/bin/zerogate (a two-line sh
 * wrapper that runs it with /usr/bin/node: no executable in /usr/lib, and the interpreter is the
 * one the nodejs dependency installs), /usr/share/man/man1/zerogate.1.gz,
 * /usr/share/doc/zerogate-agent/{copyright,changelog.gz}, and DEBIAN/{control,md5sums}.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync, lstatSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { build, type Metafile } from 'esbuild';

const ROOT = resolve(import.meta.dirname, '..');
export const PACKAGE_NAME = 'zerogate-agent';
export const MAINTAINER = 'Zerogate Project <packaging@zerogate.dev>';
/** The Node.js the bundle targets; the same floor as package.json `engines`. */
export const NODE_DEPENDS = 'nodejs (>= 20)';
export const LIB_DIR = 'usr/lib/zerogate';
export const BUNDLE_FILE = `${LIB_DIR}/zerogate.mjs`;
export const WRAPPER = `#!/bin/sh\nexec /usr/bin/node /${BUNDLE_FILE} "$@"\n`;
export const DOC_DIR = `usr/share/doc/${PACKAGE_NAME}`;
const MAN_SOURCE = join(ROOT, 'installers/agent/deb/zerogate.1');

/**
 * Licences the bundle may contain, mapped to their Debian copyright-format names. A dependency
 * under any other licence fails the build: someone must read it before it ships.
 */
const LICENSE_NAMES: Record<string, string> = {
  MIT: 'Expat',
  '(BSD-3-Clause OR GPL-2.0)': 'BSD-3-clause or GPL-2',
  'Apache-2.0': 'Apache-2.0',
  ISC: 'ISC',
};

export interface DebResult {
  /** Absolute path of the .deb. */
  path: string;
  version: string;
  /** Bytes of the .deb file. */
  size: number;
  /** The npm packages inside the bundle, with their versions and licences. */
  bundled: BundledPackage[];
}

export interface BundledPackage {
  name: string;
  version: string;
  license: string;
  copyright: string[];
}

/** Debian version syntax for a native package (no revision): what package.json may hold. */
const DEB_VERSION = /^[0-9][A-Za-z0-9.+~]*$/;

export function packageVersion(): string {
  const { version } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
  // npm's prerelease hyphen (1.0.0-rc.1) would be a Debian revision; ~ sorts before the release.
  const deb = version.replace('-', '~');
  if (!DEB_VERSION.test(deb)) throw new Error(`package.json version ${version} cannot be a Debian version`);
  return deb;
}

function sourceDateEpoch(): number {
  const fromEnv = process.env.SOURCE_DATE_EPOCH;
  if (fromEnv !== undefined && /^\d+$/.test(fromEnv)) return Number(fromEnv);
  try {
    return Number(execFileSync('git', ['log', '-1', '--format=%ct'], { cwd: ROOT, encoding: 'utf8' }).trim());
  } catch {
    return Math.floor(Date.now() / 1000);
  }
}

/** The bundle: an ES module with a `require` for the CommonJS dependencies it contains. */
async function bundle(outFile: string): Promise<Metafile> {
  const result = await build({
    absWorkingDir: ROOT,
    entryPoints: [join(ROOT, 'agent/cli/run.ts')],
    outfile: outFile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    // Optional native speed-ups of ws: without them ws uses its JavaScript code paths.
    external: ['bufferutil', 'utf-8-validate'],
    banner: {
      js: "import { createRequire as __zgCreateRequire } from 'node:module';\nconst require = __zgCreateRequire(import.meta.url);",
    },
    legalComments: 'none',
    metafile: true,
    logLevel: 'warning',
  });
  return result.metafile;
}

/** The npm packages esbuild put in the bundle, read from their own package.json and LICENSE. */
export function bundledPackages(metafile: Metafile): BundledPackage[] {
  const dirs = new Set<string>();
  for (const input of Object.keys(metafile.inputs)) {
    const match = /^(.*node_modules\/(?:@[^/]+\/)?[^/]+)\//.exec(input);
    if (match?.[1] !== undefined) dirs.add(match[1]);
  }
  return [...dirs].sort().map((dir) => {
    const abs = join(ROOT, dir);
    const meta = JSON.parse(readFileSync(join(abs, 'package.json'), 'utf8')) as { name: string; version: string; license?: string };
    const license = meta.license ?? 'UNKNOWN';
    if (LICENSE_NAMES[license] === undefined) throw new Error(`${meta.name} ${meta.version} is under "${license}", which the agent package does not ship yet: review it and add it to LICENSE_NAMES`);
    return { name: meta.name, version: meta.version, license, copyright: copyrightLines(abs, meta.name) };
  });
}

function copyrightLines(dir: string, name: string): string[] {
  const file = readdirSync(dir).find((f) => /^licen[cs]e(\.md|\.txt)?$/i.test(f));
  if (file === undefined) throw new Error(`${name} has no LICENSE file to copy its copyright from`);
  const lines = readFileSync(join(dir, file), 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => /^copyright\b.*\d{4}/i.test(l))
    // A licence text quoted in full (node-forge ships the GPL's) carries its own author's notice.
    .filter((l) => !/free software foundation/i.test(l))
    .map((l) => l.replace(/^copyright\s*(\(c\)|©)?\s*/i, ''));
  return lines.length > 0 ? lines : [`the ${name} authors`];
}

const EXPAT = `Permission is hereby granted, free of charge, to any person obtaining a copy
of this software and associated documentation files (the "Software"), to deal
in the Software without restriction, including without limitation the rights
to use, copy, modify, merge, publish, distribute, sublicense, and/or sell
copies of the Software, and to permit persons to whom the Software is
furnished to do so, subject to the following conditions:

The above copyright notice and this permission notice shall be included in
all copies or substantial portions of the Software.

THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR
IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY,
FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE
AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER
LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM,
OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN
THE SOFTWARE.`;

const BSD_3 = `Redistribution and use in source and binary forms, with or without
modification, are permitted provided that the following conditions are met:
1. Redistributions of source code must retain the above copyright notice,
   this list of conditions and the following disclaimer.
2. Redistributions in binary form must reproduce the above copyright notice,
   this list of conditions and the following disclaimer in the documentation
   and/or other materials provided with the distribution.
3. Neither the name of the copyright holder nor the names of its contributors
   may be used to endorse or promote products derived from this software
   without specific prior written permission.

THIS SOFTWARE IS PROVIDED BY THE COPYRIGHT HOLDERS AND CONTRIBUTORS "AS IS"
AND ANY EXPRESS OR IMPLIED WARRANTIES, INCLUDING, BUT NOT LIMITED TO, THE
IMPLIED WARRANTIES OF MERCHANTABILITY AND FITNESS FOR A PARTICULAR PURPOSE
ARE DISCLAIMED. IN NO EVENT SHALL THE COPYRIGHT HOLDER OR CONTRIBUTORS BE
LIABLE FOR ANY DIRECT, INDIRECT, INCIDENTAL, SPECIAL, EXEMPLARY, OR
CONSEQUENTIAL DAMAGES (INCLUDING, BUT NOT LIMITED TO, PROCUREMENT OF
SUBSTITUTE GOODS OR SERVICES; LOSS OF USE, DATA, OR PROFITS; OR BUSINESS
INTERRUPTION) HOWEVER CAUSED AND ON ANY THEORY OF LIABILITY, WHETHER IN
CONTRACT, STRICT LIABILITY, OR TORT (INCLUDING NEGLIGENCE OR OTHERWISE)
ARISING IN ANY WAY OUT OF THE USE OF THIS SOFTWARE, EVEN IF ADVISED OF THE
POSSIBILITY OF SUCH DAMAGE.`;

const ISC = `Permission to use, copy, modify, and/or distribute this software for any
purpose with or without fee is hereby granted, provided that the above
copyright notice and this permission notice appear in all copies.

THE SOFTWARE IS PROVIDED "AS IS" AND THE AUTHOR DISCLAIMS ALL WARRANTIES
WITH REGARD TO THIS SOFTWARE INCLUDING ALL IMPLIED WARRANTIES OF
MERCHANTABILITY AND FITNESS. IN NO EVENT SHALL THE AUTHOR BE LIABLE FOR
ANY SPECIAL, DIRECT, INDIRECT, OR CONSEQUENTIAL DAMAGES OR ANY DAMAGES
WHATSOEVER RESULTING FROM LOSS OF USE, DATA OR PROFITS, WHETHER IN AN
ACTION OF CONTRACT, NEGLIGENCE OR OTHER TORTIOUS ACTION, ARISING OUT OF
OR IN CONNECTION WITH THE USE OR PERFORMANCE OF THIS SOFTWARE.`;

/** A copyright-format field body: continuation lines start with a space, blank lines are " .". */
function fieldBody(text: string): string {
  return text
    .split('\n')
    .map((l) => (l.trim() === '' ? ' .' : ` ${l}`))
    .join('\n');
}

/** /usr/share/doc/<pkg>/copyright in the machine-readable format (DEP-5). */
export function copyrightFile(bundled: BundledPackage[], year: number): string {
  const names = new Set(bundled.flatMap((p) => LICENSE_NAMES[p.license]!.split(' or ')));
  const paragraphs = [
    'Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/\nUpstream-Name: zerogate',
    `Files: *\nCopyright: ${year} Zerogate contributors\nLicense: Apache-2.0`,
    [
      `Files: ${BUNDLE_FILE}`,
      `Copyright: ${year} Zerogate contributors\n${bundled.flatMap((p) => p.copyright.map((c) => ` ${c}`)).join('\n')}`,
      `License: ${['Apache-2.0', ...new Set(bundled.map((p) => LICENSE_NAMES[p.license]!))].map((n) => (n.includes(' or ') ? `(${n})` : n)).join(' and ')}`,
      `Comment: The agent, bundled by esbuild with these npm packages:\n${bundled.map((p) => ` ${p.name} ${p.version} (${p.license})`).join('\n')}`,
    ].join('\n'),
    'License: Apache-2.0\n On Debian systems, the full text of the Apache License, Version 2.0 can be\n found in /usr/share/common-licenses/Apache-2.0.',
  ];
  if (names.has('Expat')) paragraphs.push(`License: Expat\n${fieldBody(EXPAT)}`);
  if (names.has('BSD-3-clause')) paragraphs.push(`License: BSD-3-clause\n${fieldBody(BSD_3)}`);
  if (names.has('GPL-2')) paragraphs.push('License: GPL-2\n On Debian systems, the full text of the GNU General Public License version 2\n can be found in /usr/share/common-licenses/GPL-2.');
  if (names.has('ISC')) paragraphs.push(`License: ISC\n${fieldBody(ISC)}`);
  return `${paragraphs.join('\n\n')}\n`;
}

function rfc2822(epochSeconds: number): string {
  return new Date(epochSeconds * 1000).toUTCString().replace('GMT', '+0000');
}

export function changelog(version: string, epochSeconds: number): string {
  return `${PACKAGE_NAME} (${version}) unstable; urgency=medium

  * Zerogate agent command line ${version}, built from the Zerogate sources.

 -- ${MAINTAINER}  ${rfc2822(epochSeconds)}
`;
}

export function controlFile(version: string, installedSizeKiB: number): string {
  return `Package: ${PACKAGE_NAME}
Version: ${version}
Architecture: all
Maintainer: ${MAINTAINER}
Installed-Size: ${installedSizeKiB}
Depends: ${NODE_DEPENDS}
Section: net
Priority: optional
Homepage: https://zerogate.dev
Description: Zerogate agent: Zero Trust access to internal apps
 The zerogate command signs the user in at the organisation's identity
 provider, enrols the machine as a device of a Zerogate access proxy, reports
 its security posture (disk encryption, firewall, updates, screen lock,
 endpoint security) and carries each internal app's traffic through one
 mutually authenticated TLS tunnel, on loopback ports only.
 .
 This package is the command-line agent; it runs as the user, without any
 privileged service.
`;
}

/** dpkg's Installed-Size: KiB, each file rounded up, plus one per directory and link. */
function installedSize(root: string): number {
  let kib = 0;
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      const info = lstatSync(path);
      if (info.isDirectory()) {
        kib += 1;
        walk(path);
      } else {
        kib += info.isFile() ? Math.ceil(info.size / 1024) : 1;
      }
    }
  };
  walk(root);
  return kib;
}

/** DEBIAN/md5sums: `<md5>  <path>` for every regular file, paths relative to /, sorted. */
function md5sums(root: string): string {
  const lines: string[] = [];
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir).sort()) {
      const path = join(dir, name);
      const info = lstatSync(path);
      if (info.isDirectory()) walk(path);
      else if (info.isFile()) lines.push(`${createHash('md5').update(readFileSync(path)).digest('hex')}  ${relative(root, path)}`);
    }
  };
  walk(root);
  return `${lines.join('\n')}\n`;
}

function writeFile(root: string, path: string, content: string | Buffer, mode: number): void {
  const abs = join(root, path);
  mkdirSync(dirname(abs), { recursive: true });
  writeFileSync(abs, content);
  chmodSync(abs, mode);
}

/** 0755 directories and every timestamp SOURCE_DATE_EPOCH (umask and build time do not leak in). */
function normalize(root: string, epoch: number): void {
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      const info = lstatSync(path);
      if (info.isDirectory()) {
        chmodSync(path, 0o755);
        walk(path);
      }
      if (!info.isSymbolicLink()) utimesSync(path, epoch, epoch);
    }
  };
  chmodSync(root, 0o755);
  walk(root);
}

/** Stages the tree, then `dpkg-deb --build`; returns where the .deb is. */
export async function buildDeb(options: { outDir?: string } = {}): Promise<DebResult> {
  const outDir = resolve(options.outDir ?? join(ROOT, 'dist'));
  const version = packageVersion();
  const epoch = sourceDateEpoch();
  const stage = mkdtempSync(join(tmpdir(), 'zg-deb-'));
  try {
    const metafile = await bundle(join(stage, BUNDLE_FILE));
    chmodSync(join(stage, BUNDLE_FILE), 0o644);
    const bundled = bundledPackages(metafile);
    writeFile(stage, 'usr/bin/zerogate', WRAPPER, 0o755);
    // gzip -9n equivalents: zlib writes no file name and a zero mtime, so the output is reproducible.
    writeFile(stage, 'usr/share/man/man1/zerogate.1.gz', gzipSync(readFileSync(MAN_SOURCE), { level: 9 }), 0o644);
    writeFile(stage, `${DOC_DIR}/copyright`, copyrightFile(bundled, new Date(epoch * 1000).getUTCFullYear()), 0o644);
    writeFile(stage, `${DOC_DIR}/changelog.gz`, gzipSync(changelog(version, epoch), { level: 9 }), 0o644);
    const size = installedSize(stage);
    writeFile(stage, 'DEBIAN/md5sums', md5sums(stage), 0o644);
    writeFile(stage, 'DEBIAN/control', controlFile(version, size), 0o644);
    normalize(stage, epoch);

    mkdirSync(outDir, { recursive: true });
    const path = join(outDir, `${PACKAGE_NAME}_${version}_all.deb`);
    execFileSync('dpkg-deb', ['--root-owner-group', '-Zxz', '--build', stage, path], {
      env: { ...process.env, SOURCE_DATE_EPOCH: String(epoch) },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    return { path, version, size: statSync(path).size, bundled };
  } finally {
    rmSync(stage, { recursive: true, force: true });
  }
}

function outDirFromArgs(argv: string[]): string | undefined {
  const index = argv.findIndex((a) => a === '--out' || a.startsWith('--out='));
  if (index === -1) return undefined;
  const arg = argv[index]!;
  const value = arg.startsWith('--out=') ? arg.slice('--out='.length) : argv[index + 1];
  if (value === undefined || value === '') throw new Error('--out needs a directory');
  return value;
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === resolve(import.meta.filename)) {
  try {
    const result = await buildDeb({ outDir: outDirFromArgs(process.argv.slice(2)) });
    process.stdout.write(`${result.path}\n`);
    process.stderr.write(`${PACKAGE_NAME} ${result.version}: ${(result.size / 1024).toFixed(0)} KiB, bundling ${result.bundled.map((p) => p.name).join(', ')}\n`);
  } catch (error) {
    process.stderr.write(`error: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  }
}
