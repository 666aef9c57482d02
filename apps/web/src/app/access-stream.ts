// R25: the accessChanged subscription over server-sent events, read with fetch (the API is
// graphql-yoga, whose SSE answers `event: next` / `event: complete` as graphql-sse's distinct
// connections mode does). No library: the SPA needs one subscription and the script budget is tight.
import { freshAccessToken, refreshAccessToken } from './tokens.ts';

export interface AccessChange {
  kind: string;
  organizationId: string | null;
}

export interface AccessStreamHandlers {
  /** The stream is open (again): nothing is missed from now on. */
  onOpen(): void;
  /** A change to the viewer's access committed. */
  onChange(change: AccessChange): void;
  /** The stream is down (network, a replica stopping, a refusal): fall back to polling until onOpen. */
  onDown(): void;
}

const SUBSCRIPTION = 'subscription AccessChanged { accessChanged { kind organizationId } }';
/** Reconnect delays: doubled after each failure up to the ceiling, with jitter so tabs spread out. */
export const RECONNECT_MS = { first: 500, max: 30_000 } as const;

type Outcome = 'ended' | 'refused' | 'unauthenticated';

/** Follows the viewer's access changes until the returned function is called. */
export function followAccess(handlers: AccessStreamHandlers): () => void {
  const abort = new AbortController();
  void (async () => {
    let delay: number = RECONNECT_MS.first;
    await pageSettled(abort.signal);
    while (!abort.signal.aborted) {
      let opened = false;
      let outcome: Outcome = 'ended';
      try {
        const token = await freshAccessToken();
        if (token) {
          outcome = await stream(token, abort.signal, {
            ...handlers,
            onOpen() {
              if (opened) return;
              opened = true;
              delay = RECONNECT_MS.first;
              handlers.onOpen();
            },
          });
        }
      } catch {
        outcome = 'ended';
      }
      if (abort.signal.aborted) return;
      handlers.onDown();
      // The session may be over (the access token was refused): one renewal, and the app's own
      // queries find out whether the viewer is signed out (RequireSession).
      if (outcome === 'unauthenticated' && !(await refreshAccessToken()).ok) {
        handlers.onChange({ kind: 'ACCOUNT', organizationId: null });
        delay = RECONNECT_MS.max;
      }
      if (!opened || outcome === 'refused') delay = Math.min(delay * 2, RECONNECT_MS.max);
      await sleep(delay / 2 + Math.random() * delay, abort.signal);
    }
  })();
  return () => abort.abort();
}

async function stream(token: string, signal: AbortSignal, handlers: AccessStreamHandlers): Promise<Outcome> {
  const res = await fetch('/graphql', {
    method: 'POST',
    credentials: 'same-origin',
    headers: { 'content-type': 'application/json', accept: 'text/event-stream', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query: SUBSCRIPTION, operationName: 'AccessChanged' }),
    signal,
  });
  if (!res.ok || !res.body || !res.headers.get('content-type')?.startsWith('text/event-stream')) return 'refused';
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return 'ended';
    buffer += value;
    let end: number;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      // yoga opens with a comment and sends one every 12 s: the stream is up.
      if (block.startsWith(':')) {
        handlers.onOpen();
        continue;
      }
      const event = /^event: ?(.*)$/m.exec(block)?.[1];
      const data = /^data: ?(.*)$/m.exec(block)?.[1];
      if (event === 'complete') return 'ended';
      if (event !== 'next' || !data) continue;
      const payload = JSON.parse(data) as { data?: { accessChanged?: AccessChange }; errors?: { extensions?: { code?: string } }[] };
      const code = payload.errors?.[0]?.extensions?.code;
      if (code) return code === 'UNAUTHENTICATED' ? 'unauthenticated' : 'refused';
      if (payload.data?.accessChanged) handlers.onChange(payload.data.accessChanged);
    }
  }
}

/**
 * The stream opens once the page has loaded and its requests have settled (no resource finished
 * for 1.5 s): it does not compete with the first paint, and tools that wait for an idle network
 * (Playwright's `networkidle`) still see one. Nothing is missed meanwhile: the first open after a
 * leader takes over reads the access once.
 */
async function pageSettled(signal: AbortSignal): Promise<void> {
  if (typeof document === 'undefined' || typeof performance === 'undefined') return;
  const QUIET_MS = 1_500;
  while (!signal.aborted) {
    const before = performance.getEntriesByType('resource').length;
    await sleep(QUIET_MS, signal);
    if (document.readyState === 'complete' && performance.getEntriesByType('resource').length === before) return;
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

type TabMessage = { type: 'open' | 'down' | 'hello' } | { type: 'change'; change: AccessChange };

/**
 * One stream per browser rather than per tab: over HTTP/1.1 a browser opens 6 connections per host,
 * and a stream holds one for good. The tab holding the Web Lock follows the stream and passes what
 * it hears to the other tabs (BroadcastChannel); when it closes, the next tab takes the lock over.
 * The lock and the channel are per user (`scope`), so a tab never hears another account's stream.
 */
export function followAccessShared(scope: string, handlers: AccessStreamHandlers): () => void {
  const locks = typeof navigator !== 'undefined' ? navigator.locks : undefined;
  if (!locks || typeof BroadcastChannel === 'undefined') return followAccess(handlers);
  const channel = new BroadcastChannel(`gatehouse-access:${scope}`);
  const abort = new AbortController();
  let leading = false;
  let open = false;
  const tell = (message: TabMessage) => channel.postMessage(message);
  channel.onmessage = (event: MessageEvent<TabMessage>) => {
    const message = event.data;
    if (message.type === 'hello') return void (leading && open && tell({ type: 'open' }));
    if (message.type === 'change') handlers.onChange(message.change);
    else if (message.type === 'open') handlers.onOpen();
    else handlers.onDown();
  };
  // A tab opened while another leads: the leader says whether its stream is up.
  tell({ type: 'hello' });
  locks
    .request(`gatehouse-access-stream:${scope}`, { signal: abort.signal }, () => {
      leading = true;
      // Taking over from a tab that closed: events may have been missed in between.
      handlers.onDown();
      tell({ type: 'down' });
      return new Promise<void>((resolve) => {
        const stop = followAccess({
          onOpen() {
            open = true;
            handlers.onOpen();
            tell({ type: 'open' });
          },
          onChange(change) {
            handlers.onChange(change);
            tell({ type: 'change', change });
          },
          onDown() {
            open = false;
            handlers.onDown();
            tell({ type: 'down' });
          },
        });
        abort.signal.addEventListener('abort', () => {
          stop();
          resolve();
        });
      });
    })
    .catch(() => undefined);
  return () => {
    abort.abort();
    channel.close();
  };
}
