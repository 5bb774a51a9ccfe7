import { main } from './main.ts';

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
});
process.exit(code);
