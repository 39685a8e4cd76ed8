import type { BackendChoice, CryptoBackend } from "./backend.js";
import { nativeBackend } from "./backend-native.js";
import { portableBackend } from "./backend-portable.js";
import { ChunkCryptoError } from "./errors.js";

/** The backend for a choice; `native` where it is unavailable is a `backend-unavailable` error. */
export function resolveBackend(choice: BackendChoice = "auto"): CryptoBackend {
  switch (choice) {
    case "portable":
      return portableBackend;
    case "native": {
      const native = nativeBackend();
      if (!native) {
        throw new ChunkCryptoError(
          "backend-unavailable",
          "native backend needs node:crypto with chacha20 (process.getBuiltinModule)",
        );
      }
      return native;
    }
    case "auto":
      return nativeBackend() ?? portableBackend;
    default:
      throw new ChunkCryptoError("bad-key", 'backend must be "auto", "native" or "portable"');
  }
}

/**
 * Whether the `native` (`node:crypto`) backend can be used in this runtime: present, with
 * ChaCha20, and byte-identical to the portable backend on a built-in known answer.
 */
export function isNativeBackendAvailable(): boolean {
  return nativeBackend() !== null;
}
