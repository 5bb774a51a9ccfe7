/**
 * Anomaly detection for HTTP apps (issue 8, item 5): feeds the detectors (detectors.ts) from
 * HTTP exchanges (enumeration, data volume, hours and networks) and from audit events
 * (`login.fail` for credential stuffing, `login.success` for hours and networks), records each
 * finding as an `anomaly` audit event, and, when `anomalies.block` is on, refuses the identity
 * or source address for `blockFor` (403 ZG_ERR_HTTP_BLOCKED with Retry-After).
 *
 * State is in memory per node (bounded); a block holds on the node that saw the attack.
 */
import type { AuditLog } from '../../audit/index.ts';
import type { AuditEvent } from '../../store/index.ts';
import { OpenApiRegistry } from '../openapi/registry.ts';
import { templateOf } from '../discovery/templates.ts';
import type { HttpExchange, HttpInspector, HttpRefusal, HttpResponseInfo } from '../types.ts';
import {
  ANOMALY_DEFAULTS,
  CredentialStuffingDetector,
  EnumerationDetector,
  ExfiltrationDetector,
  UnusualAccessDetector,
  type AnomalySettings,
  type Finding,
} from './detectors.ts';

/** Identities and sources blocked at once; beyond it, the block ending soonest is dropped. */
export const ANOMALY_BLOCKS_MAX = 50_000;

type Audit = Pick<AuditLog, 'record'>;

/** One spelling per address: `::ffff:10.0.0.1` (a dual-stack socket) is `10.0.0.1`. */
export function addressKey(address: string): string {
  return address.toLowerCase().replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/, '');
}

export interface AnomalyDeps {
  audit: Audit;
  /** The `anomalies` config (a function: the config may be replaced while running). */
  settings?: AnomalySettings | (() => AnomalySettings);
  now?: () => number;
  registry?: OpenApiRegistry;
}

interface Block {
  until: number;
  detector: string;
}

export class AnomalyInspector implements HttpInspector {
  readonly name = 'anomaly';
  readonly #audit: Audit;
  readonly #settings: () => AnomalySettings;
  readonly #now: () => number;
  readonly #registry: OpenApiRegistry;
  readonly #blocks = new Map<string, Block>();
  readonly stuffing: CredentialStuffingDetector;
  readonly enumeration: EnumerationDetector;
  readonly exfiltration: ExfiltrationDetector;
  readonly unusual: UnusualAccessDetector;

