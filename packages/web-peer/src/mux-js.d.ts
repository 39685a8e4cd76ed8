// mux.js ships no types; these cover the two modules this package imports.
declare module "mux.js/lib/mp4/transmuxer.js" {
  export interface TransmuxedSegment {
    type: "video" | "audio" | "combined";
    initSegment: Uint8Array;
    data: Uint8Array;
  }
  export interface TransmuxerOptions {
    remux?: boolean;
    keepOriginalTimestamps?: boolean;
    baseMediaDecodeTime?: number;
  }
  export class Transmuxer {
    constructor(options?: TransmuxerOptions);
    on(event: "data", cb: (segment: TransmuxedSegment) => void): void;
    on(event: "done", cb: () => void): void;
    on(event: "log" | "warn", cb: (e: { message?: string; level?: string }) => void): void;
    push(bytes: Uint8Array): void;
    flush(): void;
    dispose?(): void;
  }
}
declare module "mux.js/lib/mp4/probe.js" {
  export interface ProbedTrack {
    id: number;
    type: "video" | "audio" | string;
    codec: string;
    timescale: number;
  }
  const probe: { tracks(init: Uint8Array): ProbedTrack[] };
  export default probe;
}
