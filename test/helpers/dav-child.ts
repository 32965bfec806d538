/**
 * A Sésame server in its own process, for tests that kill it (SIGKILL
 * mid-upload): DATA_DIR and SESAME_SECRET_KEY come from the environment.
 * Creates the user `alice` with a webdav app password and prints
 * `{ url, userId, password }` as one JSON line once it listens.
 */
import { loadConfig } from '../../src/config/config.js';
import { buildServer } from '../../src/server.js';
import { createUser } from '../../src/accounts/users.js';
import { createAppPassword } from '../../src/app-passwords/store.js';
import { TEST_ARGON2_COST } from './server.js';

const config = loadConfig({ ...process.env, HOST: '127.0.0.1', PORT: '8080', LOG_LEVEL: 'silent' });
const server = await buildServer({ config, argon2CostForTests: TEST_ARGON2_COST });
const actor = { userId: null, name: 'test', ip: '', client: '' };
const user = await createUser(server.services, { username: 'alice', password: 'correct horse battery', role: 'user' }, actor);
const { secret } = await createAppPassword(server.services, user.id, { name: 'drive', application: 'webdav' }, actor, 'cli');
const url = await server.app.listen({ host: '127.0.0.1', port: 0 });
process.stdout.write(`${JSON.stringify({ url, userId: user.id, password: secret })}\n`);