  constructor(deps: AnomalyDeps) {
    this.#audit = deps.audit;
    const settings = deps.settings ?? ANOMALY_DEFAULTS;
    this.#settings = typeof settings === 'function' ? settings : () => settings;
    this.#now = deps.now ?? Date.now;
    this.#registry = deps.registry ?? new OpenApiRegistry();
    this.stuffing = new CredentialStuffingDetector(() => this.#settings().credentialStuffing);
    this.enumeration = new EnumerationDetector(() => this.#settings().enumeration);
    this.exfiltration = new ExfiltrationDetector(() => this.#settings().exfiltration);
    this.unusual = new UnusualAccessDetector(() => this.#settings().unusualAccess);
  }

  /** For AuditLog.onEvent: sign-ins feed credential stuffing and unusual access. */
  readonly onAuditEvent = (event: AuditEvent): void => {
    if (event.type === 'login.fail' && event.source !== undefined) {
      const named = typeof event.detail?.account === 'string' ? event.detail.account : event.user;
      this.#report(this.stuffing.observe(addressKey(event.source), named, event.time), this.#now());
    } else if (event.type === 'login.success' && event.user !== undefined && event.source !== undefined) {
      this.#report(this.unusual.observe(event.user, event.source, event.time), this.#now());
    }
  };

  onRequest(exchange: HttpExchange): HttpRefusal | undefined {
    const { user } = exchange.principal;
    const source = addressKey(exchange.principal.source);
    const now = this.#now();
    const blocked = this.#blocked(`identity:${user}`, now) ?? this.#blocked(`source:${source}`, now);
    if (blocked !== undefined) return refusal(blocked, now);
    const compiled = this.#registry.get(exchange.app);
    const templated = templateOf(exchange.path, compiled?.ok === true ? compiled.api : undefined);
    if (templated.params.length > 0) {
      const objectId = templated.params.map((p) => p.value).join('/');
      this.#report(this.enumeration.observe(user, exchange.app.id, `${exchange.method} ${templated.template}`, objectId, now), now);
    }
    this.#report(this.unusual.observe(user, source, now, exchange.app.id), now);
    // The request that crossed a threshold is refused too when it started a block.
    const started = this.#blocked(`identity:${user}`, now) ?? this.#blocked(`source:${source}`, now);
    return started === undefined ? undefined : refusal(started, now);
  }

  onResponse(exchange: HttpExchange, response: HttpResponseInfo): undefined {
    const now = this.#now();
    this.#report(this.exfiltration.observe(exchange.principal.user, response.bytes, now, exchange.app.id), now);
    return undefined;
  }

  /** Whether an identity (`identity:<user>`) or source (`source:<address>`) is blocked now. */
  isBlocked(key: string): boolean {
    return this.#blocked(key, this.#now()) !== undefined;
  }

  #blocked(key: string, now: number): Block | undefined {
    const block = this.#blocks.get(key);
    if (block === undefined) return undefined;
    if (block.until > now) return block;
    this.#blocks.delete(key);
    return undefined;
  }

  /** `now` is the caller's clock reading, so a refusal computed with it says exactly `blockFor`. */
  #report(finding: Finding | undefined, now: number): void {
    if (finding === undefined) return;
    const settings = this.#settings();
    const key = `${finding.subject.kind}:${finding.subject.value}`;
    if (settings.block) this.#block(key, { until: now + settings.blockForMs, detector: finding.detector });
    const identity = finding.subject.kind === 'identity';
    this.#audit.record({
      type: 'anomaly',
      time: now,
      ...(identity ? { user: finding.subject.value } : { source: finding.subject.value }),
      ...(finding.app === undefined ? {} : { app: finding.app }),
      decision: settings.block ? 'deny' : 'allow',
      reasons: ['anomaly-detected'],
      detail: {
        detector: finding.detector,
        ...(identity ? { identity: finding.subject.value } : { source: finding.subject.value }),
        ...(finding.app === undefined ? {} : { app: finding.app }),
        window: finding.windowMs,
        observed: finding.observed,
        threshold: finding.threshold,
        blocked: settings.block,
        ...(settings.block ? { blockedUntil: new Date(now + settings.blockForMs).toISOString() } : {}),
      },
    });
  }

  #block(key: string, block: Block): void {
    this.#blocks.delete(key);
    if (this.#blocks.size >= ANOMALY_BLOCKS_MAX) {
      const now = this.#now();
      for (const [k, b] of this.#blocks) if (b.until <= now) this.#blocks.delete(k);
      if (this.#blocks.size >= ANOMALY_BLOCKS_MAX) {
        const soonest = [...this.#blocks].sort(([, a], [, b]) => a.until - b.until)[0];
        if (soonest !== undefined) this.#blocks.delete(soonest[0]);
      }
    }
    this.#blocks.set(key, block);
  }
}

function refusal(block: Block, now: number): HttpRefusal {
  const seconds = Math.max(1, Math.ceil((block.until - now) / 1000));
  return {
    status: 403,
    code: 'ZG_ERR_HTTP_BLOCKED',
    reasons: ['anomaly-detected'],
    message: `blocked for ${seconds} s: activity looked like an attack (${block.detector}); contact your helpdesk if this is wrong`,
    retryAfter: seconds,
    detail: { detector: block.detector, blockedUntil: new Date(block.until).toISOString() },
  };
}
