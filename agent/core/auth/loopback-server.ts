import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ZerogateError } from '../../../shared/errors.ts';
import { CALLBACK_PATH, LOOPBACK_CLOSE_GRACE_MS, LOOPBACK_HOST, LOOPBACK_REQUEST_TIMEOUT_MS } from './constants.ts';

/** The one authorization response the receiver accepted, and how to answer the browser that brought it. */
export interface LoopbackCallback {
  /** The full callback URL, `http://127.0.0.1:<port>/callback?code=...&state=...`. */
  url: URL;
  /** Answers the browser with the outcome, in words; later calls do nothing. */
  respond(outcome: { ok: true } | { ok: false; message: string }): void;
}

/**
 * The loopback redirect of RFC 8252 §7.3: an HTTP server on 127.0.0.1 with an ephemeral port
 * that accepts exactly one authorization response: on `/callback`, with the expected `state`
 * (RFC 6749 §10.12). A callback with another state is answered 400 and ignored, so a local page
 * cannot end or hijack the sign-in in progress; other paths (favicon included) get 404. The
 * browser's page says what happened in words and carries no script.
 */
export class LoopbackReceiver {
  readonly redirectUri: string;
  readonly #server: Server;
  readonly #expectedState: string;
  readonly #host: string;
  readonly #callback: Promise<LoopbackCallback>;
  #accept!: (callback: LoopbackCallback) => void;
  #accepted: ServerResponse | undefined;
  #answered = false;
  #closed: Promise<void> | undefined;

  private constructor(server: Server, port: number, expectedState: string) {
    this.#server = server;
    this.#expectedState = expectedState;
    this.#host = `${LOOPBACK_HOST}:${port}`;
    this.redirectUri = `http://${this.#host}${CALLBACK_PATH}`;
    this.#callback = new Promise((resolve) => {
      this.#accept = resolve;
    });
    server.on('request', (req, res) => this.#handle(req, res));
  }

  /** Starts listening on 127.0.0.1, port 0 (the system picks a free one). */
  static async start(options: { expectedState: string }): Promise<LoopbackReceiver> {
    if (typeof options.expectedState !== 'string' || options.expectedState.length < 16) {
      throw new TypeError('expectedState must be a random string of at least 16 characters');
    }
    const server = createServer({ requestTimeout: LOOPBACK_REQUEST_TIMEOUT_MS, headersTimeout: LOOPBACK_REQUEST_TIMEOUT_MS });
    server.keepAliveTimeout = LOOPBACK_CLOSE_GRACE_MS;
    await new Promise<void>((resolve, reject) => {
      server.once('error', (cause) => reject(new ZerogateError('ZG_ERR_INTERNAL', `cannot listen on ${LOOPBACK_HOST} for the sign-in redirect`, { cause })));
      server.listen({ host: LOOPBACK_HOST, port: 0, exclusive: true }, () => resolve());
    });
    const { port } = server.address() as AddressInfo;
    return new LoopbackReceiver(server, port, options.expectedState);
  }

  /** Resolves with the one accepted callback; never rejects (the caller bounds the wait). */
  get callback(): Promise<LoopbackCallback> {
    return this.#callback;
  }

  /**
   * Stops listening and drops every connection once the browser had its page (or after a short
   * grace). A callback accepted but never answered gets a generic failure page first.
   */
  close(): Promise<void> {
    if (this.#closed !== undefined) return this.#closed;
    if (this.#accepted !== undefined && !this.#answered) {
      this.#answer(this.#accepted, { ok: false, message: 'the sign-in was interrupted' });
    }
    this.#closed = new Promise<void>((resolve) => {
      const grace = setTimeout(() => this.#server.closeAllConnections(), LOOPBACK_CLOSE_GRACE_MS);
      grace.unref();
      this.#server.close(() => {
        clearTimeout(grace);
        resolve();
      });
      this.#server.closeIdleConnections();
    });
    return this.#closed;
  }

  #handle(req: IncomingMessage, res: ServerResponse): void {
    // A page that rebinds a DNS name to 127.0.0.1 still sends its own Host header.
    if (req.headers.host !== this.#host) {
      page(res, 400, 'Wrong address', 'This address only answers the Zerogate sign-in redirect.');
      return;
    }
    const url = new URL(req.url ?? '/', `http://${this.#host}`);
    if (url.pathname !== CALLBACK_PATH) {
      page(res, 404, 'Not found', 'Nothing here.');
      return;
    }
    if (req.method !== 'GET') {
      res.setHeader('allow', 'GET');
      page(res, 405, 'Method not allowed', 'The sign-in redirect is a GET request.');
      return;
    }
    if (this.#accepted !== undefined || this.#closed !== undefined) {
      page(res, 409, 'Already handled', 'This sign-in was already completed or has ended. You can close this tab.');
      return;
    }
    if (url.searchParams.get('state') !== this.#expectedState) {
      page(res, 400, 'Not this sign-in', 'This response does not belong to the sign-in in progress, so Zerogate ignored it. Return to Zerogate.');
      return;
    }
    this.#accepted = res;
    this.#accept({ url, respond: (outcome) => this.#answer(res, outcome) });
  }

  #answer(res: ServerResponse, outcome: { ok: true } | { ok: false; message: string }): void {
    if (this.#answered) return;
    this.#answered = true;
    if (outcome.ok) {
      page(res, 200, 'Signed in', 'Signed in to Zerogate, you can close this tab.');
    } else {
      page(res, 400, 'Sign-in failed', `Sign-in failed: ${outcome.message}. Return to Zerogate to try again.`);
    }
  }
}

/** A small plain page: no script, no external resources, not cached, not leaking the URL (it holds the code). */
function page(res: ServerResponse, status: number, title: string, text: string): void {
  if (res.headersSent) return;
  const body = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)} - Zerogate</title></head>
<body><main><h1>${escapeHtml(title)}</h1><p>${escapeHtml(text)}</p></main></body></html>
`;
  res.writeHead(status, {
    'content-type': 'text/html; charset=utf-8',
    'content-length': Buffer.byteLength(body),
    'cache-control': 'no-store',
    'content-security-policy': "default-src 'none'",
    'referrer-policy': 'no-referrer',
    'x-content-type-options': 'nosniff',
    connection: 'close',
  });
  res.end(body);
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
