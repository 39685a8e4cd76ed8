/**
 * A throwaway self-signed TLS certificate for 127.0.0.1 / ::1 / localhost, made at test time with
 * the system's `openssl` (no key material is committed). The certificate is its own CA: a dialer
 * trusts it by passing `cert` as its CA (or via NODE_EXTRA_CA_CERTS for a child process).
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface TestCert {
  dir: string;
  certPath: string;
  keyPath: string;
  cert: string;
  key: string;
}

export function makeTestCert(): TestCert {
  const dir = mkdtempSync(join(tmpdir(), "ec-tls-"));
  const certPath = join(dir, "cert.pem");
  const keyPath = join(dir, "key.pem");
  execFileSync(
    "openssl",
    [
      "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2",
      "-subj", "/CN=ec-test", "-addext", "subjectAltName=IP:127.0.0.1,IP:::1,DNS:localhost",
      "-keyout", keyPath, "-out", certPath,
    ],
    { stdio: "ignore" },
  );
  return { dir, certPath, keyPath, cert: readFileSync(certPath, "utf8"), key: readFileSync(keyPath, "utf8") };
}
