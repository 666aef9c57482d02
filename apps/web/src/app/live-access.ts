// R25 live access, as far as the API allows today: it offers no subscription, so the SPA reads
// the viewer's access again (memberships, roles, the active organization's permissions) when the
// window regains focus, when the tab becomes visible, every ACCESS_POLL_MS while visible, after
// any FORBIDDEN answer and after mutations that change the viewer's own access. Graphcache
// normalizes the answers, so every page showing the viewer's permissions re-renders from them.
import { useEffect } from 'react';
import { useMatch } from 'react-router';
import { useClient, type Client } from 'urql';
import { ViewerQuery } from './viewer.ts';
import { OrganizationQuery } from '../features/orgs/org-context.ts';

/** How often an open, visible tab rereads the viewer's access. */
export const ACCESS_POLL_MS = 5_000;
/** Several refusals in a row (one per query of a page) cause one refetch. */
const FORBIDDEN_DEBOUNCE_MS = 1_000;

const staleAccess = new EventTarget();

/** Somebody learned that the viewer's access may have changed (a FORBIDDEN answer, a mutation). */
export function accessMayHaveChanged() {
  staleAccess.dispatchEvent(new Event('stale'));
}

/** Rereads the viewer and, inside an organization route, that organization (network-only). */
export async function refreshAccess(client: Client, slug: string | null | undefined) {
  const reads: Promise<unknown>[] = [client.query(ViewerQuery, {}, { requestPolicy: 'network-only' }).toPromise()];
  if (slug) reads.push(client.query(OrganizationQuery, { slug }, { requestPolicy: 'network-only' }).toPromise());
  await Promise.all(reads);
}

/** Mounted once for a signed-in session (RequireSession); off until a temporary password is changed. */
export function useLiveAccess(enabled: boolean) {
  const client = useClient();
  const slug = useMatch('/o/:slug/*')?.params.slug ?? null;

  useEffect(() => {
    if (!enabled) return;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let inFlight = false;
    const refresh = () => {
      if (inFlight) return;
      inFlight = true;
      void refreshAccess(client, slug).finally(() => {
        inFlight = false;
      });
    };
    const soon = () => {
      clearTimeout(timer);
      timer = setTimeout(refresh, FORBIDDEN_DEBOUNCE_MS);
    };
    const onVisibility = () => {
      if (document.visibilityState === 'visible') refresh();
    };
    const poll = setInterval(() => {
      if (document.visibilityState === 'visible') refresh();
    }, ACCESS_POLL_MS);
    window.addEventListener('focus', refresh);
    document.addEventListener('visibilitychange', onVisibility);
    staleAccess.addEventListener('stale', soon);
    return () => {
      clearTimeout(timer);
      clearInterval(poll);
      window.removeEventListener('focus', refresh);
      document.removeEventListener('visibilitychange', onVisibility);
      staleAccess.removeEventListener('stale', soon);
    };
  }, [client, slug, enabled]);
}
