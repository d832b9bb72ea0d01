import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { OutboundDeliverySchema, type OutboundDelivery } from '@aether/contracts';
import { verifyDelivery } from '../signature';

export type SubscriberMode = 'ok' | 'flap' | 'slow' | 'fail';

/** A real HTTP subscriber on 127.0.0.1: verifies every signature, records what it accepted, answers by mode. */
export class TestSubscriber {
  mode: SubscriberMode = 'ok';
  secret = '';
  readonly accepted: OutboundDelivery[] = [];
  badSignatures = 0;
  attempts = 0;
  /** TCP connections accepted, whatever came of them. */
  connections = 0;
  private server?: Server;

  constructor(readonly port: number) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}/hook`;
  }

  /** Listening: deliveries reach it. Closed: connections are refused ("down"). Up already: nothing. */
  async up(): Promise<void> {
    if (this.server) return;
    const server = createServer((req, res) => void this.receive(req, res));
    server.on('connection', () => this.connections++);
    this.server = server;
    await new Promise<void>((resolve) => server.listen(this.port, '127.0.0.1', resolve));
  }

  async down(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    server?.closeAllConnections();
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  }

  private async receive(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    this.attempts++;
    if (!verifyDelivery(this.secret, body, req.headers['aether-signature'] as string, Date.now())) {
      this.badSignatures++;
      res.writeHead(401).end();
      return;
    }
    const answer = (status: number) => {
      if (status === 200) this.accepted.push(OutboundDeliverySchema.parse(JSON.parse(body.toString('utf8'))));
      res.writeHead(status).end();
    };
    if (this.mode === 'fail') return answer(503);
    if (this.mode === 'flap') return answer(Math.random() < 0.5 ? 500 : 200);
    if (this.mode === 'slow') return void setTimeout(() => answer(200), 150 + Math.random() * 250);
    answer(200);
  }
}

/**
 * Per job, the sequences in the order they were first accepted: what a subscriber deduplicating on
 * the delivery id sees. Delivery is at least once (ADR 57): a message whose ack a restart lost
 * comes again, possibly after later ones, and is counted where it first arrived.
 */
export function acceptedByJob(accepted: readonly OutboundDelivery[], since = 0): Map<string, number[]> {
  const byJob = new Map<string, number[]>();
  for (const delivery of accepted.slice(since)) {
    const seen = byJob.get(delivery.jobId) ?? [];
    if (!seen.includes(delivery.sequence)) seen.push(delivery.sequence);
    byJob.set(delivery.jobId, seen);
  }
  return byJob;
}
