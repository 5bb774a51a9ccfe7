import { main } from './main.ts';

/** Longest stdin read (a password line). */
const STDIN_MAX = 4096;

/** The first line of piped stdin; undefined for a terminal or empty input. */
async function readFirstLine(): Promise<string | undefined> {
  if (process.stdin.isTTY) return undefined;
  let text = '';
  for await (const chunk of process.stdin) {
    text += String(chunk);
    if (text.includes('\n') || text.length > STDIN_MAX) break;
  }
  process.stdin.pause();
  const line = text.split('\n')[0]?.replace(/\r$/, '') ?? '';
  return line === '' ? undefined : line.slice(0, STDIN_MAX);
}

/** Process entry point: real stdout/stderr, signals, exit code. */
const stopped = new Promise<void>((resolve) => {
  process.once('SIGINT', resolve);
  process.once('SIGTERM', resolve);
});
const code = await main(process.argv.slice(2), {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
  env: process.env,
  untilStopped: () => stopped,
  readStdin: readFirstLine,
  onReload: (reload) => {
    process.on('SIGHUP', () => void reload());
  },
});
process.exit(code);
