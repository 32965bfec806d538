/**
 * Who is signed in. Asks GET /me once at start; any 401 from the API ends
 * the session in the UI, and RequireSession then sends the user to sign-in
 * with the page they were on, to come back to it afterwards. Any 403
 * TWO_FACTOR_ENROLMENT_REQUIRED holds the session to the enrolment screen
 * until two-factor authentication is on; a local account without it finds
 * out right after sign-in by one request the policy would refuse.
 */
import { createContext, useContext, useEffect, useState, type ReactNode } from 'react';
import { Navigate, useLocation } from 'react-router';
import { api, whenEnrolmentRequired, whenUnauthenticated } from '../api/client.js';
import type { User } from '../api/types.js';

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

/** GET /applications is refused to a session held to enrolment: its answer tells whether the policy holds this one. */
function checkEnrolmentPolicy(user: User): void {
  if (user.authSource === 'local' && !user.twoFactor) void api.applications().catch(() => undefined);
}

const SessionContext = createContext<SessionValue | null>(null);

export function SessionProvider({ children }: { children: ReactNode }) {
  const [state, setState] = useState<SessionState>({ status: 'loading' });
  useEffect(() => {
    // Several requests may fail at once: once one finds the session ended, it stays marked as ended.
    whenUnauthenticated(() =>
      setState((previous) => ({
        status: 'signed-out',
        ended: previous.status === 'signed-in' || (previous.status === 'signed-out' && previous.ended),
      })),
    );
    whenEnrolmentRequired(() =>
      setState((previous) => (previous.status === 'signed-in' ? { ...previous, enrolmentRequired: true } : previous)),
    );
    api.me().then(
      (me) => {
        setState({ status: 'signed-in', user: me.user, enrolmentRequired: false });
        checkEnrolmentPolicy(me.user);
      },
      () => setState({ status: 'signed-out', ended: false }),
    );
  }, []);
  const value: SessionValue = {
    state,
    signedIn(user) {
      setState({ status: 'signed-in', user, enrolmentRequired: false });
      checkEnrolmentPolicy(user);
    },
    updateUser: (user) =>
      setState((previous) =>
        previous.status === 'signed-in'
          ? { status: 'signed-in', user, enrolmentRequired: previous.enrolmentRequired && !user.twoFactor }
          : previous,
      ),
    async signOut() {
      const logoutUrl = await api.signOut().catch(() => undefined);
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
