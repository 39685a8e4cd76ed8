/** A raw HTTP/1.1 exchange over TCP: request targets and headers byte for byte, as a hostile client sends them. */
import { connect } from "node:net";

export interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

/** Sends `target` byte for byte in a request line and reads the whole response. */
export function raw(
  port: number,
  target: string | Buffer,
  opts: { method?: string; host?: string | null; headers?: Record<string, string> } = {},
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const sock = connect(port, "127.0.0.1");
    const chunks: Buffer[] = [];
    sock.on("data", (d) => chunks.push(d));
    sock.on("error", reject);
    sock.on("close", () => {
      const all = Buffer.concat(chunks);
      const split = all.indexOf("\r\n\r\n");
      const head = all.subarray(0, split === -1 ? all.length : split).toString("latin1").split("\r\n");
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(head[0] ?? "")?.[1] ?? 0);
      const headers: Record<string, string> = {};
      for (const line of head.slice(1)) {
        const i = line.indexOf(":");
        if (i > 0) headers[line.slice(0, i).toLowerCase()] = line.slice(i + 1).trim();
      }
      resolve({ status, headers, body: split === -1 ? Buffer.alloc(0) : all.subarray(split + 4) });
    });
    const host = opts.host === undefined ? `127.0.0.1:${port}` : opts.host;
    sock.write(
      Buffer.concat([
        Buffer.from(`${opts.method ?? "GET"} `),
        typeof target === "string" ? Buffer.from(target, "latin1") : target,
        Buffer.from(
          ` HTTP/1.1\r\n${host === null ? "" : `Host: ${host}\r\n`}${Object.entries(opts.headers ?? {})
            .map(([k, v]) => `${k}: ${v}\r\n`)
            .join("")}Connection: close\r\n\r\n`,
        ),
      ]),
    );
  });
}

