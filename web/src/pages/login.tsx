/** Sign in with org, email and password; the server sets the httpOnly session cookie. */
import { useState } from 'preact/hooks';
import { login } from '../api';

export function LoginPage({ onSignedIn }: { onSignedIn: () => void }) {
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  return (
    <main class="login" id="main">
      <form
        class="login-card"
        aria-labelledby="login-title"
        onSubmit={(e) => {
          e.preventDefault();
          const data = new FormData(e.currentTarget);
          setBusy(true);
          setError(null);
          login(String(data.get('org')), String(data.get('email')), String(data.get('password')))
            .then(onSignedIn)
            .catch((err: unknown) => {
              const message = err instanceof Error ? err.message : String(err);
              setError(message);
            })
            .finally(() => setBusy(false));
        }}
      >
        <h1 id="login-title">
          <img src="/favicon.svg" alt="" width="28" height="28" /> Sign in to Tally
        </h1>
        <label>
          Organisation
          <input name="org" autoComplete="organization" required defaultValue="demo" />
        </label>
        <label>
          Email
          <input name="email" type="email" autoComplete="username" required />
        </label>
        <label>
          Password
          <input name="password" type="password" autoComplete="current-password" required />
        </label>
        {error && (
          <p class="state error" role="alert">
            {error}
          </p>
        )}
        <button type="submit" class="primary" disabled={busy}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
        <p class="hint">`npm start` prints the demo sign-in.</p>
      </form>
    </main>
  );
}
