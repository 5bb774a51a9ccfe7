/** Internal: crash-safe file writes for the PKI data dir. */
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, open, rename, stat, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

const POSIX = process.platform !== 'win32';

/**
 * Writes `data` to `path` so that `path` holds either its old content or all of the new one,
 * never a part, and is never readable with looser permissions than `mode`: a temp file in the
 * same directory is created with `mode` (then chmod-ed, as the umask may have narrowed or the
 * platform ignored it), written, fsync-ed, renamed over `path`, and the directory fsync-ed.
 */
export async function writeFileAtomic(path: string, data: string, mode: number): Promise<void> {
  const dir = dirname(path);
  const temp = join(dir, `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  const handle = await open(temp, 'wx', mode);
  try {
    try {
      if (POSIX) await handle.chmod(mode);
      await handle.writeFile(data, 'utf8');
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, path);
  } catch (error) {
    await unlink(temp).catch(() => undefined);
    throw error;
  }
  await syncDirectory(dir);
}

/** Makes the rename durable. Some platforms cannot fsync a directory; that is not an error. */
async function syncDirectory(dir: string): Promise<void> {
  if (!POSIX) return;
  const handle = await open(dir, 'r');
  try {
    await handle.sync().catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'EINVAL' && error.code !== 'EISDIR' && error.code !== 'EPERM') throw error;
    });
  } finally {
    await handle.close();
  }
}

/**
 * Creates `dir` (and parents) with mode 0700, and narrows an existing `dir` that is open to
 * group or others to 0700: it holds the CA key.
 */
export async function ensurePrivateDirectory(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const info = await stat(dir);
  if (!info.isDirectory()) throw Object.assign(new Error(`${dir} is not a directory`), { code: 'ENOTDIR' });
  if (POSIX && (info.mode & 0o077) !== 0) await chmod(dir, 0o700);
}
