import { HEADER_SIZE } from '../../shared/wire/index.ts';

/**
 * The largest WebSocket message the transport accepts. Frames above the protocol's own limits
 * but below this are refused by the codec with close code 1002; larger messages are refused by
 * the WebSocket layer itself with 1009 (message too big) before they are buffered.
 */
export const MAX_TRANSPORT_MESSAGE = 1024 * 1024 + HEADER_SIZE;
