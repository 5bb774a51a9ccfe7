/** The proxy's config file: load, validate, resolve (DESIGN.md §3, §6, §9). */

export { defaultConfig, loadConfig, parseConfig } from './load.ts';
export { CONFIG_SCHEMA } from './schema.ts';
export { CONFIG_DEFAULTS, DURATION_BOUNDS, ID_PATTERN, LIMIT_BOUNDS, USERNAME_PATTERN } from './defaults.ts';
export type {
  AppConfig,
  AppInput,
  ConfigInput,
  ConfigIssue,
  HostPort,
  IdentityConfig,
  IdpUserConfig,
  OidcProviderConfig,
  PolicyConfig,
  PolicyInput,
  ProxyConfig,
  TunnelLimitsConfig,
  UpstreamConfig,
} from './types.ts';
