/**
 * The Nextcloud-compatible endpoints that take no password (listed as
 * PUBLIC_ENDPOINTS in the surface registry): `GET /status.php`, which
 * answers 200 whatever the request carries (a Basic header is never
 * read), and Login Flow v2's start (`POST /index.php/login/v2`) and poll
 * (`POST /index.php/login/v2/poll`, the token as a form field or in a JSON
 * body, never in the URL). The login URL given to the client carries its
 * token after `#`: the browser keeps it from the server's request line,
 * its logs and Referer headers. Expired flows are swept every minute.
 */
import type { FastifyInstance } from 'fastify';
import { publicAddress } from '../app-passwords/applications.js';
import { addressOf, clientOf } from '../auth/request-source.js';
import { pollLoginFlow, startLoginFlow, sweepExpiredLoginFlows } from './login-flow.js';
import { bodyField, useNextcloudBodies } from './request-body.js';
import { serverStatus } from './server-version.js';

/** Where the web interface shows a flow to approve (web/src/login-flow). */
export const LOGIN_FLOW_PAGE = '/login-flow';
const POLL_PATH = '/index.php/login/v2/poll';
const SWEEP_INTERVAL_MS = 60_000;

export async function nextcloudPublicRoutes(app: FastifyInstance): Promise<void> {
  const services = app.sesame;
  const publicUrl = services.config.publicUrl;
  // What clients keep as the account's address: PUBLIC_URL, without a trailing slash, as Nextcloud gives it.
  const server = publicUrl.href.replace(/\/$/, '');
  useNextcloudBodies(app);
  app.addHook('onSend', async (_request, reply) => {
    reply.header('cache-control', 'no-store');
  });

  app.get('/status.php', async (_request, reply) => {
    reply.header('access-control-allow-origin', '*');
    return serverStatus();
  });

  app.post('/index.php/login/v2', async (request) => {
    const flow = await startLoginFlow(services, { ip: addressOf(request), userAgent: request.headers['user-agent'] });
    return {
      poll: { token: flow.pollToken, endpoint: publicAddress(publicUrl, POLL_PATH) },
      login: `${publicAddress(publicUrl, LOGIN_FLOW_PAGE)}#${flow.loginToken}`,
    };
  });

  app.post(POLL_PATH, async (request, reply) => {
    const credentials = await pollLoginFlow(
      services,
      bodyField(request.body, 'token'),
      { ip: addressOf(request), client: clientOf(request) },
      server,
    );
    // Nextcloud's answer while there is nothing to hand over, whatever the reason.
    if (credentials === null) return reply.status(404).send([]);
    return credentials;
  });

  const sweeping = setInterval(() => {
    sweepExpiredLoginFlows(services).catch((error) => app.log.error({ err: error }, 'sweeping expired login flows failed'));
  }, SWEEP_INTERVAL_MS).unref();
  app.addHook('onClose', async () => clearInterval(sweeping));
}
