import type { PermissionCheckAnswer, PermissionCheckInput } from './types.ts';

export interface CheckClientOptions {
  /** Base URL of Gatehouse. */
  url: string;
  /** A service-account key (ghsak_…), a personal access token (ghpat_…) or an access token; a function is asked per request. */
  credential: string | (() => string | Promise<string>);
  /** Most questions per request (the API takes at most 100). */
  maxBatch?: number;
  fetch?: typeof fetch;
}

const QUERY = `query Checks($o: ID!, $c: [PermissionCheckInput!]!) {
  checkPermissions(organizationId: $o, checks: $c) { subject permission resourceId allowed reason grantedBy { source key name } }
}`;

interface Pending {
  question: PermissionCheckInput;
  resolve: (answer: PermissionCheckAnswer) => void;
  reject: (error: unknown) => void;
}

export class GatehouseError extends Error {
  readonly code: string | undefined;
  constructor(message: string, code?: string) {
    super(message);
    this.name = 'GatehouseError';
    this.code = code;
  }
}

/**
 * Permission checks for any subject. Every `check` made in the same tick for one organization is
 * sent as one `checkPermissions` request (split at maxBatch), and each call gets its own answer.
 */
export function createCheckClient(options: CheckClientOptions) {
  const maxBatch = Math.min(options.maxBatch ?? 100, 100);
  const doFetch = options.fetch ?? fetch;
  const queues = new Map<string, Pending[]>();
  let scheduled = false;
  let requests = 0;

  async function send(organizationId: string, batch: Pending[]) {
    requests += 1;
    try {
      const credential = typeof options.credential === 'function' ? await options.credential() : options.credential;
      const res = await doFetch(new URL('/graphql', options.url), {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${credential}` },
        body: JSON.stringify({ query: QUERY, variables: { o: organizationId, c: batch.map((p) => p.question) } }),
      });
      const body = (await res.json()) as { data?: { checkPermissions?: PermissionCheckAnswer[] }; errors?: { message: string; extensions?: { code?: string } }[] };
      const answers = body.data?.checkPermissions;
      if (!answers || answers.length !== batch.length) {
        const error = body.errors?.[0];
        throw new GatehouseError(error?.message ?? `Unexpected answer (HTTP ${res.status})`, error?.extensions?.code);
      }
      batch.forEach((p, i) => p.resolve(answers[i]!));
    } catch (error) {
      for (const p of batch) p.reject(error);
    }
  }

  function flush() {
    scheduled = false;
    const all = [...queues];
    queues.clear();
    for (const [organizationId, pending] of all) {
      for (let i = 0; i < pending.length; i += maxBatch) void send(organizationId, pending.slice(i, i + maxBatch));
    }
  }

  return {
    /** One question; batched with the others asked in this tick. */
    check(organizationId: string, question: PermissionCheckInput): Promise<PermissionCheckAnswer> {
      return new Promise((resolve, reject) => {
        const list = queues.get(organizationId) ?? [];
        list.push({ question: { resourceId: null, ...question }, resolve, reject });
        queues.set(organizationId, list);
        if (!scheduled) {
          scheduled = true;
          setImmediate(flush);
        }
      });
    },
    /** Whether the subject may: the `allowed` of check(). */
    async can(organizationId: string, question: PermissionCheckInput): Promise<boolean> {
      return (await this.check(organizationId, question)).allowed;
    },
    /** Requests sent so far (to see the batching at work). */
    get requestCount() {
      return requests;
    },
  };
}
