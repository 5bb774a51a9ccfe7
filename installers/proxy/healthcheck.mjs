#!/usr/bin/env node
// Container health check (the Dockerfile's HEALTHCHECK): GET /healthz on the proxy's own port.
// The slim image has no curl; plain Node answers in about 50 ms.
//
//   node healthcheck.mjs [URL]      default: $ZEROGATE_HEALTH_URL or https://127.0.0.1:8443/healthz
//
// Exit 0 when the proxy answers 200 {"status":"ok"}, 1 otherwise (with the reason on stderr).
import { request } from 'node:https';

const TIMEOUT_MS = 4000;
const url = new URL(process.argv[2] ?? process.env.ZEROGATE_HEALTH_URL ?? 'https://127.0.0.1:8443/healthz');

function fail(why) {
  process.stderr.write(`unhealthy: ${why}\n`);
  process.exit(1);
}

if (url.protocol !== 'https:') fail(`${url.protocol} is not https:`);
// The server certificate names the proxy's public hostnames, not necessarily 127.0.0.1, and is
// issued by the proxy's own CA. This loopback probe sends nothing secret and trusts nothing it
// reads beyond the status, so it does not verify the certificate.
const req = request(url, { method: 'GET', rejectUnauthorized: false, timeout: TIMEOUT_MS }, (res) => {
  let body = '';
  res.setEncoding('utf8');
  res.on('data', (chunk) => {
    if (body.length < 1024) body += chunk;
  });
  res.on('end', () => {
    if (res.statusCode !== 200) fail(`HTTP ${res.statusCode}`);
    let status;
    try {
      status = JSON.parse(body).status;
    } catch {
      fail('the answer is not JSON');
    }
    if (status !== 'ok') fail(`status ${JSON.stringify(status)}`);
    process.exit(0);
  });
});
req.on('timeout', () => req.destroy(new Error(`no answer within ${TIMEOUT_MS} ms`)));
req.on('error', (error) => fail(error.message));
req.end();
