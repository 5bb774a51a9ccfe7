/**
 * Anomaly detection, and the wiring of the three API-security inspectors (OpenAPI validation,
 * shadow-API discovery, anomalies) that share one compiled-document registry.
 */
import type { AuditLog } from '../../audit/index.ts';
import { DiscoveryInventory } from '../discovery/inventory.ts';
import { OpenApiInspector } from '../openapi/inspector.ts';
import { OpenApiRegistry } from '../openapi/registry.ts';
import type { HttpInspector } from '../types.ts';
import type { AnomalySettings } from './detectors.ts';
import { AnomalyInspector } from './inspector.ts';

export * from './detectors.ts';
export { ANOMALY_BLOCKS_MAX, AnomalyInspector, type AnomalyDeps } from './inspector.ts';

export interface ApiSecurity {
  anomalies: AnomalyInspector;
  openapi: OpenApiInspector;
  inventory: DiscoveryInventory;
  /** In the order the gateway must run them: blocks first, then validation, then the inventory. */
  inspectors: HttpInspector[];
  /** Stops listening to the audit log. */
  close(): void;
}

/**
 * The inspectors of issue 8 items 2, 4 and 5, wired to the audit log (sign-in events feed the
 * anomaly detectors). The gateway adds `inspectors` in order; the API gets `inventory`.
 */
export function apiSecurity(deps: { audit: AuditLog; settings: AnomalySettings | (() => AnomalySettings); now?: () => number }): ApiSecurity {
  const registry = new OpenApiRegistry();
  const anomalies = new AnomalyInspector({ audit: deps.audit, settings: deps.settings, registry, ...(deps.now === undefined ? {} : { now: deps.now }) });
  const openapi = new OpenApiInspector({ audit: deps.audit, registry });
  const inventory = new DiscoveryInventory({ registry, ...(deps.now === undefined ? {} : { now: deps.now }) });
  const off = deps.audit.onEvent(anomalies.onAuditEvent);
  return { anomalies, openapi, inventory, inspectors: [anomalies, openapi, inventory], close: off };
}
