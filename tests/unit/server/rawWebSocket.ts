import { randomBytes } from 'node:crypto';
import { connect, type Socket } from 'node:net';

/**
 * A WebSocket client below the `ws` library, for frames no library sends: bad opcodes, reserved bits,
 * unmasked frames, lengths that lie. Opens with a valid handshake, then writes whatever bytes it is given.
 */
export class RawWebSocket {
  /** Bytes received after the handshake. */
  received = Buffer.alloc(0);
  readonly closed: Promise<void>;

  private constructor(readonly socket: Socket) {
    this.closed = new Promise((resolve) => socket.once('close', () => resolve()));
  }

  /**
   * Sends `bytes` right behind the handshake in one write and ends the stream: the cheapest way to deliver
   * one frame that may end its connection. Resolves, once the server has closed, with what it sent back.
   */
  static exchange(port: number, path: string, bytes: Buffer): Promise<string> {
    return new Promise((resolve) => {
      const socket = connect(port, '127.0.0.1', () => socket.end(Buffer.concat([Buffer.from(handshake(port, path)), bytes])));
      const received: Buffer[] = [];
      socket.on('data', (chunk: Buffer) => received.push(chunk));
      socket.on('error', () => undefined);
      socket.once('close', () => resolve(Buffer.concat(received).toString('latin1')));
    });
  }

  static open(port: number, path: string): Promise<RawWebSocket> {
    return new Promise((resolve, reject) => {
      const socket = connect(port, '127.0.0.1');
      const raw = new RawWebSocket(socket);
      let head = '';
      const onData = (chunk: Buffer) => {
        head += chunk.toString('latin1');
        const end = head.indexOf('\r\n\r\n');
        if (end < 0) return;
        socket.off('data', onData);
        if (!head.startsWith('HTTP/1.1 101')) return reject(new Error(`handshake refused: ${head.split('\r\n')[0]}`));
        raw.received = Buffer.from(head.slice(end + 4), 'latin1');
        socket.on('data', (more: Buffer) => (raw.received = Buffer.concat([raw.received, more])));
        resolve(raw);
      };
      socket.on('data', onData);
      // The server may reset a connection it closed; that is the point of some frames, not a test failure.
      socket.on('error', () => undefined);
      socket.once('close', () => reject(new Error('closed during the handshake')));
      socket.write(handshake(port, path));
    });
  }

  write(bytes: Buffer): void {
    if (!this.socket.destroyed) this.socket.write(bytes);
  }

  end(): void {
    this.socket.destroy();
  }

  /** The status code of the close frame the server sent, once it has closed the connection. */
  async closeCode(): Promise<number | null> {
    await this.closed;
    const first = this.received[0];
    if (first === undefined || (first & 0x0f) !== 0x8 || this.received.length < 4) return null;
    return this.received.readUInt16BE(2);
  }
}

function handshake(port: number, path: string): string {
  return (
    `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nOrigin: http://127.0.0.1:${port}\r\nUpgrade: websocket\r\n` +
    `Connection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\n\r\n`
  );
}

export interface FrameShape {
  opcode: number;
  payload: Buffer;
  fin?: boolean;
  /** The three reserved bits (a server without extensions refuses any). */
  rsv?: number;
  /** Clients must mask; an unmasked frame is a protocol error. */
  masked?: boolean;
  /** A length to claim in the header instead of the payload's own. */
  claimedLength?: bigint;
}

/** Encodes one frame as RFC 6455 lays it out. */
export function encodeFrame({ opcode, payload, fin = true, rsv = 0, masked = true, claimedLength }: FrameShape): Buffer {
  const length = claimedLength ?? BigInt(payload.length);
  const head: number[] = [(fin ? 0x80 : 0) | ((rsv & 7) << 4) | (opcode & 0x0f)];
  const maskBit = masked ? 0x80 : 0;
  let extended = Buffer.alloc(0);
  if (length < 126n) head.push(maskBit | Number(length));
  else if (length < 65536n) {
    head.push(maskBit | 126);
    extended = Buffer.alloc(2);
    extended.writeUInt16BE(Number(length));
  } else {
    head.push(maskBit | 127);
    extended = Buffer.alloc(8);
    extended.writeBigUInt64BE(BigInt.asUintN(64, length));
  }
  const key = masked ? randomBytes(4) : Buffer.alloc(0);
  const body = Buffer.from(payload);
  if (masked) for (let i = 0; i < body.length; i++) body[i] = body[i]! ^ key[i % 4]!;
  return Buffer.concat([Buffer.from(head), extended, key, body]);
}
