import { useState } from 'react';
import { api, ApiError, errorText } from '../api/client';
import type { SessionInfo } from '../api/types';

/** Sign-in with an operator account; the server sets an HttpOnly session cookie. */
export function Login({ onLogin }: { onLogin: (s: SessionInfo) => void }) {
  const [name, setName] = useState('');
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  return (
    <main className="login">
      <form
        className="card stack"
        aria-labelledby="login-h"
        onSubmit={(e) => {
          e.preventDefault();
          setBusy(true);
          setError(null);
          api<SessionInfo>('/v1/session', { method: 'POST', body: { name: name.trim(), password }, quiet401: true }).then(onLogin, (err: unknown) => {
            setBusy(false);
            if (err instanceof ApiError && err.code === 'BRIDLE_E_RATE_LIMITED') {
              const ms = Number(err.details?.retryAfterMs ?? 0);
              setError(`Too many attempts. Try again in ${Math.max(1, Math.ceil(ms / 1000))} s.`);
            } else if (err instanceof ApiError && err.status === 401) setError('Wrong name or password.');
            else setError(errorText(err));
          });
        }}
      >
        <h1 id="login-h" className="brand">
          <span className="logo" aria-hidden="true">
            ◆
          </span>{' '}
          Bridle
        </h1>
        <label htmlFor="login-name">Operator name</label>
        <input id="login-name" data-testid="login-name" autoComplete="username" required autoFocus value={name} onChange={(e) => setName(e.target.value)} />
        <label htmlFor="login-password">Password</label>
        <input id="login-password" data-testid="login-password" type="password" autoComplete="current-password" required value={password} onChange={(e) => setPassword(e.target.value)} />
        {error && (
          <p className="error" role="alert" data-testid="login-error">
            {error}
          </p>
        )}
        <button type="submit" className="btn primary" data-testid="login-submit" disabled={busy}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
        <p className="muted small">
          Accounts are created by an admin: <code>bridle users add NAME --role approver</code>.
        </p>
      </form>
    </main>
  );
}
