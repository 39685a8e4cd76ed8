// m3u8-parser ships no type declarations; this is the slice the tests read.
declare module "m3u8-parser" {
  export interface ParsedSegment {
    uri: string;
    duration: number;
    timeline: number;
    discontinuity?: boolean;
    dateTimeString?: string;
    programDateTime?: number;
  }
  export interface ParsedManifest {
    version?: number;
    targetDuration?: number;
    mediaSequence?: number;
    discontinuitySequence?: number;
    playlistType?: string;
    endList?: boolean;
    independentSegments?: boolean;
    segments: ParsedSegment[];
  }
  export class Parser {
    push(chunk: string): void;
    end(): void;
    manifest: ParsedManifest;
  }
}
