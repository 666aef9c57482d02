import type http from 'node:http';
import { isAsyncIterable, processRegularResult, type GraphQLParams, type YogaServerInstance } from 'graphql-yoga';
import { getCORSHeadersByRequestAndOptions } from '@whatwg-node/server';
import type { ExecutionResult, GraphQLError } from 'graphql';
import { corsOptions } from '../http/cors.ts';
import { sendResponse } from '../http/send-response.ts';

type Yoga = YogaServerInstance<{ req: http.IncomingMessage; res: http.ServerResponse }, object>;

const JSON_BODY = /^application\/(graphql\+)?json\s*(;\s*charset="?utf-8"?\s*)?$/i;
const PARAM_KEYS = new Set(['query', 'variables', 'operationName', 'extensions']);
const RESPONSE_TYPES = ['application/graphql-response+json', 'application/json'] as const;

/** Requests answered by the direct path in this process (read by its tests). */
export const directAnswers = { count: 0 };

/**
 * The direct path for the common GraphQL request: a POST of a JSON object with a query or mutation.
 * It answers through the same yoga instance: `parseRequest` runs every plugin's onRequestParse hook
 * (CSRF prevention, the introspection switch, the method check) and `getResultForParams` the rest
 * (onParams limits and checks, parse and validation caches, context, credential gate, compiled
 * execution, error masking). What it leaves out is the Fetch API adapter around them: its response
 * object, its onResponse hooks (only CORS here, applied below with the same options) and its promise
 * chains, about a fifth of the CPU of a small request (docs/benchmarks.md).
 *
 * Anything else, and anything this path would have to answer differently, goes to yoga as before:
 * the caller gets `false` and hands the request on. Which requests those are is decided before any
 * work with side effects (authentication, execution), so no request is ever run twice. The
 * equivalence of both paths is tested request by request (test/graphql-direct.test.ts).
 */
export function directGraphQL(yoga: Yoga, allowedOrigins: readonly string[], maskError: (error: unknown, message: string) => GraphQLError) {
  const cors = corsOptions(allowedOrigins);
  return async (req: http.IncomingMessage, res: http.ServerResponse, body: Buffer): Promise<boolean> => {
    if (req.method !== 'POST' || !JSON_BODY.test(req.headers['content-type'] ?? '')) return false;
    const responseType = responseTypeFor(req.headers.accept);
    if (!responseType) return false;
    const request = new yoga.fetchAPI.Request(`http://localhost${req.url ?? '/graphql'}`, { method: 'POST', headers: req.headers as Record<string, string>, body: new Uint8Array(body) });
    // What the adapter adds to every request's server context: background work it waits for on dispose.
    const serverContext = { req, res, waitUntil: (promise: Promise<void> | void) => yoga.waitUntil(promise) };
    // yoga's request parsing with every plugin's onRequestParse hook (CSRF prevention, introspection
    // switch, method check): checks only, nothing written, so handing the request on stays safe.
    let parsed: Awaited<ReturnType<Yoga['parseRequest']>>;
    try {
      parsed = await yoga.parseRequest(request, serverContext);
    } catch {
      return false;
    }
    const params = plainParams(parsed.requestParserResult);
    // Subscriptions answer in a stream or refuse with 406: yoga's result processors decide that.
    if (!params || /\bsubscription\b/.test(params.query)) return false;
    directAnswers.count++;
    // What escapes yoga's own handling (a throwing onParams or onExecutionResult hook) is masked as
    // yoga's adapter would: its maskError, its message.
    const result = await Promise.resolve(yoga.getResultForParams({ params, request }, serverContext)).catch((error: unknown): ExecutionResult => ({ errors: [maskError(error, 'Unexpected error.')] }));
    const headers = getCORSHeadersByRequestAndOptions(request, cors(request));
    if (headers) for (const name in headers) res.setHeader(name, headers[name]!);
    if (!result) throw new Error('yoga answered a request with no result');
    if (isAsyncIterable(result) || result.errors?.length || result.extensions) {
      await sendResponse(processRegularResult(result, yoga.fetchAPI, responseType), res, req);
      return true;
    }
    if (res.destroyed) return true;
    const stringify = (result as { stringify?: (value: unknown) => string }).stringify ?? JSON.stringify;
    const text = stringify(result);
    res.setHeader('content-type', `${responseType}; charset=utf-8`);
    res.setHeader('content-length', Buffer.byteLength(text));
    res.writeHead(200, 'OK');
    res.end(text);
    return true;
  };
}

/**
 * yoga's parsed parameters when they are one plain request: a query string, variables and extensions
 * objects, an operation name, nothing else. Anything else (a batch, an unexpected key, a wrong type)
 * is undefined: yoga answers it, with its own wording.
 */
function plainParams(parsed: GraphQLParams | GraphQLParams[] | undefined): (GraphQLParams & { query: string }) | undefined {
  if (!isPlainObject(parsed) || Array.isArray(parsed)) return undefined;
  for (const key in parsed) if (!PARAM_KEYS.has(key)) return undefined;
  const { query, variables, operationName, extensions } = parsed;
  if (typeof query !== 'string') return undefined;
  if (!(variables == null || isPlainObject(variables))) return undefined;
  if (!(operationName == null || typeof operationName === 'string')) return undefined;
  if (!(extensions == null || isPlainObject(extensions))) return undefined;
  return { ...parsed, query };
}

const isPlainObject = (value: unknown): value is Record<string, any> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** Clients send the same few Accept headers again and again: the answers for the last few are kept. */
const RESPONSE_TYPE_OF = new Map<string | undefined, ReturnType<typeof regularResponseType>>();
function responseTypeFor(accept: string | undefined) {
  if (RESPONSE_TYPE_OF.has(accept)) return RESPONSE_TYPE_OF.get(accept);
  const type = regularResponseType(accept);
  if (RESPONSE_TYPE_OF.size >= 32) RESPONSE_TYPE_OF.clear();
  RESPONSE_TYPE_OF.set(accept, type);
  return type;
}

/**
 * The media type yoga's result processors would answer a single result with, when that is one of the
 * regular JSON types; undefined when the Accept header asks for an event stream or multipart only
 * (or nothing yoga serves). Same reading as yoga's: utf-8 only, the last match wins.
 */
export function regularResponseType(accept: string | undefined): (typeof RESPONSE_TYPES)[number] | undefined {
  let chosen: (typeof RESPONSE_TYPES)[number] | undefined;
  const asked = (accept || '*/*').replace(/\s/g, '').toLowerCase().split(',').reverse();
  for (const entry of asked) {
    const [mediaType, ...options] = entry.split(';');
    if (!mediaType) continue;
    const charset = options.find((o) => o.includes('charset=')) ?? 'charset=utf-8';
    if (charset !== 'charset=utf-8') continue;
    const [askedType, askedSub] = mediaType.split('/');
    for (const type of RESPONSE_TYPES) {
      const [pre, suf] = type.split('/');
      if ((askedType === '*' || askedType === pre) && (askedSub === '*' || askedSub === suf)) chosen = type;
    }
  }
  return chosen;
}
