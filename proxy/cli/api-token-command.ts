/**
 * `zerogate-proxy api-token create|revoke`: tokens for automation calling the admin and
 * helpdesk API (docs/api.md). The token is printed once; only its hash is stored.
 */
import { parseArgs } from 'node:util';
import { formatDuration, parseDuration } from '../../shared/duration.ts';
import { ZerogateError } from '../../shared/errors.ts';
import { API_ROLES, createApiToken, revokeApiToken } from '../api/tokens.ts';
import type { AuditLog } from '../audit/index.ts';
import type { ProxyConfig } from '../config/index.ts';
import type { Store } from '../store/index.ts';
import type { ApiRole } from '../store/types.ts';

/** Default lifetime of an API token: short, so a forgotten one dies on its own. */
export const API_TOKEN_DEFAULT_TTL = '30d';

export interface ApiTokenCommandDeps {
  out: (line: string) => void;
  err: (line: string) => void;
  loadConfig: (path: string | undefined) => ProxyConfig;
  withStore: <T>(config: ProxyConfig, fn: (store: Store, audit: AuditLog) => Promise<T>) => Promise<T>;
}

export async function apiTokenCommand(args: string[], deps: ApiTokenCommandDeps): Promise<number> {
  const [sub, ...rest] = args;
  if (sub === 'create') {
    const { values } = parseArgs({
      args: rest,
      options: { role: { type: 'string' }, name: { type: 'string' }, ttl: { type: 'string' }, json: { type: 'boolean' }, config: { type: 'string' } },
      strict: true,
    });
    const role = values.role as ApiRole | undefined;
    if (role === undefined || !API_ROLES.includes(role)) throw new ZerogateError('ZG_ERR_USAGE', `api-token create needs --role ${API_ROLES.join('|')}`);
    const name = values.name;
    if (name === undefined || !/^[A-Za-z0-9][A-Za-z0-9 ._@-]{0,63}$/.test(name)) {
      throw new ZerogateError('ZG_ERR_USAGE', 'api-token create needs --name N (1-64 letters, digits, spaces or ._@-), naming who uses it');
    }
    let ttlMs: number;
    try {
      ttlMs = parseDuration(values.ttl ?? API_TOKEN_DEFAULT_TTL);
    } catch {
      throw new ZerogateError('ZG_ERR_USAGE', `--ttl must be a duration like 1h, 7d or 30d, got "${(values.ttl ?? '').slice(0, 30)}"`);
    }
    if (ttlMs < 60_000 || ttlMs > 90 * 86_400_000) throw new ZerogateError('ZG_ERR_USAGE', '--ttl must be from 1m to 90d');
    const config = deps.loadConfig(values.config);
    const created = await deps.withStore(config, async (store, audit) => {
      const token = await createApiToken(store, { role, name, ttlMs });
      audit.record({ type: 'admin.change', detail: { action: 'api-token.create', by: 'cli', tokenId: token.id, name, role, expiresAt: token.expiresAt } });
      return token;
    });
    const expires = new Date(created.expiresAt).toISOString();
    if (values.json === true) {
      deps.out(JSON.stringify({ token: created.token, id: created.id, name: created.name, role: created.role, expiresAt: expires }));
    } else {
      deps.out(created.token);
      deps.err(`${role} API token "${name}" (id ${created.id}), valid ${formatDuration(ttlMs)} until ${expires}; shown once`);
    }
    return 0;
  }
  if (sub === 'revoke') {
    const { values, positionals } = parseArgs({ args: rest, options: { config: { type: 'string' } }, allowPositionals: true, strict: true });
    const [id] = positionals;
    if (id === undefined || positionals.length !== 1 || !/^[0-9a-f]{16}$/.test(id)) throw new ZerogateError('ZG_ERR_USAGE', 'usage: zerogate-proxy api-token revoke <token-id> (16 hex digits)');
    const config = deps.loadConfig(values.config);
    const revoked = await deps.withStore(config, async (store, audit) => {
      const ok = await revokeApiToken(store, id);
      if (ok) audit.record({ type: 'admin.change', detail: { action: 'api-token.revoke', by: 'cli', tokenId: id } });
      return ok;
    });
    if (!revoked) throw new ZerogateError('ZG_ERR_NOT_FOUND', `no active API token ${id}`);
    deps.out(`revoked API token ${id}`);
    return 0;
  }
  throw new ZerogateError('ZG_ERR_USAGE', 'usage: zerogate-proxy api-token create --role admin|helpdesk --name N [--ttl 30d] [--json] | api-token revoke <token-id>');
}
