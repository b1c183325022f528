import { useQueryClient } from '@tanstack/react-query';
import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import { api, setCsrfToken, setSessionExpiredHandler } from '../api/client';
import type { Locale, LoginResult, Me, Role, User } from '../api/types';
import i18n, { rememberLocale } from '../i18n';

type SessionState =
  | { status: 'loading' }
  | { status: 'anonymous'; expired: boolean }
  | { status: 'authenticated'; user: User; role: Role };

interface SessionContextValue {
  state: SessionState;
  login(email: string, password: string): Promise<void>;
  logout(): Promise<void>;
  changeLocale(locale: Locale): Promise<void>;
}

const SessionContext = createContext<SessionContextValue | null>(null);

function applyLocale(locale: Locale): void {
  rememberLocale(locale);
  void i18n.changeLanguage(locale);
}

export function SessionProvider({ children }: { children: ReactNode }) {
  const [state, setState] = useState<SessionState>({ status: 'loading' });
  const queryClient = useQueryClient();

  useEffect(() => {
    let active = true;
    api
      .get<Me>('/api/auth/me', { allowUnauthenticated: true })
      .then((me) => {
        if (!active) return;
        if (me.user) {
          setCsrfToken(me.csrfToken);
          applyLocale(me.user.locale);
          setState({ status: 'authenticated', user: me.user, role: me.role });
        } else setState({ status: 'anonymous', expired: false });
      })
      .catch(() => {
        if (active) setState({ status: 'anonymous', expired: false });
      });
    return () => {
      active = false;
    };
  }, []);

  useEffect(() => {
    // Any request answered with 401 means the session ended (expired, or logged out elsewhere).
    setSessionExpiredHandler(() => {
      setCsrfToken(null);
      setState((previous) => (previous.status === 'authenticated' ? { status: 'anonymous', expired: true } : previous));
    });
    return () => setSessionExpiredHandler(null);
  }, []);

  const login = useCallback(async (email: string, password: string) => {
    const result = await api.post<LoginResult>('/api/auth/login', { email, password }, { allowUnauthenticated: true });
    setCsrfToken(result.csrfToken);
    applyLocale(result.user.locale);
    queryClient.clear();
    setState({ status: 'authenticated', user: result.user, role: result.user.role });
  }, [queryClient]);

  const logout = useCallback(async () => {
    try {
      await api.send('POST', '/api/auth/logout', undefined, { allowUnauthenticated: true });
    } finally {
      setCsrfToken(null);
      queryClient.clear();
      setState({ status: 'anonymous', expired: false });
    }
  }, [queryClient]);

  const changeLocale = useCallback(async (locale: Locale) => {
    applyLocale(locale);
    if (state.status === 'authenticated') {
      const user = await api.patch<User>('/api/auth/me', { locale });
      setState({ status: 'authenticated', user, role: state.role });
    }
  }, [state]);

  const value = useMemo(() => ({ state, login, logout, changeLocale }), [state, login, logout, changeLocale]);
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}

export function useSession(): SessionContextValue {
  const value = useContext(SessionContext);
  if (!value) throw new Error('useSession outside SessionProvider');
  return value;
}

/** The logged-in user; only for pages behind RequireAuth. */
export function useUser(): { user: User; role: Role; isAdmin: boolean } {
  const { state } = useSession();
  if (state.status !== 'authenticated') throw new Error('useUser without a session');
  return { user: state.user, role: state.role, isAdmin: state.role === 'admin' };
}
