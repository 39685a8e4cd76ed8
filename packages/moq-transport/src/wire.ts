/**
 * The WebSocket face of a node, shared by the listener and the dialer.
 *
 * - URL: `ws://<host>:<port>/moq`, optionally `?ec-challenge=<64 lowercase hex>` (32 random bytes).
 * - Subprotocols (qmux over WebSocket): `qmux-02.moq-lite-04` preferred; every qmux draft paired with
 *   `moq-lite-04`, `moq-lite-03` or `moql`, and the bare `qmux-01`/`qmux-00`/`webtransport` forms that
 *   older `@moq/lite` clients offer (moq-lite then negotiates its version in SETUP).
 * - Identity: when the request carries a challenge, the 101 response carries
 *   `ec-moq-key: <64 hex public key>` and `ec-moq-sig: <128 hex Ed25519 signature>` over
 *   `"every.channel moq-transport identity v1\0" || challenge || public key`.
 */
export const WS_PATH = "/moq";
export const CHALLENGE_PARAM = "ec-challenge";
export const KEY_HEADER = "ec-moq-key";
export const SIG_HEADER = "ec-moq-sig";

/** App protocols in preference order; each is offered over every qmux draft. */
export const APP_PROTOCOLS = ["moq-lite-04", "moq-lite-03", "moql"] as const;

/** What the listener will accept, in its preference order (input to qmux `selectSubprotocol`). */
export const SUBPROTOCOL_OPTIONS: { protocols: string[]; versions: Record<string, null>; requireProtocol: boolean } = {
  protocols: [...APP_PROTOCOLS],
  versions: { "moq-lite-04": null, "moq-lite-03": null, moql: null },
  requireProtocol: false,
};

/** What our dialer offers: moq-lite-04 over the newest qmux drafts first. */
export const DIAL_SUBPROTOCOLS = ["qmux-02.moq-lite-04", "qmux-01.moq-lite-04", "qmux-00.moq-lite-04"];

/** Largest WebSocket message accepted; qmux records are at most 16 KiB. */
export const MAX_WS_MESSAGE = 256 * 1024;
