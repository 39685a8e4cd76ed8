/**
 * qmux adopts a `ws` socket through `@moq/web-socket-stream`, which sets `binaryType =
 * "arraybuffer"` as a browser WebSocket needs. With `ws` in Node that costs a copy of every
 * message: ws holds each message as a Buffer (a view into the socket's read buffer) and
 * `"arraybuffer"` makes it copy the bytes out into an ArrayBuffer of their own
 * (`toArrayBuffer`, 4 % of a subscriber's CPU at 2 MB objects), only for qmux to copy the STREAM
 * payload out of it again. The adopted stream takes any `ArrayBuffer` view as it is, so handing it
 * the Buffer ("nodebuffer", ws's own default) skips that copy; nothing keeps the message after
 * qmux has decoded it.
 *
 * Call right after `new Session(ws)` / `Session.accept(ws)` (both adopt synchronously, before any
 * message can arrive).
 */
export function receiveNodeBuffers(ws: { binaryType: string }): void {
  ws.binaryType = "nodebuffer";
}
