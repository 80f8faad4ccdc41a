import { useState } from 'preact/hooks';

/** Asked for when the server wants a credential: an API token or a JWT, kept in this browser's localStorage. */
export function Login({ onToken, refused }: { onToken: (token: string) => void; refused: boolean }) {
  const [token, setToken] = useState('');
  return (
    <form
      class="login"
      aria-labelledby="login-title"
      onSubmit={(event) => {
        event.preventDefault();
        onToken(token.trim());
      }}
    >
      <h1 id="login-title">Log in</h1>
      <p>This server needs a credential. Paste an API token (from AUTH_TOKENS) or a JWT.</p>
      {refused ? (
        <p role="alert" class="error">
          The server did not accept that token.
        </p>
      ) : null}
      <label>
        Token
        <input
          name="token"
          type="password"
          autoComplete="current-password"
          required
          value={token}
          onInput={(e) => setToken(e.currentTarget.value)}
        />
      </label>
      <button type="submit">Log in</button>
    </form>
  );
}
