import { Repeater } from 'graphql-yoga';

/** The PostgreSQL channel the audit_event_live trigger notifies (migration 20261124000050) and every replica listens on. */
export const LIVE_CHANNEL = 'gatehouse_access';

/** What changed for the user an event goes to (R25). The SPA rereads the viewer's access on any of them. */
export const ACCESS_CHANGE_KINDS = ['ROLES', 'MEMBERSHIP', 'ORGANIZATION', 'ACCOUNT', 'RESYNC'] as const;
export type AccessChangeKind = (typeof ACCESS_CHANGE_KINDS)[number];

/** An event as it travels between processes: kind, organization, and the user (null: every member of `o`). */
export interface LiveEvent {
  k: AccessChangeKind;
  o: string | null;
  u: string | null;
}

/** What a subscriber receives: never more than the kind and an organization the user belongs or belonged to. */
export interface AccessChange {
  kind: AccessChangeKind;
  organizationId: string | null;
}

/** R22: streams are sockets held open; a user's tabs and the whole process each get a ceiling. */
export const LIVE_LIMITS = { perUser: 8, perProcess: 10_000, bufferedEvents: 32 } as const;

export class TooManyStreamsError extends Error {}

interface Stream {
  userId: string;
  sessionId: string;
  /** Organizations the user is a member of (any status): whole-organization events reach them. */
  orgIds: Set<string>;
  push(change: AccessChange): void;
  end(): void;
}

/**
 * The open `accessChanged` streams of this process, by user. Events come from the transport
 * (PostgreSQL LISTEN, or in-process on PGlite) and go to the streams they concern.
 */
export class LiveHub {
  readonly #byUser = new Map<string, Set<Stream>>();
  #count = 0;
  #closed = false;
  /** Told about a user-specific event after it is pushed (re-checks the stream's session and orgs). */
  onUserEvent: (userId: string) => void = () => {};

  get size(): number {
    return this.#count;
  }

  /** Streams by user, for the periodic session re-check. */
  streams(): Stream[] {
    return [...this.#byUser.values()].flatMap((set) => [...set]);
  }

  /**
   * An async iterable of the user's access changes, until `end`, the client leaves, or the hub
   * closes. Throws TooManyStreamsError over a limit.
   */
  open(userId: string, sessionId: string, orgIds: Iterable<string>): AsyncIterable<AccessChange> & { stream: Stream } {
    this.#checkLimits(userId);
    const stream: Stream = { userId, sessionId, orgIds: new Set(orgIds), push: () => {}, end: () => {} };
    // Registered only once the stream is read (the executor runs on the first next()): a
    // subscription yoga refuses before reading it (a plain JSON request, say) holds no slot.
    const repeater = new Repeater<AccessChange>(async (push, stop) => {
      try {
        this.#checkLimits(userId);
      } catch {
        return stop();
      }
      const set = this.#byUser.get(userId) ?? new Set<Stream>();
      set.add(stream);
      this.#byUser.set(userId, set);
      this.#count++;
      let buffered = 0;
      stream.push = (change) => {
        // A client that stops reading loses nothing that matters: past the buffer every event
        // means the same thing (read your access again), so one RESYNC stands for the rest.
        if (buffered === LIVE_LIMITS.bufferedEvents) return;
        buffered++;
        void push(buffered === LIVE_LIMITS.bufferedEvents ? { kind: 'RESYNC', organizationId: null } : change).then(() => buffered--);
      };
      stream.end = () => stop();
      await stop;
      set.delete(stream);
      if (set.size === 0 && this.#byUser.get(userId) === set) this.#byUser.delete(userId);
      this.#count--;
    });
    return Object.assign(repeater, { stream });
  }

  #checkLimits(userId: string) {
    if (this.#closed || this.#count >= LIVE_LIMITS.perProcess) throw new TooManyStreamsError('This server holds as many live streams as it may; try again later');
    if ((this.#byUser.get(userId)?.size ?? 0) >= LIVE_LIMITS.perUser) throw new TooManyStreamsError(`At most ${LIVE_LIMITS.perUser} live streams per user`);
  }

  dispatch(event: LiveEvent): void {
    const change: AccessChange = { kind: event.k, organizationId: event.o };
    if (event.u) {
      const set = this.#byUser.get(event.u);
      if (!set) return;
      for (const stream of set) stream.push(change);
      this.onUserEvent(event.u);
      return;
    }
    if (event.o === null) {
      // Events may have been lost (the listener reconnected): everyone reads their access again.
      for (const stream of this.streams()) stream.push(change);
      return;
    }
    for (const stream of this.streams()) if (stream.orgIds.has(event.o)) stream.push(change);
  }

  /** Ends every stream (server shutdown) and refuses new ones. */
  close(): void {
    this.#closed = true;
    for (const stream of this.streams()) stream.end();
  }
}
