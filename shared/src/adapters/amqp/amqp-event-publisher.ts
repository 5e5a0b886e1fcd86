import amqp, { type ChannelModel, type ConfirmChannel } from 'amqplib';
import type { ParleyEvent } from '../../domain/events';
import type { Logger } from '../../ports/logger';
import type { EventPublisher } from '../../ports/event-publisher';
import { encodeAmqpMessage } from './amqp-message';

/** Opens an AMQP connection; tests pass one that keeps a handle on it to cut it. */
export type AmqpConnect = (url: string) => Promise<ChannelModel>;

type Link = { connection: ChannelModel; channel: ConfirmChannel };

/**
 * Publishes to a durable topic exchange (routing key = event type) on a confirm channel, with
 * persistent messages in the Knative RabbitMQ broker's layout (`amqp-message.ts`). `publish`
 * resolves once the broker has confirmed every message. A lost connection is noticed through its
 * events (never left to crash the process) and reopened lazily by the next `publish` or `ping`.
 */
export class AmqpEventPublisher implements EventPublisher {
  private link: Link | null = null;
  private opening: Promise<Link> | null = null;
  private closed = false;

  private constructor(
    private readonly url: string,
    private readonly exchange: string,
    private readonly logger: Logger | undefined,
    private readonly openConnection: AmqpConnect,
  ) {}

  static async connect(
    url: string,
    options: { exchange: string; logger?: Logger; connect?: AmqpConnect; confirmTimeoutMs?: number },
  ): Promise<AmqpEventPublisher> {
    const publisher = AmqpEventPublisher.create(url, options);
    await publisher.ensureLink();
    return publisher;
  }

  /**
   * A publisher that does not wait for the broker: the link is tried now in the background and
   * reopened by each `publish`. The dialogue functions start this way, because their events wait in
   * the outbox while RabbitMQ is down; a broker outage must not stop a pod from starting.
   */
  static lazy(
    url: string,
    options: { exchange: string; logger?: Logger; connect?: AmqpConnect; confirmTimeoutMs?: number },
  ): AmqpEventPublisher {
    const publisher = AmqpEventPublisher.create(url, options);
    publisher
      .ensureLink()
      .catch((err: unknown) =>
        options.logger?.warn({ err }, 'AMQP broker unreachable at start-up; events wait in the outbox'),
      );
    return publisher;
  }

  private static create(
    url: string,
    options: { exchange: string; logger?: Logger; connect?: AmqpConnect; confirmTimeoutMs?: number },
  ): AmqpEventPublisher {
    const publisher = new AmqpEventPublisher(
      url,
      options.exchange,
      options.logger,
      options.connect ?? ((u) => amqp.connect(u, { timeout: 5_000 })),
    );
    if (options.confirmTimeoutMs !== undefined) publisher.confirmTimeoutMs = options.confirmTimeoutMs;
    return publisher;
  }

  /** A broker that takes the messages but never confirms (a half-open link) must not hold a turn forever. */
  private confirmTimeoutMs = 10_000;

  async publish(events: ParleyEvent[]): Promise<void> {
    if (events.length === 0) return;
    const { channel } = await this.ensureLink();
    const confirms: Promise<void>[] = [];
    for (const event of events) {
      const { routingKey, content, options } = encodeAmqpMessage(event);
      let settle!: (err: unknown) => void;
      const confirmed = new Promise<void>((resolve, reject) => {
        settle = (err) => {
          if (err)
            reject(new Error(`AMQP broker did not confirm event ${event.id}: ${errorText(err)}`, { cause: err }));
          else resolve();
        };
      });
      // Observed at the end; this keeps an early nack from counting as an unhandled rejection.
      confirmed.catch(() => undefined);
      let accepted: boolean;
      try {
        accepted = channel.publish(this.exchange, routingKey, content, options, (err) => settle(err));
      } catch (err) {
        // The channel closed between two messages: amqplib throws instead of calling back.
        this.dropLink();
        await Promise.allSettled(confirms);
        throw new Error(`AMQP channel closed while publishing event ${event.id}`, { cause: err });
      }
      confirms.push(confirmed);
      // Respect the socket's back-pressure on long batches.
      if (!accepted) await waitForDrainOrClose(channel);
    }
    // Wait for all before answering, so a rejection never leaves confirms unobserved.
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), this.confirmTimeoutMs);
    });
    const settled = await Promise.race([Promise.allSettled(confirms), timedOut]).finally(() => clearTimeout(timer));
    if (settled === 'timeout') {
      this.dropLink();
      throw new Error(`AMQP broker did not confirm ${events.length} event(s) within ${this.confirmTimeoutMs} ms`);
    }
    const results = settled;
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
  }

  /** Ready when the broker answers on our channel: the exchange is checked (reopening if needed). */
  async ping(): Promise<void> {
    const { channel } = await this.ensureLink();
    await channel.checkExchange(this.exchange);
  }

  async close(): Promise<void> {
    this.closed = true;
    const link = this.link ?? (await this.opening?.catch(() => null)) ?? null;
    this.link = null;
    if (!link) return;
    try {
      await link.channel.close();
    } catch {
      // Already closed with its connection.
    }
    try {
      await link.connection.close();
    } catch {
      // Already closed.
    }
  }

  private async ensureLink(): Promise<Link> {
    if (this.closed) throw new Error('AMQP publisher is closed');
    if (this.link) return this.link;
    this.opening ??= this.open().finally(() => {
      this.opening = null;
    });
    return this.opening;
  }

  private async open(): Promise<Link> {
    const connection = await this.openConnection(this.url);
    // Without an 'error' listener an EventEmitter error would crash the process.
    connection.on('error', (err: Error) => this.logger?.warn({ err }, 'AMQP connection error'));
    connection.on('close', () => {
      if (this.link?.connection === connection) {
        this.logger?.warn('AMQP connection closed; reopening on next publish');
        this.link = null;
      }
    });
    try {
      const channel = await connection.createConfirmChannel();
      channel.on('error', (err: Error) => this.logger?.warn({ err }, 'AMQP channel error'));
      channel.on('close', () => {
        if (this.link?.channel === channel) this.dropLink();
      });
      await channel.assertExchange(this.exchange, 'topic', { durable: true });
      const link = { connection, channel };
      if (this.closed) {
        await connection.close().catch(() => undefined);
        throw new Error('AMQP publisher is closed');
      }
      this.link = link;
      this.logger?.info({ exchange: this.exchange }, 'AMQP publisher connected');
      return link;
    } catch (err) {
      await connection.close().catch(() => undefined);
      throw err;
    }
  }

  /** Forget a broken link (a closed channel on a live connection included) and close what is left. */
  private dropLink(): void {
    const link = this.link;
    this.link = null;
    link?.connection.close().catch(() => undefined);
  }
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function waitForDrainOrClose(channel: ConfirmChannel): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      channel.off('drain', done);
      channel.off('close', done);
      resolve();
    };
    channel.once('drain', done);
    channel.once('close', done);
  });
}
