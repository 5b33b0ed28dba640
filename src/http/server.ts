/**
 * Listening: HTTPS with the configured certificate and key, or plain HTTP (the config
 * only allows that on loopback unless `allow_insecure_http: true`). Port 0 picks a free
 * port, so tests run side by side. stop() stops accepting, lets requests in flight finish
 * for up to `graceMs`, then closes what is left.
 */
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import type { RequestListener } from 'node:http';

export interface ServerOptions {
  host: string;
  port: number;
  tls?: { cert: Buffer; key: Buffer };
  graceMs: number;
}

export interface RunningServer {
  url: string;
  port: number;
  stop(): Promise<void>;
}

export async function startServer(handler: RequestListener, options: ServerOptions): Promise<RunningServer> {
  const server = options.tls ? https.createServer({ cert: options.tls.cert, key: options.tls.key }, handler) : http.createServer(handler);
  // Slow-loris protection: a request must arrive in full within this time.
  server.requestTimeout = 30_000;
  server.headersTimeout = 15_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const host = options.host.includes(':') ? `[${options.host}]` : options.host;
  const url = `${options.tls ? 'https' : 'http'}://${host}:${port}`;
  let stopping: Promise<void> | null = null;
  return {
    url,
    port,
    stop: () => {
      stopping ??= new Promise<void>((resolve) => {
        const force = setTimeout(() => server.closeAllConnections(), options.graceMs);
        force.unref();
        server.close(() => {
          clearTimeout(force);
          resolve();
        });
        server.closeIdleConnections();
      });
      return stopping;
    },
  };
}
