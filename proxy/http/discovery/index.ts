export { DISCOVERY_APPS_MAX, DISCOVERY_CALLERS_MAX, DISCOVERY_ENDPOINTS_MAX, DiscoveryInventory, type EndpointItem, type EndpointList } from './inventory.ts';
export { classifySegment, templateOf, type Templated } from './templates.ts';
