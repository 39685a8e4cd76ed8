/**
 * Writes test/vectors/transport-v1.json: what a client written from docs/protocol/transport.md alone
 * must reproduce (identity handshake bytes and hex case, subprotocol choice, track names, stream ids).
 * Deterministic: run `pnpm --filter @ec/moq-transport vectors`; test/transport-vectors.test.ts checks
 * the file is exactly this output and that the implementation (and a real node) agrees with it.
 */
import { createHash } from "node:crypto";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { selectSubprotocol } from "@moq/qmux";
import { parseEndpointAddr } from "../src/endpoint.js";
import { toHex } from "../src/hex.js";
import { identityMessage, nodeIdentityFromSecretKey, signChallenge } from "../src/identity.js";
import { encodeIdentityProof, IDENTITY_BROADCAST, identityTrackName } from "../src/identity-proof.js";
import { parseWireTrackName } from "../src/names.js";
import { DIAL_SUBPROTOCOLS, SUBPROTOCOL_OPTIONS } from "../src/wire.js";

const STREAM_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

export function buildVectors() {
  const seed = createHash("sha256").update("every.channel transport test vector key node").digest();
  const id = nodeIdentityFromSecretKey(new Uint8Array(seed));
  const challenge = new Uint8Array(createHash("sha256").update("every.channel transport test vector challenge").digest());
  const sig = signChallenge(id, challenge);
  const upper = (s: string) => s.toUpperCase();

  const offers = [
    DIAL_SUBPROTOCOLS.join(", "),
    "qmux-02.moq-lite-04",
    "qmux-01.moq-lite-03, qmux-00.moq-lite-03",
    "qmux-00.moql",
    "qmux-01, qmux-00, webtransport",
    "webtransport",
    "moq-lite-04",
    "qmux-02.moq-transport-17",
  ];
  const trackNames = [
    "manifests", "chunks", "manifests?from=0", "manifests?from=7", "chunks?from=123",
    "chunks?from=07", "chunks?from=", "chunks?from=-1", "chunks?start=3", "chunks?from=9007199254740992",
    "Chunks", "video", "",
  ];
  const streamIds = [
    "wcbd-hd", "a", "5.1", "WCBD_HD.2", "a".repeat(128),
    "", "a".repeat(129), "-abc", ".hidden", "../../etc", "a/b", "wcbd hd", "wçbd", "wcbd\nhd",
  ];

  const pk = toHex(id.publicKey);
  const endpoints = [
    `ecmoq://${pk}@127.0.0.1:4443`, `ecmoq://${pk}@[::1]:4443`, `ecmoqs://${pk}@relay.example.org:443`,
    `ecmoqs://${pk}@[2001:db8::1]:8443`, "127.0.0.1:4443",
    `ecmoq://${upper(pk)}@127.0.0.1:4443`, `ECMOQS://${pk}@relay.example.org:443`, `wss://${pk}@relay.example.org:443`,
    "ecmoqs://relay.example.org:443", `ecmoqs://${pk}@relay.example.org:0`, `ecmoqs://${pk}@relay.example.org:0443`,
    `ecmoqs://${pk}@::1:443`, `ecmoqs://${pk}@Relay.Example.org:443`, `ecmoqs://${pk}@relay.example.org:443/moq`,
    `${pk}@127.0.0.1:4443`, `ecmoqs://${"f".repeat(64)}@relay.example.org:443`,
  ];

  return {
    format: "every.channel transport v1 test vectors",
    generator: "packages/moq-transport/scripts/generate-vectors.ts",
    spec: "docs/protocol/transport.md",
    identity: {
      secretKey: toHex(id.secretKey),
      publicKey: toHex(id.publicKey),
      challenge: toHex(challenge),
      url: `ws://127.0.0.1:4443/moq?ec-challenge=${toHex(challenge)}`,
      signedMessage: toHex(identityMessage(challenge, id.publicKey)),
      responseHeaders: { "ec-moq-key": toHex(id.publicKey), "ec-moq-sig": toHex(sig) },
      // Every hex string on the wire is lowercase; these must be refused.
      refused: [
        { what: "ec-challenge in uppercase", challenge: upper(toHex(challenge)), node: "HTTP 400" },
        { what: "ec-moq-key in uppercase", "ec-moq-key": upper(toHex(id.publicKey)), dialer: "auth-failed" },
        { what: "ec-moq-sig in uppercase", "ec-moq-sig": upper(toHex(sig)), dialer: "auth-failed" },
        { what: "ec-challenge of 31 bytes", challenge: toHex(challenge.subarray(0, 31)), node: "HTTP 400" },
      ],
    },
    // The same proof in-band, for dialers that cannot read response headers (browsers).
    identityInBand: {
      broadcast: IDENTITY_BROADCAST,
      track: identityTrackName(challenge),
      answer: { groupSequence: 0, frame: toHex(encodeIdentityProof(id.publicKey, sig)) },
      // Track names of the identity broadcast a node refuses (reset 0x4e01, no SUBSCRIBE_OK).
      refused: [
        { what: "challenge in uppercase", track: `identity?c=${upper(toHex(challenge))}` },
        { what: "challenge of 31 bytes", track: `identity?c=${toHex(challenge.subarray(0, 31))}` },
        { what: "no challenge", track: "identity" },
        { what: "another parameter", track: `identity?challenge=${toHex(challenge)}` },
        { what: "a stream track", track: "manifests" },
      ],
    },
    // EndpointAddr strings: `valid` as the strict parser decides (a bare host:port only with
    // allowInsecure: `insecureOnly`), what a valid one names, and the WebSocket URL to dial.
    endpoints: endpoints.map((text) => {
      const strict = tryParse(text, false);
      const loose = strict ?? tryParse(text, true);
      if (!loose) return { text, valid: false };
      const host = loose.host.includes(":") ? `[${loose.host}]` : loose.host;
      return {
        text,
        valid: strict !== undefined,
        ...(strict ? {} : { insecureOnly: true }),
        host: loose.host,
        port: loose.port,
        publicKey: loose.publicKey ? toHex(loose.publicKey) : null,
        tls: loose.tls === true,
        url: `${loose.tls ? "wss" : "ws"}://${host}:${loose.port}/moq`,
      };
    }),
    // `offered: null` is a request without the header: accepted, with no subprotocol (pre-qmux wire format).
    subprotocols: [
      ...offers.map((offered) => {
        const selected = selectSubprotocol(offered, SUBPROTOCOL_OPTIONS) ?? null;
        return { offered, selected, status: selected === null ? 400 : 101 };
      }),
      { offered: null, selected: null, status: 101 },
    ],
    trackNames: trackNames.map((name) => {
      const p = parseWireTrackName(name);
      return { name, served: p !== undefined, ...(p ? { track: p.track, fromSeq: p.fromSeq ?? null } : {}) };
    }),
    streamIds: streamIds.map((streamId) => ({
      streamId,
      valid: STREAM_ID.test(streamId),
      ...(STREAM_ID.test(streamId) ? { broadcastPath: `ec/${streamId}` } : {}),
    })),
  };
}

function tryParse(text: string, allowInsecure: boolean) {
  try {
    return parseEndpointAddr(text, { allowInsecure });
  } catch {
    return undefined;
  }
}

export function vectorFile(): string {
  return `${JSON.stringify(buildVectors(), null, 2)}\n`;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const out = join(fileURLToPath(new URL(".", import.meta.url)), "..", "test", "vectors", "transport-v1.json");
  writeFileSync(out, vectorFile());
  process.stdout.write("wrote test/vectors/transport-v1.json\n");
}
