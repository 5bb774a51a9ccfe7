/**
 * Whether two versions of an app publish the same thing to the data plane: the same upstream,
 * and (for http/https apps) the same HTTP handling. A live stream was dialled, and its HTTP
 * settings captured, when it opened; when an admin edits either, the stream is reset
 * (`app-changed`) so that the next connection uses the new publication. A change of name,
 * users or policy is not one: the policy is decided again on the live stream as it is.
 */
import type { AppConfig, HttpAppConfig, OpenApiSource } from './types.ts';

/** Pairs already compared (versions are immutable objects): each pair is compared once. */
const compared = new WeakMap<AppConfig, WeakMap<AppConfig, boolean>>();

export function samePublication(before: AppConfig, after: AppConfig): boolean {
  if (before === after) return true;
  let memo = compared.get(before);
  const known = memo?.get(after);
  if (known !== undefined) return known;
  const same =
    before.upstream.protocol === after.upstream.protocol &&
    before.upstream.host === after.upstream.host &&
    before.upstream.port === after.upstream.port &&
    before.upstream.url === after.upstream.url &&
    sameHttp(before.http, after.http);
  if (memo === undefined) compared.set(before, (memo = new WeakMap()));
  memo.set(after, same);
  return same;
}

function sameHttp(a: HttpAppConfig | undefined, b: HttpAppConfig | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  return (
    a.assertion === b.assertion &&
    a.rateLimit.perIdentityPerMinute === b.rateLimit.perIdentityPerMinute &&
    a.rateLimit.perAppPerMinute === b.rateLimit.perAppPerMinute &&
    a.requestValidation === b.requestValidation &&
    a.responseValidation === b.responseValidation &&
    a.clientless === b.clientless &&
    a.maxBodyBytes === b.maxBodyBytes &&
    sameOpenApi(a.openapi, b.openapi)
  );
}

function sameOpenApi(a: OpenApiSource | undefined, b: OpenApiSource | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  // Documents are at most 4 MiB, and each pair of versions is compared once (above).
  return a.source === b.source && (a.document === b.document || JSON.stringify(a.document) === JSON.stringify(b.document));
}
