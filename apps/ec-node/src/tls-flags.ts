/**
 * `--tls-cert` / `--tls-key`: a node listens with TLS (wss://, an `ecmoqs://` EndpointAddr), and its
 * `--serve-web` page is served over HTTPS with the same certificate. Both files are read and checked
 * before anything starts: a bad one is a usage error naming the file (exit 2).
 */
import { X509Certificate, createPrivateKey } from "node:crypto";
import { createSecureContext } from "node:tls";
import type { NodeTlsOptions } from "@ec/moq-transport";
import { defineFlags, UsageError } from "./flags.js";
import type { Flags } from "./flags.js";
import { readSmallTextFile } from "./files.js";

/** A PEM certificate chain or key is a few KB; anything near this is not one. */
const PEM_MAX_BYTES = 1024 * 1024;

export const TLS_FLAGS = defineFlags({
  "tls-cert": { kind: "string", value: "<file.pem>", help: "listen with TLS (wss://, an ecmoqs:// EndpointAddr; --serve-web uses https): certificate chain, PEM" },
  "tls-key": { kind: "string", value: "<file.pem>", help: "with --tls-cert: its private key, PEM (unencrypted)" },
});

/** The TLS options for the node, or undefined without the flags. @throws UsageError naming the flag and file. */
export function tlsFrom(flags: Flags<typeof TLS_FLAGS>): NodeTlsOptions | undefined {
  const certPath = flags["tls-cert"];
  const keyPath = flags["tls-key"];
  if (certPath === undefined && keyPath === undefined) return undefined;
  if (certPath === undefined) throw new UsageError("--tls-key needs --tls-cert <file.pem>");
  if (keyPath === undefined) throw new UsageError("--tls-cert needs --tls-key <file.pem>");
  const cert = readPem(certPath, "tls-cert");
  const key = readPem(keyPath, "tls-key");
  let x509: X509Certificate;
  try {
    x509 = new X509Certificate(cert);
  } catch {
    throw new UsageError(`--tls-cert: ${certPath} is not a PEM certificate`);
  }
  let privateKey;
  try {
    privateKey = createPrivateKey(key);
  } catch {
    throw new UsageError(`--tls-key: ${keyPath} is not an unencrypted PEM private key`);
  }
  if (privateKey.type !== "private" || !x509.checkPrivateKey(privateKey)) {
    throw new UsageError(`--tls-key: ${keyPath} does not match the certificate in ${certPath}`);
  }
  try {
    createSecureContext({ cert, key });
  } catch (err) {
    throw new UsageError(`--tls-cert ${certPath} / --tls-key ${keyPath}: ${String((err as Error).message).replace(/\s+/g, " ").slice(0, 160)}`);
  }
  return { cert, key };
}

function readPem(path: string, flag: string): string {
  let text: string;
  try {
    text = readSmallTextFile(path, PEM_MAX_BYTES);
  } catch (err) {
    throw new UsageError(`--${flag}: ${(err as Error).message}`);
  }
  if (!text.includes("-----BEGIN ")) throw new UsageError(`--${flag}: ${path} is not PEM (no -----BEGIN line)`);
  return text;
}
