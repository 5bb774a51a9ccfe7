/**
 * Golden frames: exact bytes (hex; whitespace is ignored) and the frame they stand for. The
 * same bytes appear in `docs/protocol.md`. Test data only: not exported from `index.ts`.
 */
import { ZerogateError } from '../errors.ts';
import { decodeFrame } from './decode.ts';
import type { Frame } from './frame.ts';
import type { WireLimits } from './limits.ts';

export interface GoldenFrame {
  readonly name: string;
  readonly hex: string;
  readonly frame: Frame;
}

/** Bytes of a hex string; whitespace is ignored. */
export function fromHex(hex: string): Uint8Array {
  const clean = hex.replace(/\s+/g, '');
  if (clean.length % 2 !== 0 || /[^0-9a-f]/i.test(clean)) throw new TypeError(`bad hex: ${hex}`);
  const out = new Uint8Array(clean.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = Number.parseInt(clean.slice(i * 2, i * 2 + 2), 16);
  return out;
}

/** Lower-case hex of `bytes`, no separators. */
export function toHex(bytes: Uint8Array): string {
  let out = '';
  for (const byte of bytes) out += byte.toString(16).padStart(2, '0');
  return out;
}

const ascii = (text: string): Uint8Array => new TextEncoder().encode(text);

export const GOLDEN_FRAMES: readonly GoldenFrame[] = [
  {
    name: 'OPEN, app only',
    // {"app":"wiki"}
    hex: '01 00000001 7b22617070223a2277696b69227d',
    frame: { type: 0x01, stream: 1, app: 'wiki' },
  },
  {
    name: 'OPEN with a DNS target',
    // {"app":"db","target":"db.internal:5432"}
    hex: `01 00000003 7b22617070223a226462222c22746172676574223a2264622e696e7465726e61
                     6c3a35343332227d`,
    frame: { type: 0x01, stream: 3, app: 'db', target: 'db.internal:5432' },
  },
  {
    name: 'OPEN with an IPv6 target',
    // {"app":"lab","target":"[2001:db8::7]:22"}
    hex: `01 00000105 7b22617070223a226c6162222c22746172676574223a225b323030313a646238
                     3a3a375d3a3232227d`,
    frame: { type: 0x01, stream: 261, app: 'lab', target: '[2001:db8::7]:22' },
  },
  {
    name: 'OPEN_OK',
    hex: '02 00000001',
    frame: { type: 0x02, stream: 1 },
  },
  {
    name: 'OPEN_FAIL, policy denial',
    // {"code":"ZG_ERR_POLICY_DENIED","reasons":["mfa-required"],"message":"MFA required"}
    hex: `03 00000005 7b22636f6465223a225a475f4552525f504f4c4943595f44454e494544222c22
                     726561736f6e73223a5b226d66612d7265717569726564225d2c226d65737361
                     6765223a224d4641207265717569726564227d`,
    frame: {
      type: 0x03,
      stream: 5,
      problem: { code: 'ZG_ERR_POLICY_DENIED', reasons: ['mfa-required'], message: 'MFA required' },
    },
  },
  {
    name: 'DATA, text',
    // "hello"
    hex: '04 00000001 68656c6c6f',
    frame: { type: 0x04, stream: 1, data: ascii('hello') },
  },
  {
    name: 'DATA, binary on the largest stream id',
    hex: '04 ffffffff 00ff10',
    frame: { type: 0x04, stream: 0xffff_ffff, data: new Uint8Array([0x00, 0xff, 0x10]) },
  },
  {
    name: 'WINDOW, 64 KiB',
    hex: '05 00000001 00010000',
    frame: { type: 0x05, stream: 1, increment: 65_536 },
  },
  {
    name: 'WINDOW, largest increment',
    hex: '05 00000002 ffffffff',
    frame: { type: 0x05, stream: 2, increment: 0xffff_ffff },
  },
  {
    name: 'FIN',
    hex: '06 00000001',
    frame: { type: 0x06, stream: 1 },
  },
  {
    name: 'RST, revoked device',
    // {"code":"ZG_ERR_POLICY_DENIED","reasons":["device-revoked"],"message":"device revoked"}
    hex: `07 00000001 7b22636f6465223a225a475f4552525f504f4c4943595f44454e494544222c22
                     726561736f6e73223a5b226465766963652d7265766f6b6564225d2c226d6573
                     73616765223a22646576696365207265766f6b6564227d`,
    frame: {
      type: 0x07,
      stream: 1,
      problem: { code: 'ZG_ERR_POLICY_DENIED', reasons: ['device-revoked'], message: 'device revoked' },
    },
  },
  {
    name: 'RST, no reasons and an empty message',
    // {"code":"ZG_ERR_UPSTREAM_UNREACHABLE","reasons":[],"message":""}
    hex: `07 00000009 7b22636f6465223a225a475f4552525f555053545245414d5f554e5245414348
                     41424c45222c22726561736f6e73223a5b5d2c226d657373616765223a22227d`,
    frame: { type: 0x07, stream: 9, problem: { code: 'ZG_ERR_UPSTREAM_UNREACHABLE', reasons: [], message: '' } },
  },
  {
    name: 'CONTROL, reauth',
    // {"type":"reauth"}
    hex: '10 00000000 7b2274797065223a22726561757468227d',
    frame: { type: 0x10, stream: 0, message: { type: 'reauth' } },
  },
  {
    name: 'CONTROL, notice with UTF-8',
    // {"type":"notice","message":"café"}   (é is c3 a9)
    hex: `10 00000000 7b2274797065223a226e6f74696365222c226d657373616765223a22636166c3
                     a9227d`,
    frame: { type: 0x10, stream: 0, message: { type: 'notice', message: 'café' } },
  },
];

/** Invalid frames and the code the decoder must raise for each (default limits). */
export const INVALID_FRAMES: readonly { readonly name: string; readonly hex: string; readonly code: string }[] = [
  { name: 'empty message', hex: '', code: 'ZG_ERR_WIRE_TRUNCATED' },
  { name: 'type byte only', hex: '04', code: 'ZG_ERR_WIRE_TRUNCATED' },
  { name: 'header cut short', hex: '04 000000', code: 'ZG_ERR_WIRE_TRUNCATED' },
  { name: 'type 0x00', hex: '00 00000001', code: 'ZG_ERR_WIRE_UNKNOWN_TYPE' },
  { name: 'type 0x08', hex: '08 00000001', code: 'ZG_ERR_WIRE_UNKNOWN_TYPE' },
  { name: 'type 0xff, one byte', hex: 'ff', code: 'ZG_ERR_WIRE_UNKNOWN_TYPE' },
  { name: 'DATA on stream 0', hex: '04 00000000 68', code: 'ZG_ERR_WIRE_BAD_STREAM' },
  { name: 'OPEN on stream 0', hex: '01 00000000 7b22617070223a2277696b69227d', code: 'ZG_ERR_WIRE_BAD_STREAM' },
  {
    name: 'CONTROL on stream 1',
    hex: '10 00000001 7b2274797065223a22726561757468227d',
    code: 'ZG_ERR_WIRE_BAD_STREAM',
  },
  { name: 'empty DATA', hex: '04 00000001', code: 'ZG_ERR_WIRE_BAD_PAYLOAD' },
  { name: 'OPEN_OK with a payload', hex: '02 00000001 00', code: 'ZG_ERR_WIRE_BAD_PAYLOAD' },
  { name: 'FIN with a payload', hex: '06 00000001 00', code: 'ZG_ERR_WIRE_BAD_PAYLOAD' },
  { name: 'WINDOW of 3 bytes', hex: '05 00000001 000100', code: 'ZG_ERR_WIRE_TRUNCATED' },
  { name: 'WINDOW of 5 bytes', hex: '05 00000001 0001000000', code: 'ZG_ERR_WIRE_BAD_PAYLOAD' },
  { name: 'WINDOW of 0', hex: '05 00000001 00000000', code: 'ZG_ERR_WIRE_FLOW_CONTROL' },
  { name: 'OPEN, empty payload', hex: '01 00000001', code: 'ZG_ERR_WIRE_BAD_PAYLOAD' },
  // {"app":"wiki"  (unterminated)
  { name: 'OPEN, bad JSON', hex: '01 00000001 7b22617070223a2277696b6922', code: 'ZG_ERR_WIRE_BAD_PAYLOAD' },
  // {"app":"wik\xff"}
  { name: 'OPEN, invalid UTF-8', hex: '01 00000001 7b22617070223a2277696bff227d', code: 'ZG_ERR_WIRE_BAD_PAYLOAD' },
  // BOM + {"app":"wiki"}
  { name: 'OPEN, UTF-8 BOM', hex: '01 00000001 efbbbf7b22617070223a2277696b69227d', code: 'ZG_ERR_WIRE_BAD_PAYLOAD' },
  // ["wiki"]
  { name: 'OPEN, array', hex: '01 00000001 5b2277696b69225d', code: 'ZG_ERR_WIRE_BAD_PAYLOAD' },
  // {"app":"wiki","x":1}
  {
    name: 'OPEN, unknown key',
    hex: '01 00000001 7b22617070223a2277696b69222c2278223a317d',
    code: 'ZG_ERR_WIRE_BAD_PAYLOAD',
  },
  // {"app":"../x"}
  { name: 'OPEN, bad app id', hex: '01 00000001 7b22617070223a222e2e2f78227d', code: 'ZG_ERR_WIRE_BAD_PAYLOAD' },
  // {"app":"db","target":"010.1:22"}
  {
    name: 'OPEN, numeric-looking target host',
    hex: '01 00000001 7b22617070223a226462222c22746172676574223a223031302e313a3232227d',
    code: 'ZG_ERR_WIRE_BAD_PAYLOAD',
  },
  // {"__proto__":{},"app":"wiki"}
  {
    name: 'OPEN, __proto__ key',
    hex: '01 00000001 7b225f5f70726f746f5f5f223a7b7d2c22617070223a2277696b69227d',
    code: 'ZG_ERR_WIRE_BAD_PAYLOAD',
  },
  // {"code":"X","reasons":["Not Kebab"],"message":""}
  {
    name: 'RST, reason not kebab-case',
    hex: `07 00000001 7b22636f6465223a2258222c22726561736f6e73223a5b224e6f74204b65626162
                     225d2c226d657373616765223a22227d`,
    code: 'ZG_ERR_WIRE_BAD_PAYLOAD',
  },
  // {"code":"X","reasons":[]}
  {
    name: 'OPEN_FAIL, missing message',
    hex: '03 00000001 7b22636f6465223a2258222c22726561736f6e73223a5b5d7d',
    code: 'ZG_ERR_WIRE_BAD_PAYLOAD',
  },
  // {"kind":"reauth"}
  { name: 'CONTROL, no type', hex: '10 00000000 7b226b696e64223a22726561757468227d', code: 'ZG_ERR_WIRE_BAD_PAYLOAD' },
  // {"type":"n","x":{"constructor":{}}}
  {
    name: 'CONTROL, nested constructor key',
    hex: '10 00000000 7b2274797065223a226e222c2278223a7b22636f6e7374727563746f72223a7b7d7d7d',
    code: 'ZG_ERR_WIRE_BAD_PAYLOAD',
  },
];

/** The error `fn` throws; fails when it returns. */
export function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
}

/** The result of decoding: a frame, or the wire error code. Anything else thrown is rethrown. */
export type Outcome = { readonly frame: Frame } | { readonly code: string };

/**
 * Runs `fn` and reports its frame or its wire error code. Rethrows anything that is not a
 * ZerogateError with a ZG_ERR_WIRE_* code and closeCode 1002, so a test fails on it.
 */
export function outcome(fn: () => Frame): Outcome {
  try {
    return { frame: fn() };
  } catch (error) {
    if (error instanceof ZerogateError && error.code.startsWith('ZG_ERR_WIRE_') && error.closeCode === 1002) {
      return { code: error.code };
    }
    throw error;
  }
}

/** Outcome of decoding `message` whole. */
export function decodeOutcome(message: Uint8Array, limits?: WireLimits): Outcome {
  return outcome(() => decodeFrame(message, limits));
}
