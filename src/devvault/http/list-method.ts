/**
 * Vault clients (node-vault, curl -X LIST) send the non-standard HTTP method LIST, which
 * Node's HTTP parser rejects before any handler runs. Each connection is therefore
 * passed through a small stream that rewrites a request line "LIST /path" into
 * "GET <marker>/path"; the server maps the marker back to LIST.
 *
 * A request line is recognised at the start of a received chunk or right after a blank
 * line ("\r\n\r\n"), which is where a body-less request is followed by the next one. A
 * JSON body never starts with "LIST /", so bodies are left alone.
 */
import { Duplex } from 'node:stream';
import type { Socket } from 'node:net';

export const LIST_MARKER = '/__devvault_list__';

const FROM = Buffer.from('LIST /', 'latin1');
const TO = Buffer.from(`GET ${LIST_MARKER}/`, 'latin1');
const BLANK_LINE = Buffer.from('\r\n\r\n', 'latin1');

export function rewriteListRequests(chunk: Buffer): Buffer {
  const starts: number[] = [];
  if (chunk.subarray(0, FROM.length).equals(FROM)) starts.push(0);
  for (let i = chunk.indexOf(BLANK_LINE); i !== -1; i = chunk.indexOf(BLANK_LINE, i + 1)) {
    const p = i + BLANK_LINE.length;
    if (chunk.subarray(p, p + FROM.length).equals(FROM)) starts.push(p);
  }
  if (starts.length === 0) return chunk;
  const parts: Buffer[] = [];
  let last = 0;
  for (const s of starts) {
    parts.push(chunk.subarray(last, s), TO);
    last = s + FROM.length;
  }
  parts.push(chunk.subarray(last));
  return Buffer.concat(parts);
}

/** A socket stand-in for node:http that rewrites incoming LIST request lines. */
export class ListRewritingSocket extends Duplex {
  readonly remoteAddress: string | undefined;
  readonly remotePort: number | undefined;
  readonly remoteFamily: string | undefined;
  readonly localAddress: string | undefined;
  readonly localPort: number | undefined;

  constructor(private readonly socket: Socket) {
    super({ allowHalfOpen: true });
    this.remoteAddress = socket.remoteAddress;
    this.remotePort = socket.remotePort;
    this.remoteFamily = socket.remoteFamily;
    this.localAddress = socket.localAddress;
    this.localPort = socket.localPort;
    socket.on('data', (d: Buffer) => {
      if (!this.push(rewriteListRequests(d))) socket.pause();
    });
    socket.on('end', () => this.push(null));
    socket.on('close', () => this.destroy());
    socket.on('error', (err) => this.destroy(err));
    socket.on('timeout', () => this.emit('timeout'));
  }

  override _read(): void {
    this.socket.resume();
  }

  override _write(chunk: Buffer, encoding: BufferEncoding, cb: (err?: Error | null) => void): void {
    this.socket.write(chunk, encoding, cb);
  }

  override _final(cb: (err?: Error | null) => void): void {
    this.socket.end(() => cb());
  }

  override _destroy(err: Error | null, cb: (err?: Error | null) => void): void {
    this.socket.destroy();
    cb(err);
  }

  setTimeout(ms: number, cb?: () => void): this {
    this.socket.setTimeout(ms);
    if (cb) this.once('timeout', cb);
    return this;
  }

  setNoDelay(noDelay?: boolean): this {
    this.socket.setNoDelay(noDelay);
    return this;
  }

  setKeepAlive(enable?: boolean, delay?: number): this {
    this.socket.setKeepAlive(enable, delay);
    return this;
  }

  address(): ReturnType<Socket['address']> {
    return this.socket.address();
  }
}
