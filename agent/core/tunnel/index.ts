export { TunnelClient, BACKOFF_INITIAL_MS, BACKOFF_MAX_MS, OPEN_WAIT_MS, type TunnelClientOptions, type TunnelState } from './client.ts';
export { listenApp, parseListenAddress, type AppListener, type ListenAddress, type ListenerEvents } from './listener.ts';
