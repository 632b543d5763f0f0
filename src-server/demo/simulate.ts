// --simulate: contacts write in every few seconds, through the same path as the custom channel,
// and sent messages are delivered, then read.
import { ingest } from '../workspace/ingest';
import { prng } from './seed';
import type { Store } from '../workspace/store';

const LINES = [
  'Hi, is anyone available?',
  'I have a question about my order.',
  'Can you send me the price list?',
  'Thanks, that helps!',
  'When will it be delivered?',
  'I would like to speak to sales.',
];

export class Simulator {
  private timer: NodeJS.Timeout | null = null;
  private readonly rnd = prng(Date.now() % 100000);
  private n = 0;

  constructor(
    private readonly store: Store,
    private readonly everyMs: number,
    private readonly log: (msg: string, err?: unknown) => void,
  ) {}

  start(): void {
    this.timer = setInterval(() => void this.tick().catch((err) => this.log('simulation failed', err)), this.everyMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }

  async tick(): Promise<void> {
    const channel = await this.store.db.get<{ id: string }>('SELECT id FROM channels ORDER BY id LIMIT 1');
    if (!channel) return;
    const contacts = await this.store.db.all<{ external_id: string; name: string }>(
      'SELECT external_id, name FROM contacts WHERE channel_id = ? AND external_id IS NOT NULL ORDER BY last_activity_at DESC LIMIT 200',
      [channel.id],
    );
    const newcomer = contacts.length === 0 || this.rnd() < 0.2;
    const who = newcomer ? { external_id: `sim-${Date.now()}-${this.n}`, name: `Visitor ${this.n + 1}` } : contacts[Math.floor(this.rnd() * contacts.length)];
    this.n += 1;
    await this.store.write((tx) =>
      ingest(tx, channel.id, {
        sender: { id: who.external_id, name: who.name },
        message: { id: `sim-${Date.now()}-${this.n}`, text: LINES[Math.floor(this.rnd() * LINES.length)] },
      }),
    );
    await this.advanceStatuses();
  }

  private async advanceStatuses(): Promise<void> {
    await this.store.write(async (tx) => {
      for (const [from, to, age] of [
        ['delivered', 'read', 10_000],
        ['sent', 'delivered', 2_000],
      ] as const) {
        const rows = await tx.sql.all<{ id: string }>("SELECT id FROM messages WHERE direction = 'outgoing' AND status = ? AND created_at < ? LIMIT 50", [
          from,
          tx.now - age,
        ]);
        for (const r of rows) {
          await tx.run('UPDATE messages SET status = ? WHERE id = ?', [to, r.id]);
          await tx.emitRow('message', r.id);
        }
      }
    });
  }
}
