/** `ufw status verbose`: see ufw.ts; an active firewall with default allow incoming and no blocking rule is `off`. */
import type { ToolParser } from '../types.ts';
import { parseUfw } from './ufw.ts';

export const ufwStatusVerbose: ToolParser = {
  id: 'ufw-status-verbose',
  platform: 'linux',
  command: 'ufw status verbose',
  parse: parseUfw,
};
