/**
 * /login-flow#<token>: where a Nextcloud client (desktop, mobile, a mail
 * connector) sends its user to be let in (Login Flow v2). The signed-in
 * user — after their second factor, or through their SSO provider — sees
 * which client asks, from which address and until when, and allows or
 * refuses it. Allowing creates an app password named after the client,
 * which the server hands to that client alone: the secret never reaches
 * this page. The token arrives after `#` (never sent to the server in a
 * URL); it is moved at once to this tab's session storage, out of the
 * address bar and history, so that it survives the sign-in (the provider's
 * pages included), and leaves it when the flow is answered.
 */
import { useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import type { Static } from '@sinclair/typebox';
import type * as Schemas from '../../../src/api/login-flow-schemas.js';
import { apiCall } from '../api/client.js';
import { RequireSession, useUser } from '../session/session.js';
import { useApplicationLabel, useApplications } from '../settings/applications.js';
import { errorCode, errorMessage } from '../ui/error-message.js';
import { FieldError } from '../ui/FieldError.js';
import { DateTime } from '../ui/DateTime.js';
import { LanguageSwitch } from '../ui/LanguageSwitch.js';
import { useLoad } from '../ui/use-load.js';
import { useSubmit } from '../ui/use-submit.js';

type LoginFlow = Static<typeof Schemas.LoginFlowReply>;
type Approved = Static<typeof Schemas.LoginFlowApprovedReply>;

const STORAGE_KEY = 'sesame.loginFlowToken';

/** The flow's token: from the URL fragment (then removed from it), else kept in this tab since. */
function takeToken(): string | null {
  const fragment = window.location.hash.slice(1);
  if (fragment !== '') {
    window.sessionStorage.setItem(STORAGE_KEY, fragment);
    window.history.replaceState(window.history.state, '', `${window.location.pathname}${window.location.search}`);
  }
  return window.sessionStorage.getItem(STORAGE_KEY);
}

function forgetToken(): void {
  window.sessionStorage.removeItem(STORAGE_KEY);
}

export function LoginFlowRoute() {
  // Taken before RequireSession may send the user to sign in: the fragment does not survive that trip.
  const [token] = useState(takeToken);
  return (
    <RequireSession>
      <LoginFlowPage token={token} />
    </RequireSession>
  );
}

type Outcome = { kind: 'approved'; id: string; name: string } | { kind: 'refused' } | { kind: 'gone' };

function LoginFlowPage({ token }: { token: string | null }) {
  const { t } = useTranslation();
  const user = useUser();
  const label = useApplicationLabel(useApplications());
  const flow = useLoad<LoginFlow>(
    'login-flow',
    (signal) =>
      token === null
        ? Promise.reject(new Error('no login flow token'))
        : apiCall<LoginFlow>('POST', '/login-flows/lookup', { token }, signal),
    token ?? '',
  );
  const [outcome, setOutcome] = useState<Outcome>();
  const resultHeading = useRef<HTMLHeadingElement>(null);

  const gone = token === null || errorCode(flow.error) === 'LOGIN_FLOW_NOT_FOUND' || outcome?.kind === 'gone';
  useEffect(() => {
    if (outcome !== undefined || gone) forgetToken();
    if (outcome !== undefined) resultHeading.current?.focus();
  }, [outcome, gone]);

  const answer = useSubmit(async (action: 'approve' | 'refuse') => {
    if (token === null) return;
    try {
      if (action === 'approve') {
        const approved = await apiCall<Approved>('POST', '/login-flows/approve', { token });
        setOutcome({ kind: 'approved', id: approved.appPassword.id, name: approved.appPassword.name });
      } else {
        await apiCall<void>('POST', '/login-flows/refuse', { token });
        setOutcome({ kind: 'refused' });
      }
    } catch (failure) {
      // A flow that ended meanwhile is an outcome, not a failure to show.
      if (errorCode(failure) === 'LOGIN_FLOW_NOT_FOUND') setOutcome({ kind: 'gone' });
      else throw failure;
    }
  });
  const error = answer.failure === undefined ? undefined : errorMessage(t, answer.failure);

  let content;
  if (outcome?.kind === 'approved') {
    content = (
      <>
        <h2 ref={resultHeading} tabIndex={-1}>
          {t('loginFlow.approvedTitle')}
        </h2>
        <p>{t('loginFlow.approved', { name: outcome.name })}</p>
        <p>{t('loginFlow.close')}</p>
        <p>
          <Link to={`/settings/connections/app-passwords#app-password-${encodeURIComponent(outcome.id)}`}>
            {t('loginFlow.seePasswords')}
          </Link>
        </p>
      </>
    );
  } else if (outcome?.kind === 'refused') {
    content = (
      <>
        <h2 ref={resultHeading} tabIndex={-1}>
          {t('loginFlow.refusedTitle')}
        </h2>
        <p>{t('loginFlow.refused')}</p>
      </>
    );
  } else if (gone) {
    content = (
      <>
        <h2 ref={resultHeading} tabIndex={-1}>
          {t('loginFlow.goneTitle')}
        </h2>
        <p>{t('loginFlow.gone')}</p>
      </>
    );
  } else if (flow.error !== undefined) {
    content = (
      <p className="error" role="alert">
        {errorMessage(t, flow.error)}
      </p>
    );
  } else if (flow.data === undefined) {
    content = <p>{t('app.loading')}</p>;
  } else {
    const request = flow.data;
    content = (
      <>
        <p>{t('loginFlow.intro', { username: user.username })}</p>
        <p className="login-flow-client">
          <strong>{request.clientName}</strong>
        </p>
        <dl className="facts">
          <div>
            <dt>{t('loginFlow.application')}</dt>
            <dd>{label(request.application)}</dd>
          </div>
          <div>
            <dt>{t('loginFlow.startedFrom')}</dt>
            <dd>{request.startedFrom}</dd>
          </div>
          <div>
            <dt>{t('loginFlow.startedAt')}</dt>
            <dd>
              <DateTime value={request.startedAt} />
            </dd>
          </div>
          <div>
            <dt>{t('loginFlow.expiresAt')}</dt>
            <dd>
              <DateTime value={request.expiresAt} />
            </dd>
          </div>
        </dl>
        <p>{t('loginFlow.what')}</p>
        <div className="notice">
          <p>{t('loginFlow.warning')}</p>
        </div>
        <FieldError id="login-flow-error" message={error} />
        <p className="actions">
          <button type="button" className="primary" disabled={answer.busy} onClick={() => void answer.run('approve')}>
            {t('loginFlow.approve')}
          </button>
          <button type="button" className="danger-outline" disabled={answer.busy} onClick={() => void answer.run('refuse')}>
            {t('loginFlow.refuse')}
          </button>
        </p>
      </>
    );
  }

  return (
    <main className="signin" id="content">
      <section className="card enrolment-card" aria-labelledby="login-flow-title">
        <h1 id="login-flow-title">{t('loginFlow.title')}</h1>
        <p className="brand">{t('app.name')}</p>
        {content}
      </section>
      <LanguageSwitch />
    </main>
  );
}
