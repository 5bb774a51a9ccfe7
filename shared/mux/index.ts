export { Mux, CLOSE_PROTOCOL_ERROR, type MuxOptions, type OpenRequest } from './mux.ts';
export { MuxStream, type StreamEvents, type StreamState } from './stream.ts';
export type { ByteSocket, FrameTransport, MuxStats } from './types.ts';
