import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { waitFor } from './test-system';

export interface Received {
  path: string;
  headers: IncomingHttpHeaders;
  body: unknown;
  /** When it arrived (ms), and the status it was answered with. */
  at: number;
  status: number;
}

/**
 * A real HTTP server in the test process, standing in for webhook targets: it keeps every request
 * and answers each with what `answer` says (by path and how many that path had before).
 */
export async function startWebhookReceiver(
  answer: (path: string, nth: number) => number = () => 200,
  /** How long it takes to answer, as a slow target does. */
  delayMs = 0,
) {
  const received: Received[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => void setTimeout(respond, delayMs));
    const respond = () => {
      const path = req.url ?? '/';
      const status = answer(path, received.filter((r) => r.path === path).length);
      let body: unknown = null;
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      } catch {
        body = Buffer.concat(chunks).toString('utf8');
      }
      received.push({ path, headers: req.headers, body, at: Date.now(), status });
      res.writeHead(status, { 'content-type': 'text/plain' });
      res.end(status < 300 ? 'ok' : 'try later');
    };
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  return {
    received,
    url: (path: string) => `http://127.0.0.1:${port}${path}`,
    at: (path: string) => received.filter((r) => r.path === path),
    /** Resolves once `path` has had `n` requests. */
    async until(path: string, n: number, timeoutMs = 30_000): Promise<Received[]> {
      return waitFor(
        `${n} requests at ${path}`,
        async () =>
          received.filter((r) => r.path === path).length >= n ? received.filter((r) => r.path === path) : null,
        timeoutMs,
        50,
      );
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
