/**
 * Recognises a handheld 2D scanner, which "types" the code as a fast burst of keystrokes
 * ending with Enter, wherever the focus is. People type far slower than a scanner:
 * gaps below `maxGapMs` and at least `minLength` characters mean a scan.
 */
export interface ScanDetectorOptions {
  maxGapMs: number;
  minLength: number;
}

export interface FeedResult {
  /** The scanned text, when this key (Enter) completed a scan. */
  scan?: string;
  /** This key belongs to a burst that looks like a scan. */
  inBurst: boolean;
  /** This key started a new potential burst. */
  burstStart: boolean;
}

export class ScanDetector {
  private buffer = "";
  private last = -Infinity;

  constructor(private readonly options: ScanDetectorOptions = { maxGapMs: 40, minLength: 40 }) {}

  feed(key: string, at: number): FeedResult {
    const fast = at - this.last <= this.options.maxGapMs;
    this.last = at;
    if (key === "Enter") {
      const text = this.buffer;
      this.buffer = "";
      if (fast && text.length >= this.options.minLength) {
        return { scan: text, inBurst: true, burstStart: false };
      }
      return { inBurst: false, burstStart: false };
    }
    if (key.length !== 1) {
      // Shift is sent by some scanners for upper-case letters: ignore it, keep the burst.
      if (key !== "Shift") this.buffer = "";
      return { inBurst: false, burstStart: false };
    }
    const burstStart = !fast || this.buffer.length === 0;
    this.buffer = burstStart ? key : this.buffer + key;
    return { inBurst: this.buffer.length >= 4, burstStart };
  }
}
