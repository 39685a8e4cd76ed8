/**
 * Server-Sent Events: each open `GET /api/events` gets a `stats` event per tick. The first event
 * carries the whole throughput history; later ones only the samples the client has not seen, so
 * a page holds the chart without re-downloading it every second.
 */
import type { ServerResponse } from "node:http";
import type { WatchSnapshot } from "./snapshot.js";
import type { ThroughputSample } from "./throughput.js";

/** Unsent bytes a slow event client may pile up before it is disconnected. */
const MAX_BUFFERED_BYTES = 1024 * 1024;

interface Client {
  res: ServerResponse;
  /** atMs of the newest sample sent; undefined before the first event. */
  lastSampleAt: number | undefined;
}

/** The set of open event streams. */
export class EventClients {
  readonly #clients = new Set<Client>();

  constructor(readonly max: number) {}

  get size(): number {
    return this.#clients.size;
  }

  /** Starts an event stream on `res` and sends it a first event; false when full (caller answers 503). */
  open(res: ServerResponse, headers: Record<string, string>, first: (since: number | undefined) => WatchSnapshot): boolean {
    if (this.#clients.size >= this.max) return false;
    const client: Client = { res, lastSampleAt: undefined };
    res.writeHead(200, {
      ...headers,
      "content-type": "text/event-stream; charset=utf-8",
      "cache-control": "no-cache",
      connection: "keep-alive",
      // Proxies that buffer responses would hold events back.
      "x-accel-buffering": "no",
    });
    // Tell EventSource how soon to reconnect after the subscriber restarts.
    res.write("retry: 2000\n\n");
    this.#clients.add(client);
    res.on("close", () => this.#clients.delete(client));
    this.#send(client, first(undefined));
    return true;
  }

  /** Sends one event to every client, each with the samples it has not had yet. */
  broadcast(snapshotSince: (since: number | undefined) => WatchSnapshot): void {
    for (const c of this.#clients) this.#send(c, snapshotSince(c.lastSampleAt));
  }

  /** Ends every stream (server shutdown). */
  closeAll(): void {
    for (const c of this.#clients) c.res.end();
    this.#clients.clear();
  }

  #send(c: Client, snap: WatchSnapshot): void {
    // A client that stopped reading would make us buffer forever: cut it off instead.
    if (c.res.writableLength > MAX_BUFFERED_BYTES) {
      this.#clients.delete(c);
      c.res.destroy();
      return;
    }
    const newest: ThroughputSample | undefined = snap.throughput.samples[snap.throughput.samples.length - 1];
    if (newest) c.lastSampleAt = newest.atMs;
    // JSON never contains a raw newline, so one `data:` line carries it.
    c.res.write(`event: stats\ndata: ${JSON.stringify(snap)}\n\n`);
  }
}
