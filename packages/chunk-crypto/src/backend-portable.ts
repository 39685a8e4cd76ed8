import { chacha20 } from "@noble/ciphers/chacha.js";
import { hkdf } from "@noble/hashes/hkdf.js";
import { hmac } from "@noble/hashes/hmac.js";
import { sha256 } from "@noble/hashes/sha2.js";
import type { CryptoBackend } from "./backend.js";

/** The pure-JS backend (`@noble/ciphers`, `@noble/hashes`): runs in browsers and every JS runtime. */
export const portableBackend: CryptoBackend = {
  name: "portable",

  hkdfSha256(ikm, salt, info, length) {
    return hkdf(sha256, ikm, salt, info, length);
  },

  hmacSha256(key, a, b) {
    return hmac.create(sha256, key).update(a).update(b).digest();
  },

  chacha20(key, nonce, input, output) {
    return chacha20(key, nonce, input, output ?? new Uint8Array(input.length), 0);
  },
};
