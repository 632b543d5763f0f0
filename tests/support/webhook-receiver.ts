// A real HTTP receiver for webhooks on 127.0.0.1: it keeps every request it gets (raw body, signature,
// parsed event) and answers what the test tells it to.
import { createHmac } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedEvent {
  raw: string;
  signature: string | undefined;
  body: {
    event_type: string;
    event_id: string;
    timestamp: number;
    contact?: { id: number; firstName: string; tags: string[]; assignee: { id: number } | null };
    message?: { message: { text: string }; traffic: string };
    [key: string]: unknown;
  };
  /** The status this receiver answered. */
  answered: number;
  /** When the request had arrived whole (performance.now() of this process). */
  receivedAt: number;
}

/** Chooses the answer to one request (default 200). */
export type Responder = (event: ReceivedEvent['body'], seenBefore: number) => number | Promise<number>;

export class WebhookReceiver {
  readonly received: ReceivedEvent[] = [];
  /** Requests answered so far by event_id (counted here rather than by a pass over every request: a bench sends tens of thousands). */
  private readonly timesSeen = new Map<string, number>();
  private server!: Server;
  url = '';
  respond: Responder = () => 200;

  static async start(respond?: Responder): Promise<WebhookReceiver> {
    const r = new WebhookReceiver();
    if (respond) r.respond = respond;
    r.server = createServer((req, res) => void r.handle(req).then((status) => res.writeHead(status).end('ok')));
    await new Promise<void>((resolve) => r.server.listen(0, '127.0.0.1', resolve));
    r.url = `http://127.0.0.1:${(r.server.address() as AddressInfo).port}/hook`;
    return r;
  }

  private async handle(req: IncomingMessage): Promise<number> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const receivedAt = performance.now();
    const raw = Buffer.concat(chunks).toString('utf8');
    const body = JSON.parse(raw) as ReceivedEvent['body'];
    const seenBefore = this.timesSeen.get(body.event_id) ?? 0;
    const answered = await this.respond(body, seenBefore);
    const sig = req.headers['x-webhook-signature'];
    this.received.push({ raw, signature: typeof sig === 'string' ? sig : undefined, body, answered, receivedAt });
    this.timesSeen.set(body.event_id, (this.timesSeen.get(body.event_id) ?? 0) + 1);
    return answered;
  }

  /** The events of one type, in the order they arrived. */
  ofType(type: string): ReceivedEvent[] {
    return this.received.filter((e) => e.body.event_type === type);
  }

  async until(pred: () => boolean, what: string, ms = 20_000): Promise<void> {
    const end = Date.now() + ms;
    while (!pred()) {
      if (Date.now() > end) throw new Error(`receiver: timed out waiting for ${what} (got ${this.received.length} requests)`);
      await new Promise((r) => setTimeout(r, 25));
    }
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

/** Whether a request's X-Webhook-Signature is base64(HMAC-SHA256(key, raw body)), as a receiver checks it. */
export const signatureVerifies = (key: string, e: ReceivedEvent) => e.signature === createHmac('sha256', key).update(e.raw).digest('base64');
