import { render } from 'preact';
import { useMemo, useRef, useState } from 'preact/hooks';
import { Provider } from '@urql/preact';
import { createApi, saveToken, savedToken } from './client';
import { DiscussionList } from './pages/DiscussionList';
import { LiveView } from './pages/LiveView';
import { Login } from './pages/Login';
import { NewDiscussion } from './pages/NewDiscussion';
import { onLinkClick, useRoute } from './router';
import './styles.css';

function App() {
  const route = useRoute();
  const [token, setToken] = useState(savedToken);
  const [needsLogin, setNeedsLogin] = useState(false);
  const current = useRef(token);
  current.current = token;
  // A refusal that answers an older credential's request is not about this one.
  const api = useMemo(
    () =>
      createApi(token, () => {
        if (current.current !== token) return;
        // A refused token is not kept for the next visit.
        saveToken(undefined);
        setNeedsLogin(true);
      }),
    [token],
  );
  const page = needsLogin ? (
    <Login
      refused={token !== undefined}
      onToken={(next) => {
        saveToken(next);
        setToken(next);
        setNeedsLogin(false);
      }}
    />
  ) : route.page === 'list' ? (
    <DiscussionList />
  ) : route.page === 'new' ? (
    <NewDiscussion />
  ) : route.page === 'live' ? (
    <LiveView key={route.id} api={api} id={route.id} />
  ) : (
    <p role="alert">Nothing lives at {route.path}.</p>
  );
  return (
    <Provider value={api.client}>
      <header class="top">
        <a href="/" onClick={onLinkClick} class="brand">
          Discussions
        </a>
        <nav aria-label="Main">
          <a href="/new" onClick={onLinkClick}>
            New
          </a>
          <a href="/graphql">GraphiQL</a>
          {token ? (
            <button
              type="button"
              class="quiet"
              onClick={() => {
                saveToken(undefined);
                setToken(undefined);
              }}
            >
              Log out
            </button>
          ) : null}
        </nav>
      </header>
      <main>{page}</main>
    </Provider>
  );
}

const root = document.getElementById('app');
if (root) render(<App />, root);
