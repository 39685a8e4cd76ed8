export function chunkBytes(seq: number, size: number, corrupt?: boolean): Uint8Array;
export function sha256(bytes: Uint8Array): string;
export function manifestBytes(seq: number, size: number): Uint8Array;
export function payloadFor(track: string, seq: number, size: number, corrupt?: boolean): Uint8Array;
export function checkPayload(track: string, seq: number, bytes: Uint8Array, size: number): boolean;
export function emit(obj: unknown): void;
export function serveStats(get: () => object): void;
