/**
 * Runs the re-check of SSO accounts (oidc/recheck.ts) on every node, one
 * round at a time, every minute (or every OIDC_RECHECK_MINUTES when
 * shorter); the leases in the database keep nodes from doing the same
 * account twice. Also asks the provider for its metadata once at start-up,
 * without waiting: a provider that is down must not delay serving.
 * `timer: false` (tests only) keeps the discovery but runs no round: a test
 * whose clock it moves by hand runs each round itself, as a real-time timer
 * firing between its clock move and its own round would take that round's
 * accounts. `onRound` is told each round's report (the metrics count it).
 */
import type { FastifyBaseLogger } from 'fastify';
import { isSesameError } from '../errors.js';
import type { Context } from '../context.js';
import type { OidcProvider } from './provider.js';
import { recheckDueAccounts, type RecheckReport } from './recheck.js';
import { describeProviderError } from './provider-errors.js';

const TICK_MS = 60_000;

export function startRecheckSchedule(
  ctx: Context,
  provider: OidcProvider,
  log: FastifyBaseLogger,
  { timer = true, onRound }: { timer?: boolean; onRound?: (report: RecheckReport) => void } = {},
): { stop(): Promise<void> } {
  const unreachable = (error: unknown) =>
    log.warn(
      { sso: describeProviderError(error) },
      'the identity provider could not re-check an SSO account; it will be asked again',
    );
  let round: Promise<void> | null = null;
  const runRound = () => {
    round ??= recheckDueAccounts(ctx, provider, unreachable)
      .then((report) => {
        onRound?.(report);
        if (report.disabled > 0) log.info(report, 'SSO re-check disabled accounts the provider refused');
      })
      .catch((error) => {
        if (isSesameError(error, 'SSO_UNAVAILABLE')) unreachable(error);
        else log.error({ sso: describeProviderError(error) }, 'the SSO re-check round failed');
      })
      .finally(() => {
        round = null;
      });
  };
  provider
    .configuration()
    .catch((error) => log.warn({ sso: describeProviderError(error) }, 'the identity provider cannot be reached yet'));
  const ticking = timer ? setInterval(runRound, Math.min(TICK_MS, provider.config.recheckMinutes * 60_000)).unref() : undefined;
  return {
    async stop() {
      clearInterval(ticking);
      await round;
    },
  };
}
