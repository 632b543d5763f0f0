// One connected stream client: where it stands in the feed, and what it may still send.
import type { WebSocket } from 'ws';
import { ClientFrame, StreamClose, type ServerFrame } from '../../src-shared/sync/changes';

/** Frames a client may send: a burst of this many, refilled at FRAMES_PER_SECOND; beyond, the stream closes. */
const FRAME_BURST = 20;
const FRAMES_PER_SECOND = 5;
const MAX_BAD_FRAMES = 10;

export interface Client {
  ws: WebSocket;
  userId: string;
  /** The client's address (each address may hold a bounded number of streams). */
  address: string;
  tokenHash: string;
  /** The cursor the client holds from us: the `upto` of the last frame (or heartbeat) sent. */
  sentUpto: number;
  /** How far the hub has examined the feed for this client. */
  processed: number;
  ready: boolean;
  alive: boolean;
  badFrames: number;
  /** Frames the client may still send now (token bucket), and when it was last refilled. */
  frameTokens: number;
  frameRefilledAt: number;
  /** The client's visibility epoch (see SyncQuery), for its catch-up. */
  epoch: number | undefined;
  /** Contacts granted to this user whose grant was not sent (no longer visible when it was delivered). */
  withheld?: Set<string>;
}

export function newClient(ws: WebSocket, userId: string, tokenHash: string, after: number, epoch: number | undefined, address: string): Client {
  return {
    ws,
    userId,
    address,
    tokenHash,
    sentUpto: after,
    processed: after,
    ready: false,
    alive: true,
    badFrames: 0,
    frameTokens: FRAME_BURST,
    frameRefilledAt: performance.now(),
    epoch,
  };
}

/** A text frame; a Buffer (UTF-8 JSON) may be shared by several clients. */
export function sendRaw(client: Client, frame: string | Buffer): void {
  if (client.ws.readyState !== client.ws.OPEN) return;
  client.ws.send(frame, { binary: false });
}

export function send(client: Client, frame: ServerFrame): void {
  sendRaw(client, JSON.stringify(frame));
}

/**
 * A frame the client sent, if it may send one now and it is valid. Too many frames close the
 * stream; an invalid one is answered with an error (and too many of those close it too).
 */
export function receivedFrame(client: Client, text: string | null): ClientFrame | null {
  const now = performance.now();
  client.frameTokens = Math.min(FRAME_BURST, client.frameTokens + ((now - client.frameRefilledAt) / 1000) * FRAMES_PER_SECOND);
  client.frameRefilledAt = now;
  if (client.frameTokens < 1) {
    if (client.ws.readyState === client.ws.OPEN) client.ws.close(StreamClose.tooManyFrames, 'too many frames: at most 5 a second');
    return null;
  }
  client.frameTokens -= 1;
  let frame: ClientFrame | null = null;
  try {
    const parsed = ClientFrame.safeParse(text === null ? null : JSON.parse(text));
    if (parsed.success) frame = parsed.data;
  } catch {
    frame = null;
  }
  if (!frame) {
    client.badFrames += 1;
    send(client, { type: 'error', code: 'invalid_request', message: 'frames are JSON: {"type":"ping"} or {"type":"presence","idle_seconds":N}' });
    if (client.badFrames > MAX_BAD_FRAMES) client.ws.close(StreamClose.badFrames, 'too many invalid frames');
  }
  return frame;
}

const changesHead = (after: number, upto: number) => `{"type":"changes","after":${after},"upto":${upto},"changes":[`;

/** A `changes` frame (see ServerFrame) around records already written as JSON. */
export function changesFrame(after: number, upto: number, records: string): string {
  return `${changesHead(after, upto)}${records}]}`;
}

/**
 * The same frame written record by record into one Buffer. A page's records never become one
 * string of hundreds of kilobytes: V8 keeps such a string in its old generation, so many of them
 * (a reconnect storm's catch-up pages) mean long full collections that hold the event loop.
 */
export function changesFrameBuffer(after: number, upto: number, records: readonly string[]): Buffer {
  const head = changesHead(after, upto);
  let size = head.length + Math.max(0, records.length - 1) + 2;
  for (const r of records) size += Buffer.byteLength(r);
  const frame = Buffer.allocUnsafe(size);
  let at = frame.write(head, 0, 'latin1');
  for (let i = 0; i < records.length; i++) {
    if (i) at = frame.writeUInt8(0x2c, at); // ,
    at += frame.write(records[i], at);
  }
  at = frame.writeUInt8(0x5d, at); // ]
  frame.writeUInt8(0x7d, at); // }
  return frame;
}
