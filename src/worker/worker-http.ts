import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One HTTP endpoint of the worker; the body is read (bounded) before the handler runs. */
export type RouteHandler = (req: IncomingMessage, res: ServerResponse, body: Buffer) => Promise<void> | void;

/** Requests larger than this are refused before they are read: no endpoint takes more. */
const MAX_BODY_BYTES = 1024 * 1024;

export interface WorkerHttp {
  /** Adds an endpoint; a method and path may have one handler. */
  route(method: 'GET' | 'POST', path: string, handler: RouteHandler): void;
  /** Ready (GET /readyz 200) once the worker polls its task queue; live (GET /healthz) while the process runs. */
  setReady(ready: boolean): void;
  listen(port: number, host: string): Promise<{ port: number }>;
  close(): Promise<void>;
}

export function sendText(res: ServerResponse, status: number, text: string, type = 'text/plain; charset=utf-8'): void {
  res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

export function sendJson(res: ServerResponse, status: number, value: unknown): void {
  sendText(res, status, JSON.stringify(value), 'application/json');
}

/**
 * The worker's one HTTP server: health for Kubernetes' probes, and whatever the operations
 * surface registers (metrics, webhooks). A handler that throws answers 500 and is logged; it never
 * takes the worker down.
 */
export function createWorkerHttp(log: (line: string) => void): WorkerHttp {
  const routes = new Map<string, RouteHandler>();
  let ready = false;
  let server: Server | undefined;
  const key = (method: string, path: string): string => `${method} ${path}`;
  const http: WorkerHttp = {
    route(method, path, handler) {
      if (routes.has(key(method, path))) throw new Error(`worker http: ${method} ${path} is registered twice`);
      routes.set(key(method, path), handler);
    },
    setReady(r) {
      ready = r;
    },
    async listen(port, host) {
      server = createServer((req, res) => void handle(req, res));
      await new Promise<void>((resolve, reject) => {
        server!.once('error', reject);
        server!.listen(port, host, () => resolve());
      });
      return { port: (server.address() as AddressInfo).port };
    },
    async close() {
      if (!server) return;
      const s = server;
      server = undefined;
      await new Promise<void>((resolve) => s.close(() => resolve()));
    },
  };
  http.route('GET', '/healthz', (_req, res) => sendText(res, 200, 'ok\n'));
  http.route('GET', '/readyz', (_req, res) =>
    ready ? sendText(res, 200, 'ready\n') : sendText(res, 503, 'not ready: the worker is starting\n'),
  );

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      const path = new URL(req.url ?? '/', 'http://worker').pathname;
      const handler = routes.get(key(req.method ?? 'GET', path));
      if (!handler) {
        const known = [...routes.keys()].filter((k) => k.endsWith(` ${path}`));
        sendText(res, known.length ? 405 : 404, known.length ? `use ${known.join(' or ')}\n` : 'not found\n');
        return;
      }
      const declared = Number(req.headers['content-length'] ?? 0);
      if (declared > MAX_BODY_BYTES) {
        sendText(res, 413, `request body over ${MAX_BODY_BYTES} bytes\n`);
        return;
      }
      const chunks: Buffer[] = [];
      let size = 0;
      for await (const chunk of req) {
        size += (chunk as Buffer).length;
        if (size > MAX_BODY_BYTES) {
          sendText(res, 413, `request body over ${MAX_BODY_BYTES} bytes\n`);
          return;
        }
        chunks.push(chunk as Buffer);
      }
      await handler(req, res, Buffer.concat(chunks));
    } catch (err) {
      log(`selfheal worker http: ${req.method} ${req.url}: ${err instanceof Error ? err.message : String(err)}`);
      if (!res.headersSent) sendText(res, 500, 'internal error: see the worker log\n');
      else res.end();
    }
  }
  return http;
}
