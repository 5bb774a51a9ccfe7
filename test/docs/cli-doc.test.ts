/**
 * docs/cli.md documents every command and every option both CLIs accept, and their exit codes
 * (DESIGN.md §9). Commands come from each CLI's own `--help`; options from the `parse(args,
 * {...})` calls in their source, so an option missing from the usage text is still caught.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import * as agent from '../../agent/cli/main.ts';
import * as proxy from '../../proxy/cli/main.ts';

const ROOT = join(import.meta.dirname, '..', '..');
const DOC = readFileSync(join(ROOT, 'docs', 'cli.md'), 'utf8');

const CLIS = [
  { name: 'zerogate', main: agent.main, source: 'agent/cli/main.ts', exits: [agent.EXIT_OK, agent.EXIT_RUNTIME, agent.EXIT_USAGE] },
  { name: 'zerogate-proxy', main: proxy.main, source: 'proxy/cli/main.ts', exits: [proxy.EXIT_OK, proxy.EXIT_RUNTIME, proxy.EXIT_USAGE] },
] as const;

async function help(main: (argv: string[], io: agent.CliIo) => Promise<number>): Promise<{ code: number; text: string }> {
  const lines: string[] = [];
  const io = { out: (line: string) => lines.push(line), err: (line: string) => lines.push(line), env: {}, untilStopped: async () => undefined };
  const code = await main(['--help'], io);
  return { code, text: lines.join('\n') };
}

/** Command words from the usage text: `  token create --user U` → `token create`. */
function commandsOf(usage: string): string[] {
  const commands: string[] = [];
  for (const line of usage.split('\n')) {
    const match = /^ {2}([a-z][a-z-]*(?: [a-z][a-z-]*)?)(?=\s|$)/.exec(line);
    if (match === null) continue;
    const [first, second] = match[1]!.split(' ');
    // `token create`, `device list`: a second word is a subcommand only when it is not a flag value.
    commands.push(second !== undefined && /^(create|list|revoke)$/.test(second) ? `${first} ${second}` : first!);
  }
  return commands;
}

/** Option names of every `parse(args, { name: {...} })` call in a CLI's source. */
function optionsOf(file: string): string[] {
  const text = readFileSync(join(ROOT, file), 'utf8');
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.ES2022, true);
  const names = new Set<string>();
  const visit = (node: ts.Node): void => {
    if (ts.isCallExpression(node) && ts.isIdentifier(node.expression) && node.expression.text === 'parse') {
      const options = node.arguments[1];
      if (options !== undefined && ts.isObjectLiteralExpression(options)) {
        for (const property of options.properties) {
          if (property.name !== undefined && (ts.isIdentifier(property.name) || ts.isStringLiteral(property.name))) names.add(property.name.text);
        }
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return [...names];
}

describe.each(CLIS)('docs/cli.md: $name', ({ name, main, source, exits }) => {
  it('documents every command of its --help under a heading', async () => {
    const { code, text } = await help(main);
    expect(code).toBe(0);
    const commands = commandsOf(text);
    expect(commands.length).toBeGreaterThan(3);
    const missing = commands.filter((command) => !DOC.includes(`### \`${name} ${command}`));
    expect(missing).toEqual([]);
  });

  it('has no heading for a command that does not exist', async () => {
    const commands = new Set(commandsOf((await help(main)).text));
    const headings = [...DOC.matchAll(new RegExp(`^### \`${name} ([a-z][a-z-]*(?: (?:create|list|revoke))?)`, 'gm'))].map((m) => m[1]!);
    expect(headings.length).toBeGreaterThan(3);
    expect(headings.filter((command) => !commands.has(command))).toEqual([]);
  });

  it('documents every option the source accepts', () => {
    const options = optionsOf(source);
    expect(options.length).toBeGreaterThan(2);
    expect(options.filter((option) => !DOC.includes(`--${option}`))).toEqual([]);
  });

  it('documents the exit codes 0, 1 and 2', () => {
    expect(exits).toEqual([0, 1, 2]);
    for (const code of exits) expect(DOC).toMatch(new RegExp(`^\\| \`${code}\` \\|`, 'm'));
  });
});
