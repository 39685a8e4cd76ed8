import { expect } from "vitest";
import { ChunkCryptoError, type BackendName, type ChunkCryptoErrorCode } from "../src/index.js";

/** Every test that produces bytes runs on both backends. */
export const BACKENDS: readonly BackendName[] = ["native", "portable"];

/** Runs `fn`, requires it to throw a ChunkCryptoError with `code`, and returns the error. */
export function expectChunkError(fn: () => unknown, code: ChunkCryptoErrorCode): ChunkCryptoError {
  let thrown: unknown;
  try {
    fn();
  } catch (err) {
    thrown = err;
  }
  expect(thrown).toBeInstanceOf(ChunkCryptoError);
  const err = thrown as ChunkCryptoError;
  expect(err.code).toBe(code);
  expect(err.name).toBe("ChunkCryptoError");
  expect(err.message.length).toBeGreaterThan(0);
  return err;
}

export const hex = (b: Uint8Array): string => Buffer.from(b).toString("hex");
export const fromHex = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, "hex"));
