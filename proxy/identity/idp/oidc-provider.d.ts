/**
 * The part of oidc-provider 8.x's API that Zerogate uses. The package ships no type definitions
 * (DefinitelyTyped's `@types/oidc-provider` is not a dependency), so this declares what
 * `proxy/identity/idp` calls, checked against `node_modules/oidc-provider/lib` 8.8.1.
 */
declare module 'oidc-provider' {
  import type { EventEmitter } from 'node:events';
  import type { IncomingMessage, ServerResponse } from 'node:http';

  export type UnknownObject = Record<string, unknown>;

  /** Client metadata (RFC 7591 names), as oidc-provider's `clients` option takes it. */
  export interface ClientMetadata {
    client_id: string;
    client_secret?: string;
    client_name?: string;
    application_type?: 'web' | 'native';
    grant_types?: string[];
    response_types?: string[];
    redirect_uris?: string[];
    post_logout_redirect_uris?: string[];
    token_endpoint_auth_method?: string;
    id_token_signed_response_alg?: string;
    scope?: string;
    [key: string]: unknown;
  }

  /** One stored model instance, as the adapter receives and returns it. */
  export interface AdapterPayload {
    [key: string]: unknown;
    jti?: string;
    kind?: string;
    exp?: number;
    grantId?: string;
    userCode?: string;
    uid?: string;
    consumed?: unknown;
  }

  /** Storage for one model (`Session`, `Grant`, `RefreshToken`, ...); see lib/adapters/memory_adapter.js. */
  export interface Adapter {
    upsert(id: string, payload: AdapterPayload, expiresIn: number | undefined): Promise<void>;
    find(id: string): Promise<AdapterPayload | undefined>;
    findByUserCode(userCode: string): Promise<AdapterPayload | undefined>;
    findByUid(uid: string): Promise<AdapterPayload | undefined>;
    consume(id: string): Promise<void>;
    destroy(id: string): Promise<void>;
    revokeByGrantId(grantId: string): Promise<void>;
  }

  export type AdapterConstructor = new (modelName: string) => Adapter;

  export interface Account {
    accountId: string;
    claims(use: string, scope: string, claims: UnknownObject, rejected: string[]): Promise<UnknownObject> | UnknownObject;
  }

  export interface Client {
    readonly clientId: string;
    readonly clientName?: string;
    readonly applicationType?: string;
    grantTypeAllowed(type: string): boolean;
  }

  export interface Session {
    readonly accountId?: string;
    grantIdFor(clientId: string): string | undefined;
  }

  export interface InteractionResults {
    login?: { accountId: string; acr?: string; amr?: string[]; remember?: boolean; ts?: number };
    consent?: { grantId?: string; rejectedScopes?: string[]; rejectedClaims?: string[] };
    error?: string;
    error_description?: string;
    [key: string]: unknown;
  }

  export interface OIDCContext {
    readonly provider: Provider;
    readonly route: string;
    readonly client?: Client;
    readonly session: Session;
    readonly account?: Account;
    readonly result?: InteractionResults;
    readonly params?: UnknownObject;
    readonly entities: { readonly RotatedRefreshToken?: { readonly remainingTTL: number }; readonly [name: string]: unknown };
    readonly requestParamOIDCScopes: Set<string>;
    readonly requestParamClaims: Set<string>;
  }

  /** The Koa context oidc-provider hands to its helpers (only what Zerogate reads and writes). */
  export interface KoaContextWithOIDC {
    oidc: OIDCContext;
    body: unknown;
    type: string;
    status: number;
    readonly ip: string;
    readonly host: string;
    set(field: string, value: string): void;
    get(field: string): string;
  }

  export interface ErrorOut {
    error: string;
    error_description?: string;
    state?: string;
    scope?: string;
    [key: string]: unknown;
  }

  export class Grant {
    constructor(properties?: { accountId?: string; clientId?: string });
    jti: string;
    accountId?: string;
    clientId?: string;
    addOIDCScope(scope: string): void;
    addOIDCClaims(claims: string[]): void;
    getOIDCScope(): string;
    save(ttl?: number): Promise<string>;
    destroy(): Promise<void>;
    static find(id: string, options?: { ignoreExpiration?: boolean }): Promise<Grant | undefined>;
  }

  export interface PromptDetail {
    name: string;
    reasons: string[];
    details: UnknownObject;
  }

