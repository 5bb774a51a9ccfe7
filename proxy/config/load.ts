/**
 * Entry points: a config file, config text, or a config built in code (the demo). All three run
 * the same pipeline: YAML → shape (JSON Schema) → semantics → typed {@link ProxyConfig}, and
 * fail with one `ZG_ERR_CONFIG_INVALID` listing every problem.
 */

import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { LineCounter, parseDocument, type YAMLError } from 'yaml';
import { ZerogateError } from '../../shared/errors.ts';
import { ConfigIssues, truncate, type Locator } from './issues.ts';
import { NO_POSITIONS, yamlLocator } from './locate.ts';
import { resolveConfig } from './resolve.ts';
import { checkShape } from './schema.ts';
import type { ConfigInput, ProxyConfig } from './types.ts';

/** Most alias expansions in one document; more is a resource-exhaustion attempt, not a config. */
const MAX_ALIAS_COUNT = 100;

/** What error messages call a config built by {@link defaultConfig}. */
const DEFAULTS_SOURCE = '<defaultConfig>';

/**
 * Reads and parses a config file. Relative paths in it are relative to the file's folder.
 *
 * @throws ZerogateError `ZG_ERR_CONFIG_NOT_FOUND` when the file cannot be read,
 *   `ZG_ERR_CONFIG_INVALID` when it is not a valid config.
 */
export function loadConfig(file: string): ProxyConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? 'unreadable';
    const what = reason === 'ENOENT' ? 'not found' : `cannot be read (${reason})`;
    throw new ZerogateError('ZG_ERR_CONFIG_NOT_FOUND', `config file ${file} ${what}`, {
      cause: error,
      detail: { file, reason },
    });
  }
  return parseConfig(text, file, dirname(resolve(file)));
}

/**
 * Parses config text.
 *
 * @param source the file name used in error messages.
 * @param baseDir the folder relative paths (`dataDir`, `audit.file`, `server.tls`) resolve against.
 * @throws ZerogateError `ZG_ERR_CONFIG_INVALID` listing every problem, one per line of the
 *   message and in `detail.errors` as `{path, line, column, expected, found, message}`.
 */
export function parseConfig(text: string, source: string, baseDir: string): ProxyConfig {
  if (typeof text !== 'string' || typeof source !== 'string' || typeof baseDir !== 'string') {
    throw new TypeError('parseConfig(text, source, baseDir) takes three strings');
  }
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: true, uniqueKeys: true });
  const locate = yamlLocator(doc, lineCounter);
  const issues = new ConfigIssues();

  // Warnings (an unresolved tag silently read as a string, ...) are errors too: a config must
  // mean exactly one thing.
  for (const problem of [...doc.errors, ...doc.warnings]) issues.add(syntaxIssue(problem));
  if (issues.size > 0) throw issues.toError(source, locate);

  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (error) {
    issues.add({
      segments: [],
      expected: `a document with at most ${MAX_ALIAS_COUNT} alias expansions`,
      found: truncate(error instanceof Error ? error.message : String(error)),
    });
    throw issues.toError(source, locate);
  }
  // An empty file (or one with only comments) is the all-defaults config.
  return validate(value ?? {}, source, baseDir, locate);
}

/**
 * A config built in code, for the demo and tests: `input` is the config file's shape and goes
 * through the same validation as a file; relative paths resolve against `baseDir`.
 *
 * @throws ZerogateError `ZG_ERR_CONFIG_INVALID` when `input` is not a valid config (it may
 *   carry user input, such as demo flags).
 */
export function defaultConfig(input: ConfigInput = {}, baseDir: string = process.cwd(), options: DefaultConfigOptions = {}): ProxyConfig {
  return validate(structuredClone(input), DEFAULTS_SOURCE, baseDir, NO_POSITIONS, options);
}

export interface DefaultConfigOptions {
  /**
   * false: refuse anything that would read a file on the proxy (an app's `openapi` path). For
   * input from the admin API, which must give documents inline.
   */
  readFiles?: boolean;
}

function validate(value: unknown, source: string, baseDir: string, locate: Locator, options: DefaultConfigOptions = {}): ProxyConfig {
  const issues = new ConfigIssues();
  checkShape(value, issues);
  const config = resolveConfig(value, resolve(baseDir), issues, options);
  if (issues.size > 0) throw issues.toError(source, locate);
  return config;
}

function syntaxIssue(problem: YAMLError) {
  // The library's message ends with " at line L, column C:" and a source excerpt: keep the
  // first clause, the position goes in front like every other problem.
  const headline = problem.message.split(/ at line \d+, column \d+:?/)[0]?.split('\n')[0] ?? problem.message;
  const position = problem.linePos?.[0];
  return {
    segments: [],
    expected: 'valid YAML',
    found: truncate(`${headline} (${problem.code})`),
    text: `YAML syntax error: ${truncate(headline, 160)} (${problem.code})`,
    ...(position === undefined ? {} : { position: { line: position.line, column: position.col } }),
  };
}
