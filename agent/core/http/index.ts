/** HTTPS to the proxy, and the proxy endpoints an agent fails over between (docs/failover.md). */
export { ENDPOINT_CONNECT_TIMEOUT_MS, endpointConnector, isEndpointFailure } from './connect.ts';
export {
  describeEndpoint,
  endpointsFor,
  MAX_ADDRESSES_PER_NAME,
  MAX_PROXY_URLS,
  ProxyEndpoints,
  RESOLVE_TTL_MS,
  sameEndpoint,
  sharedEndpoints,
  systemLookup,
  type LookupAll,
  type ProxyEndpoint,
  type ProxyEndpointsOptions,
} from './endpoints.ts';
export { MAX_RESPONSE_BYTES, parseJsonResponse, proxyRequest, REQUEST_TIMEOUT_MS, type ProxyRequestOptions, type ProxyResponse, type TlsIdentity } from './request.ts';
