/**
 * A small HTTP client over node:http for tests: real requests on loopback,
 * with a chosen source address (127.0.0.x) to play several clients, and
 * helpers for Basic auth and signed-in sessions.
 */
import http from 'node:http';

export interface HttpReply {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  json: any;
}

export interface HttpRequest {
  method?: string;
  headers?: Record<string, string>;
  body?: unknown;
  /** Source address, e.g. 127.0.0.7; the server sees it as the client IP. */
  from?: string;
}

export function request(baseUrl: string, path: string, options: HttpRequest = {}): Promise<HttpReply> {
  const url = new URL(path, baseUrl);
  const body =
    options.body === undefined ? undefined : typeof options.body === 'string' ? options.body : JSON.stringify(options.body);
  const headers: Record<string, string> = { ...options.headers };
  if (body !== undefined && !Object.keys(headers).some((h) => h.toLowerCase() === 'content-type'))
    headers['content-type'] = 'application/json';
  // Node sends bodies of DELETE without chunked encoding by default: give the length, as real clients do.
  if (body !== undefined && !Object.keys(headers).some((h) => h.toLowerCase() === 'content-length'))
    headers['content-length'] = String(Buffer.byteLength(body));
  return new Promise((resolve, reject) => {
    const req = http.request(
      url,
      { method: options.method ?? 'GET', headers, agent: false, ...(options.from ? { localAddress: options.from } : {}) },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let json: unknown = undefined;
          if ((res.headers['content-type'] ?? '').includes('json') && text !== '') json = JSON.parse(text);
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json });
        });
      },
    );
    req.on('error', reject);
    if (body !== undefined) req.write(body);
    req.end();
  });
}

export function basic(username: string, password: string): Record<string, string> {
  return { authorization: `Basic ${Buffer.from(`${username}:${password}`, 'utf8').toString('base64')}` };
}

export interface Session {
  cookie: string;
  csrf: string;
  /** A request with the session cookie and, for state-changing methods, the CSRF header. */
  call(path: string, options?: HttpRequest): Promise<HttpReply>;
}

export async function signIn(
  baseUrl: string,
  username: string,
  password: string,
  extra: { totp?: string; from?: string } = {},
): Promise<Session> {
  const reply = await request(baseUrl, '/api/v1/session', {
    method: 'POST',
    body: { username, password, ...(extra.totp ? { totp: extra.totp } : {}) },
    ...(extra.from ? { from: extra.from } : {}),
  });
  if (reply.status !== 200) throw new Error(`sign-in of ${username} failed: ${reply.status} ${reply.text}`);
  const setCookie = reply.headers['set-cookie']?.[0];
  if (!setCookie) throw new Error('sign-in set no cookie');
  return sessionWith(baseUrl, setCookie.split(';')[0]!, reply.json.csrfToken as string);
}

/** A Session from a cookie (`name=value`) and its CSRF token. */
export function sessionWith(baseUrl: string, cookie: string, csrf: string): Session {
  return {
    cookie,
    csrf,
    call(path, options = {}) {
      const method = options.method ?? 'GET';
      const headers: Record<string, string> = { cookie, ...options.headers };
      if (!['GET', 'HEAD'].includes(method) && !('x-csrf-token' in headers)) headers['x-csrf-token'] = csrf;
      return request(baseUrl, path, { ...options, headers });
    },
  };
}
