/**
 * Login Flow v2, the way Nextcloud clients get an app password without
 * ever seeing the account's own credentials: the client starts a flow
 * (public), the signed-in user approves it in the browser (after their
 * second factor or their SSO provider), and the client's poll receives the
 * new password once. The password is created by the app-password store,
 * like any other (audited, listed, policy-bound), named after the client
 * and assigned to its application; until the poll it waits sealed to the
 * poll token (login-flow-seal.ts). A flow lives twenty minutes; one that
 * was approved but never collected takes its password with it. Tokens are
 * stored as keyed hashes only and never logged; no function here returns
 * a secret except the poll's answer to the token's holder.
 */
import { SesameError, isSesameError } from '../errors.js';
import { recordAudit, SYSTEM_ACTOR, type Actor } from '../audit/audit-log.js';
import { createAppPassword, deleteAppPassword, type AppPasswordView } from '../app-passwords/store.js';
import { formatInstant } from '../app-passwords/expiry.js';
import type { Context } from '../context.js';
import { findActive } from '../repositories/app-passwords.js';
import {
  claimForApproval,
  completeApproval,
  deleteExpired,
  deletePendingByLoginToken,
  findPendingByLoginToken,
  insertLoginFlow,
  isUnderWay,
  liveFlowsFrom,
  releaseClaim,
  takeApproved,
  type LoginFlowRecord,
} from '../repositories/login-flows.js';
import { throttleNetwork } from '../throttle/client-address.js';
import { loginFlowClientOf, numberedName } from './client-name.js';
import { pollThrottleKey, recordPollFailure, refuseIfPollBlocked } from './login-flow-throttle.js';
import { FLOW_TOKEN_FORM, newFlowToken, openAsPoller, publicKeyOf, sealForPoller } from './login-flow-seal.js';

/** Nextcloud's lifetime of a flow, from its start. */
export const LOGIN_FLOW_LIFETIME_MS = 20 * 60_000;
/** Flows one address (its throttling unit) may have under way at once: an office behind one address connects many clients. */
export const LIVE_FLOWS_PER_ADDRESS = 30;
/** Numbered names tried for a client whose name is taken, beyond the maximum of active passwords any policy allows. */
const NAME_ATTEMPTS = 100;

export interface FlowRequestSource {
  ip: string;
  userAgent: string | undefined;
}

export interface StartedLoginFlow {
  pollToken: string;
  loginToken: string;
}

function notFound(): SesameError {
  return new SesameError(
    'LOGIN_FLOW_NOT_FOUND',
    'This connection request has expired, was already answered, or never existed; start again from the client.',
  );
}

/**
 * Starts a flow for the client that asks. 429 THROTTLED when its address
 * already has LIVE_FLOWS_PER_ADDRESS flows under way, until the first ends.
 */
export async function startLoginFlow(ctx: Context, source: FlowRequestSource): Promise<StartedLoginFlow> {
  const now = ctx.clock.now();
  const network = throttleNetwork(source.ip);
  const live = await liveFlowsFrom(ctx.db, network, now);
  if (live.count >= LIVE_FLOWS_PER_ADDRESS) {
    throw new SesameError('THROTTLED', 'Too many connection requests under way from this address; wait for one to end.', {
      retryAfter: Math.max(1, Math.ceil(((live.firstEnd ?? now) - now) / 1000)),
    });
  }
  const client = loginFlowClientOf(source.userAgent);
  const pollToken = newFlowToken();
  const loginToken = newFlowToken();
  await insertLoginFlow(ctx.db, {
    pollTokenHash: ctx.key.hashLoginFlowToken(pollToken),
    loginTokenHash: ctx.key.hashLoginFlowToken(loginToken),
    publicKey: publicKeyOf(pollToken),
    clientName: client.name,
    application: client.application,
    startedIp: source.ip,
    startedNetwork: network,
    state: 'pending',
    userId: null,
    loginName: null,
    appPasswordId: null,
    sealedPassword: null,
    createdAt: now,
    expiresAt: now + LOGIN_FLOW_LIFETIME_MS,
  });
  return { pollToken, loginToken };
}

/** What the browser shows of a flow before it is approved. */
export interface LoginFlowView {
  /** The name the app password will get (from the client's User-Agent). */
  clientName: string;
  application: string;
  /** The address the client started the flow from. */
  startedFrom: string;
  startedAt: string;
  expiresAt: string;
}

function lookupHash(ctx: Context, loginToken: string): string {
  if (!FLOW_TOKEN_FORM.test(loginToken)) throw notFound();
  return ctx.key.hashLoginFlowToken(loginToken);
}

export async function describeLoginFlow(ctx: Context, loginToken: string): Promise<LoginFlowView> {
  const flow = await findPendingByLoginToken(ctx.db, lookupHash(ctx, loginToken), ctx.clock.now());
  if (!flow) throw notFound();
  return {
    clientName: flow.clientName,
    application: flow.application,
    startedFrom: flow.startedIp,
    startedAt: formatInstant(flow.createdAt),
    expiresAt: formatInstant(flow.expiresAt),
  };
}

export interface Approver {
  userId: string;
  username: string;
  /** The web session approving: the password is created under it (an ended session creates nothing). */
  sessionId: string;
}