  /** An interaction session, as `interactionDetails` returns it. */
  export interface Interaction {
    readonly uid: string;
    readonly jti: string;
    readonly kind: string;
    readonly iat: number;
    /** Seconds since the epoch. */
    readonly exp: number;
    readonly prompt: PromptDetail;
    readonly params: UnknownObject;
    readonly returnTo: string;
    readonly session?: { accountId: string; uid?: string; cookie?: string; acr?: string; amr?: string[] };
    readonly grantId?: string;
    readonly deviceCode?: string;
    readonly result?: InteractionResults;
    readonly lastSubmission?: InteractionResults;
  }

  /**
   * One check of a prompt of the interaction policy (lib/helpers/interaction_policy/check.js):
   * `check` answers `Check.REQUEST_PROMPT` (true) to ask for the prompt.
   */
  export class Check {
    constructor(reason: string, description: string, check: (ctx: KoaContextWithOIDC) => boolean | Promise<boolean>);
    constructor(reason: string, description: string, error: string, check: (ctx: KoaContextWithOIDC) => boolean | Promise<boolean>);
    static readonly REQUEST_PROMPT: true;
    static readonly NO_NEED_TO_PROMPT: false;
    readonly reason: string;
  }

  /** A prompt of the interaction policy; `checks` is an array with `get`, `add` and `remove`. */
  export interface Prompt {
    readonly name: string;
    readonly checks: Check[] & { get(reason: string): Check | undefined; add(check: Check, index?: number): void; remove(reason: string): void };
  }

  /** An interaction policy: the prompts in order (the first that asks wins). */
  export type InteractionPolicy = Prompt[] & { get(name: string): Prompt | undefined };

  export const interactionPolicy: { base(): InteractionPolicy; Check: typeof Check };

  export type TtlFunction = (ctx: KoaContextWithOIDC | undefined, token: unknown, client: Client | undefined) => number;

  export type KoaMiddleware = (ctx: KoaContextWithOIDC, next: () => Promise<void>) => Promise<void>;

  /** The provider options Zerogate sets (lib/helpers/defaults.js has them all). */
  export interface Configuration {
    adapter?: AdapterConstructor;
    clients?: ClientMetadata[];
    jwks?: { keys: UnknownObject[] };
    cookies?: {
      keys?: string[];
      names?: Record<string, string>;
      long?: UnknownObject;
      short?: UnknownObject;
    };
    claims?: Record<string, string[] | null>;
    scopes?: string[];
    acrValues?: string[];
    responseTypes?: string[];
    conformIdTokenClaims?: boolean;
    clientDefaults?: Partial<ClientMetadata>;
    pkce?: { methods?: string[]; required?: (ctx: KoaContextWithOIDC, client: Client) => boolean };
    features?: Record<string, UnknownObject>;
    ttl?: Record<string, number | TtlFunction>;
    interactions?: { policy?: InteractionPolicy; url?: (ctx: KoaContextWithOIDC, interaction: Interaction) => Promise<string> | string };
    findAccount?: (ctx: KoaContextWithOIDC, sub: string, token?: unknown) => Promise<Account | undefined>;
    loadExistingGrant?: (ctx: KoaContextWithOIDC) => Promise<Grant | undefined>;
    issueRefreshToken?: (ctx: KoaContextWithOIDC, client: Client, code: unknown) => Promise<boolean> | boolean;
    renderError?: (ctx: KoaContextWithOIDC, out: ErrorOut, error: Error) => Promise<void>;
    [key: string]: unknown;
  }

  class Provider extends EventEmitter {
    constructor(issuer: string, configuration?: Configuration);
    readonly issuer: string;
    /** Trust `X-Forwarded-*` (Koa's `app.proxy`). */
    proxy: boolean;
    readonly Grant: typeof Grant;
    /** Static clients are validated on first lookup; an invalid one rejects (`InvalidClientMetadata`). */
    readonly Client: { find(id: string): Promise<Client | undefined> };
    callback(): (req: IncomingMessage, res: ServerResponse) => Promise<void>;
    interactionDetails(req: IncomingMessage, res: ServerResponse): Promise<Interaction>;
    interactionResult(
      req: IncomingMessage,
      res: ServerResponse,
      result: InteractionResults,
      options?: { mergeWithLastSubmission?: boolean },
    ): Promise<string>;
    interactionFinished(
      req: IncomingMessage,
      res: ServerResponse,
      result: InteractionResults,
      options?: { mergeWithLastSubmission?: boolean },
    ): Promise<void>;
    urlFor(name: string, options?: UnknownObject): string;
    use(middleware: KoaMiddleware): void;
  }

  export default Provider;
  export { Provider };
}
