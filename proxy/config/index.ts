/** The proxy's config file: load, validate, resolve (DESIGN.md §3, §6, §9). */

export { defaultConfig, loadConfig, parseConfig } from './load.ts';
export { CONFIG_SCHEMA } from './schema.ts';
export { CONFIG_DEFAULTS, DURATION_BOUNDS, ID_PATTERN, LIMIT_BOUNDS, USERNAME_PATTERN } from './defaults.ts';
export type {
  AllowCriterion,
  AppConfig,
  AppInput,
  CidrBlock,
  ConfigInput,
  ConfigIssue,
  ConsoleConfig,
  ConsoleRolesConfig,
  HostPort,
  IdentityConfig,
  IdpUserConfig,
  OidcProviderConfig,
  OsMinVersionConfig,
  PolicyConfig,
  PolicyInput,
  PolicyRequirementsConfig,
  PostureRequirementsConfig,
  ProxyConfig,
  TunnelLimitsConfig,
  UpstreamConfig,
} from './types.ts';
