/**
 * `cloud/capabilities`, `cloud/user` and `cloud/users/<id>` of the OCS
 * API, mounted under both `/ocs/v1.php/cloud` and `/ocs/v2.php/cloud`
 * (the envelope tells the versions apart). The user is the caller: another
 * account's id, existing or not, gets the same OCS not-found (998), so that
 * no client learns which accounts exist.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { SesameError } from '../errors.js';
import { usernameKey } from '../accounts/username.js';
import { findUserById } from '../repositories/users.js';
import { findOidcAccountOfUser } from '../repositories/oidc-accounts.js';
import { collectCapabilities } from './capabilities.js';
import { sendOcsData } from './ocs-envelope.js';
import { capabilitiesVersion } from './server-version.js';
import { nextcloudQuota, type SpaceUsageReader } from './space-usage.js';

export interface CloudRoutesOptions {
  spaceUsage: SpaceUsageReader;
}

function noSuchUser(): SesameError {
  return new SesameError('USER_NOT_FOUND', 'User does not exist');
}

export async function ocsCloudRoutes(app: FastifyInstance, options: CloudRoutesOptions): Promise<void> {
  const services = app.sesame;

  /** The caller's data as Nextcloud's provisioning API gives it (the fields clients read). */
  async function callerData(request: FastifyRequest) {
    const principal = request.principal;
    const user = principal === null ? null : await findUserById(services.db, principal.userId);
    if (principal === null || user === null) throw noSuchUser();
    const sso = user.authSource === 'oidc' ? await findOidcAccountOfUser(services.db, user.id) : null;
    return {
      enabled: user.disabledAt === null,
      id: user.username,
      displayname: user.username,
      'display-name': user.username,
      email: sso?.email ?? null,
      quota: nextcloudQuota(await options.spaceUsage(user.id)),
    };
  }

  app.get('/capabilities', async (request, reply) =>
    sendOcsData(request, reply, {
      version: capabilitiesVersion(),
      capabilities: collectCapabilities({ publicUrl: services.config.publicUrl }),
    }),
  );

  app.get('/user', async (request, reply) => sendOcsData(request, reply, await callerData(request)));

  app.get<{ Params: { userId: string } }>('/users/:userId', async (request, reply) => {
    if (usernameKey(request.params.userId) !== usernameKey(request.principal?.username ?? '')) throw noSuchUser();
    return sendOcsData(request, reply, await callerData(request));
  });
}
