#!/usr/bin/env node
// The agent CLI. Sources are TypeScript, loaded through tsx.
import { register } from 'tsx/esm/api';

register();
await import('../agent/cli/run.ts');
