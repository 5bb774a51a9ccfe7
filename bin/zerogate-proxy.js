#!/usr/bin/env node
// The proxy CLI. Sources are TypeScript, loaded through tsx.
import { register } from 'tsx/esm/api';

register();
await import('../proxy/cli/run.ts');
