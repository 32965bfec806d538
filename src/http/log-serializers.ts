/**
 * What the log keeps of a request: its method, its path and the client
 * address — never the query string (credentials are refused there, but a
 * refused one must not be written either), nor the scheme, authority and
 * user information of an absolute-form target (`GET http://bob:secret@host/`).
 */

/** The path of a request target, alone. */
export function loggedPath(target: string): string {
  if (target.startsWith('/')) return target.split(/[?#]/)[0]!;
  if (target === '*') return target;
  try {
    return new URL(target).pathname;
  } catch {
    return '[not a path]';
  }
}

export function serializeRequest(request: { method: string; url: string; ip?: string }) {
  return { method: request.method, path: loggedPath(request.url), remoteAddress: request.ip };
}
