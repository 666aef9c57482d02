import type http from 'node:http';

/** Longest request target (path and query) accepted; longer answers 414. Node refuses headers over 16 KB with 431 anyway. */
export const MAX_URL_BYTES = 8192;

export class PayloadTooLargeError extends Error {
  constructor() {
    super('Request body too large');
  }
}

/** The client went away before its body was complete: nothing to answer. */
export class RequestAbortedError extends Error {
  constructor() {
    super('Request aborted by the client');
  }
}

/** Whether the declared Content-Length alone already exceeds the limit (answered before reading a byte). */
export function declaredTooLarge(req: http.IncomingMessage, limit: number): boolean {
  const declared = req.headers['content-length'];
  return declared !== undefined && !(Number(declared) <= limit);
}

/**
 * Reads the request body into one buffer, counting bytes as they arrive (chunked bodies included),
 * and rejects with PayloadTooLargeError as soon as the count passes `limit`: never more than `limit`
 * bytes are held. A declared Content-Length over the limit is refused before reading. On refusal the
 * stream is paused; refusePayload answers 413 and drops the rest.
 */
export function readBody(req: http.IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    if (declaredTooLarge(req, limit)) return reject(new PayloadTooLargeError());
    const chunks: Buffer[] = [];
    let size = 0;
    const cleanup = () => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      req.off('close', onClose);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        cleanup();
        req.pause();
        chunks.length = 0;
        reject(new PayloadTooLargeError());
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => {
      cleanup();
      resolve(Buffer.concat(chunks, size));
    };
    // Node reports a client that disconnects mid-body as an "aborted" ECONNRESET error or a close.
    const onError = (error: Error) => {
      cleanup();
      reject(req.complete ? error : new RequestAbortedError());
    };
    const onClose = () => {
      if (!req.complete) onError(new RequestAbortedError());
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
    req.on('close', onClose);
  });
}

/** After a 413, at most this much of the rest of the body is read (and dropped) before the connection is cut. */
// Reading and dropping costs little: enough for a client that sent a few megabytes by mistake to
// get its 413 instead of a connection reset.
const LINGER_BYTES = 16 * 1024 * 1024;
const LINGER_MS = 10_000;

/**
 * Answers 413 with a small JSON body. Whatever the client is still sending is read and dropped,
 * never kept, for at most LINGER_BYTES or LINGER_MS; then the socket is destroyed. Closing at once
 * would make the kernel reset the connection while request bytes are unread, and the client would
 * usually lose the 413 it was sent. A client whose body ends within that bound keeps its
 * connection. `close` (used when refusing an `Expect: 100-continue` request, whose body never
 * comes) ends the connection after the answer instead.
 */
export function refusePayload(req: http.IncomingMessage, res: http.ServerResponse, limit: number, close = false) {
  if (res.headersSent) return void req.socket.destroy();
  const body = JSON.stringify({ error: 'Payload too large', code: 'PAYLOAD_TOO_LARGE', limitBytes: limit });
  res.writeHead(413, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(body),
    'cache-control': 'no-store',
    ...(close ? { connection: 'close' } : {}),
  });
  res.end(body);
  if (!close && !req.complete) discardRest(req);
}

function discardRest(req: http.IncomingMessage) {
  const socket = req.socket;
  let discarded = 0;
  const cut = () => socket.destroy();
  const timer = setTimeout(cut, LINGER_MS);
  timer.unref();
  const done = () => clearTimeout(timer);
  req.on('data', (chunk: Buffer) => {
    discarded += chunk.length;
    if (discarded > LINGER_BYTES) {
      done();
      cut();
    }
  });
  req.once('end', done);
  socket.once('close', done);
  req.resume();
}
