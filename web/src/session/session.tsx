/**
 * Who is signed in. Asks GET /me once at start; any 401 from the API ends
 * the session in the UI, and RequireSession then sends the user to sign-in
 * with the page they were on, to come back to it afterwards. Any 403
 * TWO_FACTOR_ENROLMENT_REQUIRED holds the session to the enrolment screen
 * until two-factor authentication is on; GET /me says whether the policy
 * holds this account, at start and right after sign-in. What screens
 * loaded is forgotten whenever a session ends or begins.
 */
import { createContext, useContext, useEffect, useState, type ReactNode } from 'react';
import { Navigate, useLocation } from 'react-router';
import { api, whenEnrolmentRequired, whenUnauthenticated } from '../api/client.js';
import type { User } from '../api/types.js';
import { forgetLoaded } from '../ui/use-load.js';

type SessionState =
  | { status: 'loading' }
  | { status: 'signed-out'; ended: boolean }
  | { status: 'signed-in'; user: User; enrolmentRequired: boolean };

interface SessionValue {
  state: SessionState;
  signedIn(user: User): void;
  /** The signed-in user changed (2FA turned on or off); turning it on ends the hold of the policy. */
  updateUser(user: User): void;
  signOut(): Promise<void>;
}

const SessionContext = createContext<SessionValue | null>(null);

export function SessionProvider({ children }: { children: ReactNode }) {
  const [state, setState] = useState<SessionState>({ status: 'loading' });
  useEffect(() => {
    // Several requests may fail at once: once one finds the session ended, it stays marked as ended.
    whenUnauthenticated(() => {
      forgetLoaded();
      setState((previous) => ({
        status: 'signed-out',
        ended: previous.status === 'signed-in' || (previous.status === 'signed-out' && previous.ended),
      }));
    });
    whenEnrolmentRequired(() =>
      setState((previous) => (previous.status === 'signed-in' ? { ...previous, enrolmentRequired: true } : previous)),
    );
    api.me().then(
      (me) => setState({ status: 'signed-in', user: me.user, enrolmentRequired: me.twoFactorEnrolmentRequired }),
      () => setState({ status: 'signed-out', ended: false }),
    );
  }, []);
  const value: SessionValue = {
    state,
    signedIn(user) {
      forgetLoaded();
      setState({ status: 'signed-in', user, enrolmentRequired: false });
      // The policy may hold this account to enrolment: GET /me says so.
      void api.me().then(
        (me) =>
          setState((previous) =>
            previous.status === 'signed-in' ? { ...previous, enrolmentRequired: me.twoFactorEnrolmentRequired } : previous,
          ),
        () => undefined,
      );
    },
    updateUser: (user) =>
      setState((previous) =>
        previous.status === 'signed-in'
          ? { status: 'signed-in', user, enrolmentRequired: previous.enrolmentRequired && !user.twoFactor }
          : previous,
      ),
    async signOut() {
      const logoutUrl = await api.signOut().catch(() => undefined);
      forgetLoaded();
      setState({ status: 'signed-out', ended: false });
      // An SSO account also signs out at its provider (RP-initiated logout), which brings it back to /signin.
      if (logoutUrl && /^https?:\/\//i.test(logoutUrl)) window.location.assign(logoutUrl);
    },
  };
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}

export function useSession(): SessionValue {
  const value = useContext(SessionContext);
  if (!value) throw new Error('useSession outside SessionProvider');
  return value;
}

export function useUser(): User {
  const { state } = useSession();
  if (state.status !== 'signed-in') throw new Error('useUser outside RequireSession');
  return state.user;
}

/** Only a local path may be returned to after sign-in. */
export function safeReturnPath(next: string | null): string {
  return next && /^\/(?![/\\])/.test(next) && !next.startsWith('/signin') && !next.startsWith('/two-factor') ? next : '/';
}

export function RequireSession({ children, admin = false }: { children: ReactNode; admin?: boolean }) {
  const { state } = useSession();
  const location = useLocation();
  if (state.status === 'loading') return null;
  if (state.status === 'signed-out') {
    const next = encodeURIComponent(`${location.pathname}${location.search}`);
    return <Navigate to={`/signin?next=${next}${state.ended ? '&ended=1' : ''}`} replace />;
  }
  if (state.enrolmentRequired) {
    return <Navigate to={`/two-factor?next=${encodeURIComponent(`${location.pathname}${location.search}`)}`} replace />;
  }
  if (admin && state.user.role !== 'admin') return <Navigate to="/" replace />;
  return <>{children}</>;
}
