/**
 * Binding a server of the http module: malformed requests get a bare 400, a bind failure is one
 * typed line naming the address.
 */
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { WatchServerError } from "./errors.js";
import { formatHttpUrl, type WatchListen } from "./listen.js";

/** Listens on `where`; resolves with the bound address. @throws WatchServerError `listen-failed`. */
export async function bindServer(server: Server, where: WatchListen, scheme: "http" | "https"): Promise<AddressInfo> {
  // Malformed requests (e.g. a raw NUL in the target) get a bare 400 and are closed.
  server.on("clientError", (_err, socket) => {
    if (socket.writable) socket.end("HTTP/1.1 400 Bad Request\r\nconnection: close\r\ncontent-length: 0\r\n\r\n");
    else socket.destroy();
  });
  await new Promise<void>((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException) => {
      reject(new WatchServerError("listen-failed", `cannot serve ${scheme.toUpperCase()} on ${formatHttpUrl(where.host, where.port, scheme)}: ${err.code ?? err.message}`));
    };
    server.once("error", onError);
    server.listen(where.port, where.host, () => {
      server.off("error", onError);
      resolve();
    });
  });
  return server.address() as AddressInfo;
}

/**
 * Closes `server` once (later calls get the same promise): `before` runs first (timers, event
 * streams), then open connections are dropped rather than waited for.
 */
export function serverCloser(server: Server, before?: () => void): () => Promise<void> {
  let closing: Promise<void> | undefined;
  return () => {
    closing ??= new Promise<void>((resolve) => {
      before?.();
      server.close(() => resolve());
      server.closeAllConnections();
    });
    return closing;
  };
}
