// Three routes, the History API, no router library.
import { useEffect, useState } from 'preact/hooks';

export type Route = { page: 'list' } | { page: 'new' } | { page: 'live'; id: string } | { page: 'missing'; path: string };

export function routeOf(path: string): Route {
  if (path === '/' || path === '') return { page: 'list' };
  if (path === '/new') return { page: 'new' };
  const live = /^\/discussions\/([^/]+)\/?$/.exec(path);
  if (live?.[1]) return { page: 'live', id: decodeURIComponent(live[1]) };
  return { page: 'missing', path };
}

export function navigate(path: string): void {
  history.pushState(null, '', path);
  dispatchEvent(new PopStateEvent('popstate'));
}

export function useRoute(): Route {
  const [path, setPath] = useState(location.pathname);
  useEffect(() => {
    const onPop = () => setPath(location.pathname);
    addEventListener('popstate', onPop);
    return () => removeEventListener('popstate', onPop);
  }, []);
  return routeOf(path);
}

/** A same-page link: a plain `<a>` (middle click, copy link) that navigates without a reload. */
export function onLinkClick(event: MouseEvent): void {
  if (event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
  const anchor = event.currentTarget;
  if (!(anchor instanceof HTMLAnchorElement)) return;
  event.preventDefault();
  navigate(anchor.pathname);
}
