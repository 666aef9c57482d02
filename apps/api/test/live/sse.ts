// A real server-sent-events reader for the accessChanged tests: what a browser's fetch sees.

export const ACCESS_CHANGED = `subscription { accessChanged { kind organizationId } }`;

export interface SseEvent {
  event: string;
  data: any;
}

export interface AccessStream {
  status: number;
  contentType: string | null;
  /** Events received so far (next and complete), in order. */
  events: SseEvent[];
  /** Comment lines (heartbeats) received so far. */
  comments: number;
  /** The next event not yet taken, or rejects after `ms`. */
  next(ms?: number): Promise<SseEvent>;
  /** Whether no event arrives within `ms`. */
  quiet(ms: number): Promise<boolean>;
  /** Resolves when the server ended the response. */
  ended: Promise<void>;
  close(): void;
}

export async function openAccessStream(url: string, token: string | undefined, query = ACCESS_CHANGED): Promise<AccessStream> {
  const abort = new AbortController();
  const res = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'text/event-stream', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query }),
    signal: abort.signal,
  });
  const events: SseEvent[] = [];
  let taken = 0;
  let wake: (() => void) | undefined;
  const stream: AccessStream = {
    status: res.status,
    contentType: res.headers.get('content-type'),
    events,
    comments: 0,
    ended: Promise.resolve(),
    async next(ms = 5000) {
      const deadline = Date.now() + ms;
      while (taken >= events.length) {
        const left = deadline - Date.now();
        if (left <= 0) throw new Error(`no event within ${ms} ms (got ${JSON.stringify(events)})`);
        await new Promise<void>((resolve) => {
          wake = resolve;
          setTimeout(resolve, left);
        });
      }
      return events[taken++]!;
    },
    async quiet(ms) {
      const before = events.length;
      await new Promise((resolve) => setTimeout(resolve, ms));
      return events.length === before;
    },
    close: () => abort.abort(),
  };
  stream.ended = (async () => {
    const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = '';
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += value;
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          if (block.startsWith(':')) {
            stream.comments++;
            continue;
          }
          const event = /^event: ?(.*)$/m.exec(block)?.[1] ?? 'message';
          const data = /^data: ?(.*)$/m.exec(block)?.[1] ?? '';
          events.push({ event, data: data ? JSON.parse(data) : null });
          wake?.();
        }
      }
    } catch (error) {
      if (!abort.signal.aborted) throw error;
    }
  })();
  return stream;
}