/** Creates the flow's password under the client's name, numbered "(2)", "(3)"… while the name is taken. */
async function createNamedPassword(ctx: Context, flow: LoginFlowRecord, approver: Approver, actor: Actor) {
  for (let n = 1; ; n += 1) {
    const name = n === 1 ? flow.clientName : numberedName(flow.clientName, n);
    try {
      return await createAppPassword(ctx, approver.userId, { name, application: flow.application }, actor, {
        sessionId: approver.sessionId,
      });
    } catch (error) {
      if (!isSesameError(error, 'NAME_TAKEN') || n >= NAME_ATTEMPTS) throw error;
    }
  }
}

/**
 * The signed-in user approves the flow: its app password is created (any
 * refusal of the store, such as too many passwords, reaches the browser and
 * leaves the flow pending) and sealed for the client's poll.
 */
export async function approveLoginFlow(
  ctx: Context,
  loginToken: string,
  approver: Approver,
  actor: Actor,
): Promise<AppPasswordView> {
  const hash = lookupHash(ctx, loginToken);
  const flow = await claimForApproval(ctx.db, hash, { userId: approver.userId, loginName: approver.username }, ctx.clock.now());
  if (!flow) throw notFound();
  let created: Awaited<ReturnType<typeof createNamedPassword>>;
  try {
    created = await createNamedPassword(ctx, flow, approver, actor);
  } catch (error) {
    await releaseClaim(ctx.db, hash);
    throw error;
  }
  const { appPassword } = created;
  const sealed = await sealForPoller(flow.publicKey, created.secret);
  if (!(await completeApproval(ctx.db, hash, appPassword.id, sealed))) {
    // The flow expired while the password was made: nobody will ever collect it.
    await deleteAppPassword(ctx, approver.userId, appPassword.id, actor);
    throw notFound();
  }
  await recordAudit(ctx.db, ctx.clock.now(), actor, {
    action: 'login-flow.approved',
    targetUserId: approver.userId,
    target: appPassword.name,
    details: { appPasswordId: appPassword.id, application: appPassword.application, startedFrom: flow.startedIp },
  });
  return appPassword;
}

/** The signed-in user refuses the flow: it ends, and its client keeps hearing 404 until it gives up. */
export async function refuseLoginFlow(ctx: Context, loginToken: string, actor: Actor): Promise<void> {
  const hash = lookupHash(ctx, loginToken);
  const flow = await findPendingByLoginToken(ctx.db, hash, ctx.clock.now());
  if (!flow || !(await deletePendingByLoginToken(ctx.db, hash, ctx.clock.now()))) throw notFound();
  await recordAudit(ctx.db, ctx.clock.now(), actor, {
    action: 'login-flow.refused',
    targetUserId: actor.userId,
    target: flow.clientName,
    details: { application: flow.application, startedFrom: flow.startedIp },
  });
}

/** What the poll hands to the client, once. */
export interface CollectedCredentials {
  server: string;
  loginName: string;
  appPassword: string;
}

/** An approved flow that was never collected: its password, which nobody has, is deleted. */
async function retireUncollected(ctx: Context, userId: string, appPasswordId: string): Promise<void> {
  try {
    await deleteAppPassword(ctx, userId, appPasswordId, SYSTEM_ACTOR);
  } catch (error) {
    if (!isSesameError(error, 'APP_PASSWORD_NOT_FOUND')) throw error;
    return;
  }
  await recordAudit(ctx.db, ctx.clock.now(), SYSTEM_ACTOR, {
    action: 'login-flow.expired',
    targetUserId: userId,
    target: appPasswordId,
    details: { appPasswordId },
  });
}

/**
 * The client's poll: the credentials once the flow is approved (the flow is
 * deleted as they are taken), null otherwise (pending, refused, expired,
 * unknown: all the same 404 to the client). A poll that names no flow under
 * way counts against its address (login-flow-throttle.ts).
 */
export async function pollLoginFlow(
  ctx: Context,
  pollToken: unknown,
  source: { ip: string; client: string },
  server: string,
): Promise<CollectedCredentials | null> {
  const now = ctx.clock.now();
  const throttleKey = pollThrottleKey(source.ip);
  await refuseIfPollBlocked(ctx.db, throttleKey, now);
  if (typeof pollToken !== 'string' || !FLOW_TOKEN_FORM.test(pollToken)) {
    await recordPollFailure(ctx.db, throttleKey, now);
    return null;
  }
  const hash = ctx.key.hashLoginFlowToken(pollToken);
  const flow = await takeApproved(ctx.db, hash);
  if (flow === null) {
    if (!(await isUnderWay(ctx.db, hash, now))) await recordPollFailure(ctx.db, throttleKey, now);
    return null;
  }
  const { userId, loginName, appPasswordId, sealedPassword } = flow;
  if (userId === null || loginName === null || appPasswordId === null || sealedPassword === null) return null;
  if (flow.expiresAt <= now) {
    await retireUncollected(ctx, userId, appPasswordId);
    return null;
  }
  const appPassword = await openAsPoller(pollToken, sealedPassword);
  // Deleted or revoked since the approval (or the account disabled): nothing worth handing over.
  if ((await findActive(ctx.db, appPasswordId, userId)) === null) return null;
  await recordAudit(
    ctx.db,
    now,
    { userId, name: loginName, ip: source.ip, client: source.client },
    { action: 'login-flow.completed', targetUserId: userId, target: flow.clientName, details: { appPasswordId } },
  );
  return { server, loginName, appPassword };
}

/** Removes expired flows (any node may run it; each flow is removed once), with the passwords nobody collected. */
export async function sweepExpiredLoginFlows(ctx: Context): Promise<void> {
  for (const { userId, appPasswordId } of await deleteExpired(ctx.db, ctx.clock.now())) {
    await retireUncollected(ctx, userId, appPasswordId);
  }
}
