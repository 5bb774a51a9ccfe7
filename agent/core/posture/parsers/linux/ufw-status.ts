/** `ufw status`: see ufw.ts. Without `verbose` the default policies are not shown, so active is `on`. */
import type { ToolParser } from '../types.ts';
import { parseUfw } from './ufw.ts';

export const ufwStatus: ToolParser = {
  id: 'ufw-status',
  platform: 'linux',
  command: 'ufw status',
  parse: parseUfw,
};
