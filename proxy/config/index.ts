/** The proxy's config file: load, validate, resolve (DESIGN.md §3, §6, §9). */

export { defaultConfig, loadConfig, parseConfig, type DefaultConfigOptions } from './load.ts';
export { CONFIG_SCHEMA } from './schema.ts';
export { CONFIG_DEFAULTS, DURATION_BOUNDS, HTTP_BOUNDS, ID_PATTERN, LIMIT_BOUNDS, USERNAME_PATTERN } from './defaults.ts';
export { formatSize, tryParseSize } from './size.ts';
export { samePublication } from './publication.ts';
export type {
  AllowCriterion,
  AnomalyConfig,
  AnomalyInput,
  AppConfig,
  AppInput,
  CidrBlock,
  ConfigInput,
  ConfigIssue,
  ConsoleConfig,
  ConsoleRolesConfig,
  HostPort,
  HttpAppConfig,
  HttpAppInput,
  IdentityConfig,
  IdpUserConfig,
  OidcProviderConfig,
  OpenApiSource,
  OsMinVersionConfig,
  PolicyConfig,
  PolicyInput,
  PolicyRequirementsConfig,
  PostureRequirementsConfig,
  ProxyConfig,
  TunnelLimitsConfig,
  UpstreamConfig,
} from './types.ts';
