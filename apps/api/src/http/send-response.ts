import type http from 'node:http';
import { sendNodeResponse } from '@whatwg-node/server';

/** Media types whose bodies are streamed as they are produced (R25 event streams, incremental delivery). */
const STREAMED = /^(text\/event-stream|multipart\/mixed)/i;

/**
 * Writes yoga's answer to the socket. A GraphQL result is a finished string: it is sent with its
 * Content-Length in one write, where the generic adapter sends it chunked, a second write for the
 * terminating chunk and a second packet per response. Streams keep the adapter's streaming path.
 */
export async function sendResponse(response: Response, res: http.ServerResponse, req: http.IncomingMessage): Promise<void> {
  if (STREAMED.test(response.headers.get('content-type') ?? '') || res.destroyed || res.writableEnded) {
    return void (await sendNodeResponse(response, res, req, true));
  }
  const body = await response.text();
  response.headers.forEach((value, name) => {
    if (name !== 'set-cookie') res.setHeader(name, value);
  });
  const cookies = response.headers.getSetCookie();
  if (cookies.length > 0) res.appendHeader('set-cookie', cookies);
  res.setHeader('content-length', Buffer.byteLength(body));
  res.writeHead(response.status, response.statusText);
  res.end(body);
}
