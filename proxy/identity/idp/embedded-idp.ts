import { randomBytes, type JsonWebKey } from 'node:crypto';
import type { FastifyPluginAsync } from 'fastify';
import Provider from 'oidc-provider';
import { PayloadSweeper } from './adapter.ts';
import { FailureLimiter } from './failure-limiter.ts';
import { interactionRoutes } from './interaction-routes.ts';
import { loadOrCreateIdpKeys, publicJwksOf } from './keys.ts';
import { LoginStates } from './login-state.ts';
import { PAYLOAD_SWEEP_INTERVAL_MS, resolveOptions, type EmbeddedIdpOptions } from './options.ts';
import { hashPassword } from './password.ts';
import { providerConfiguration } from './provider-config.ts';
import { providerMount } from './provider-mount.ts';
import { TotpVerifier } from './totp.ts';
import { UserDirectory } from './user-directory.ts';

/** The file name the proxy gives {@link EmbeddedIdpOptions.keysFile} in its data dir. */
export const IDP_KEYS_FILE_NAME = 'idp-keys.json';

export interface EmbeddedIdp {
  /** fastify plugin: register it on the root instance (not prefixed); it serves everything under mountPath. */
  plugin: FastifyPluginAsync;
  /** Public JWKS (for verifying its ID tokens locally without an HTTP round trip). */
  publicJwks(): { keys: JsonWebKey[] };
  provider: Provider;
  /** Stops the store sweeper. The fastify server that mounts the plugin is closed by its owner. */
  close(): Promise<void>;
}

/**
 * Creates the embedded OpenID Connect provider (DESIGN.md §6): oidc-provider 8 with the
 * store as its adapter, users from the config file and the store, scrypt passwords and a
 * required TOTP second factor, served under `mountPath` of the proxy's own HTTPS server.
 *
 * Throws `ZG_ERR_IDP_KEYS_INVALID` when the keys file exists but is unusable, and
 * `ZG_ERR_CONFIG_INVALID` for a config user with a malformed password hash or TOTP secret;
 * wrong options are a `TypeError`.
 */
export async function createEmbeddedIdp(options: EmbeddedIdpOptions): Promise<EmbeddedIdp> {
  const resolved = resolveOptions(options);
  const [keys, directory, dummyHash] = await Promise.all([
    loadOrCreateIdpKeys(resolved.keysFile),
    UserDirectory.create(resolved.users, resolved.store),
    hashPassword(randomBytes(32).toString('base64url')),
  ]);
  const provider = new Provider(resolved.issuer, providerConfiguration(resolved, keys, directory));
  provider.proxy = false;
  // oidc-provider checks static client metadata lazily; a bad client must stop the start, not a sign-in.
  for (const client of resolved.clients) {
    try {
      await provider.Client.find(client.client_id);
    } catch (error) {
      const detail = (error as { error_description?: string }).error_description ?? (error as Error).message;
      throw new TypeError(`client ${client.client_id}: ${detail}`, { cause: error });
    }
  }
  provider.on('server_error', (_ctx: unknown, error: unknown) => {
    // Operators need to see these; the message is the library's or the store's, never request content.
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(`${JSON.stringify({ level: 'error', time: new Date().toISOString(), msg: 'embedded IdP internal error', error: message })}\n`);
  });

  const interactions = interactionRoutes({
    provider,
    options: resolved,
    directory,
    states: new LoginStates(resolved.store),
    totp: new TotpVerifier(resolved.store, resolved.now),
    userLimiter: new FailureLimiter({ limit: resolved.failuresPerUser, windowMs: resolved.windowMs, now: resolved.now }),
    sourceLimiter: new FailureLimiter({ limit: resolved.failuresPerSource, windowMs: resolved.windowMs, now: resolved.now }),
    dummyHash,
  });
  const mount = providerMount(provider, resolved.mountPath);
  const publicJwks = publicJwksOf(keys);
  const sweeper = new PayloadSweeper(resolved.store, PAYLOAD_SWEEP_INTERVAL_MS);

  return {
    plugin: async (app) => {
      // Two sibling contexts: the sign-in pages parse forms, oidc-provider must get raw bodies.
      await app.register(interactions);
      await app.register(mount);
    },
    publicJwks: () => ({ keys: publicJwks.keys.map((k) => ({ ...k })) }),
    provider,
    close: () => sweeper.stop(),
  };
}
