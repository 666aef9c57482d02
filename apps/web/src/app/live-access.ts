// R25 live access: the API pushes every committed change to the viewer's roles, memberships,
// organizations and account over the accessChanged subscription (server-sent events,
// src/app/access-stream.ts), and the SPA reads the viewer's access again (memberships, roles, the
// active organization's permissions). Graphcache normalizes the answers, so navigation, buttons and
// the current page follow; OrgRoute takes a member who lost the organization to the picker. Also on
// window focus, when the tab becomes visible, after any FORBIDDEN answer and after mutations that
// change the viewer's own access; a slow poll only while the stream is down.
import { useEffect, useRef } from 'react';
import { useMatch } from 'react-router';
import { useClient, type Client } from 'urql';
import { useViewer, ViewerQuery } from './viewer.ts';
import { OrganizationQuery } from '../features/orgs/org-context.ts';
import { followAccessShared } from './access-stream.ts';

/** While the stream is down (reconnecting), how often an open, visible tab rereads the viewer's access. */
export const ACCESS_POLL_MS = 30_000;
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
  const viewerId = useViewer().viewer?.id ?? null;
  // The stream lives as long as the session, not one route: the open organization is read when needed.
  const slugRef = useRef(slug);
  slugRef.current = slug;

  useEffect(() => {
    if (!enabled || !viewerId) return;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let poll: ReturnType<typeof setInterval> | undefined;
    let inFlight = false;
    let again = false;
    const refresh = () => {
      // A change that commits while a read is on its way may not be in it: read once more after.
      if (inFlight) return void (again = true);
      inFlight = true;
      void refreshAccess(client, slugRef.current).finally(() => {
        inFlight = false;
        if (again) {
          again = false;
          refresh();
        }
      });
    };
    const soon = () => {
      clearTimeout(timer);
      timer = setTimeout(refresh, FORBIDDEN_DEBOUNCE_MS);
    };
    const onVisibility = () => {
      if (document.visibilityState === 'visible') refresh();
    };
    const startPolling = () => {
      poll ??= setInterval(() => {
        if (document.visibilityState === 'visible') refresh();
      }, ACCESS_POLL_MS);
    };
    const stopPolling = () => {
      clearInterval(poll);
      poll = undefined;
    };
    // Until the stream first opens, and whenever it is down, the poll stands in for it.
    startPolling();
    let missed = false;
    const stopStream = followAccessShared(viewerId, {
      onOpen() {
        stopPolling();
        // Whatever changed while the stream was down (the page read everything before the first open).
        if (missed) refresh();
        missed = false;
      },
      onChange(change) {
        // A lost membership or organization ends on the picker: fetch its code with the access.
        if (change.kind !== 'ROLES') void import('../features/orgs/OrgPickerPage.tsx').catch(() => undefined);
        refresh();
      },
      onDown() {
        missed = true;
        startPolling();
      },
    });
    window.addEventListener('focus', refresh);
    document.addEventListener('visibilitychange', onVisibility);
    staleAccess.addEventListener('stale', soon);
    return () => {
      stopStream();
      clearTimeout(timer);
      stopPolling();
      window.removeEventListener('focus', refresh);
      document.removeEventListener('visibilitychange', onVisibility);
      staleAccess.removeEventListener('stale', soon);
    };
  }, [client, enabled, viewerId]);
}
