export { Mux, CLOSE_PROTOCOL_ERROR, AUTOTUNE_CONNECTION_BUDGET, type MuxOptions } from './mux.ts';
export type { OpenRequest } from '../wire/index.ts';
export { MuxStream, AUTOTUNE_EPOCH_MS, AUTOTUNE_MAX_WINDOW, type StreamEvents, type StreamState } from './stream.ts';
export type { ByteSocket, FrameTransport, MuxStats } from './types.ts';
export { CONGESTION_BYTES, writeWebSocketHeader, wsTransport, WS_HEADROOM, type RawSocketLike, type WsLike } from './ws-transport.ts';
export { attachFrameReader, WsFrameReader, type DataSocket, type FrameConsumer, type WsReaderSink } from './ws-reader.ts';
