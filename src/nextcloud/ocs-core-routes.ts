/**
 * The app-password calls of the OCS API, under `/ocs/v{1,2}.php/core`:
 * `GET getapppassword` is refused (403) to a caller already using an app
 * password, as Nextcloud refuses it — clients rely on that refusal to keep
 * the password they have; Sésame makes no app password from an account's
 * own password either (they are made in the web interface or through Login
 * Flow). `DELETE apppassword` deletes the app password the request is
 * made with (audited; the next request with it gets 401), which is how a
 * client removing its account cleans up after itself.
 */
import type { FastifyInstance } from 'fastify';
import { SesameError } from '../errors.js';
import { deleteAppPassword } from '../app-passwords/store.js';
import { actorOf } from '../auth/request-source.js';
import { sendOcsData } from './ocs-envelope.js';

export async function ocsCoreRoutes(app: FastifyInstance): Promise<void> {
  const services = app.sesame;

  app.get('/getapppassword', async (request) => {
    if (request.principal?.via === 'app-password') {
      throw new SesameError('FORBIDDEN', 'You cannot request a new app password with an app password.');
    }
    throw new SesameError(
      'FORBIDDEN',
      "App passwords are made in Sésame's web interface, or by connecting the client through the browser (Login Flow).",
    );
  });

  app.delete('/apppassword', async (request, reply) => {
    const principal = request.principal;
    if (principal?.via !== 'app-password') throw new SesameError('FORBIDDEN', 'No app password is in use.');
    await deleteAppPassword(services, principal.userId, principal.appPasswordId, actorOf(request));
    return sendOcsData(request, reply, []);
  });
}
