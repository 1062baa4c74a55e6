/**
 * Recognises a handheld 2D scanner, which "types" the code as a fast burst of keystrokes
 * ending with Enter, wherever the focus is. People type far slower than a scanner: at least
 * `minLength` characters at a mean gap of at most `maxMeanGapMs` mean a scan. A single gap may be
 * longer (up to `maxGapMs`): a window that is busy re-rendering the field being typed into delays
 * a key or two, and a scan must not fall apart into pieces then (a person at 150 words a minute
 * still averages 80 ms a key).
 *
 * A scanner set to a US layout on a German desk presses the keys of `=` and `+`, which are the dead
 * accent keys ´ and ` here: the browser reports `key: "Dead"` and composes the accent with the next
 * character (`=a` arrives as "á"). Such a burst stays a burst: the dead key is recorded as its
 * spacing accent, provisionally, and dropped again when the next key carries it (a precomposed
 * character, or the accent itself). The desk core maps these characters back to `=`, `+` and letters.
 */
export interface ScanDetectorOptions {
  maxGapMs: number;
  maxMeanGapMs: number;
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

/** What a KeyboardEvent says beyond `key`: the physical key and Shift, for dead keys. */
export interface KeyInfo {
  code?: string;
  shiftKey?: boolean;
}

const ACUTE = "´";
const GRAVE = "`";

/** The characters a dead accent composes with the vowels (and y) a Base64 code can contain. */
const COMPOSED: Record<string, string> = {
  [ACUTE]: "áéíóúýÁÉÍÓÚÝ",
  [GRAVE]: "àèìòùÀÈÌÒÙ",
};

/** The dead key on the German key that a US layout calls `=` (Shift: `+`). */
function deadAccent(info: KeyInfo): string | null {
  if (info.code !== "Equal") return null;
  return info.shiftKey ? GRAVE : ACUTE;
}

export class ScanDetector {
  private buffer = "";
  private last = -Infinity;
  /** When the current burst's first key came. */
  private started = -Infinity;
  /** Keys in the current burst (a composed character is one key, like its dead key). */
  private keys = 0;
  /** The accent of a dead key just recorded, until the next key shows whether it composed. */
  private provisional: string | null = null;

  constructor(private readonly options: ScanDetectorOptions = { maxGapMs: 150, maxMeanGapMs: 35, minLength: 40 }) {}

  private startBurst(at: number): void {
    this.buffer = "";
    this.started = at;
    this.keys = 0;
  }

  private scanLike(at: number, length: number): boolean {
    const meanGap = (at - this.started) / Math.max(1, this.keys);
    return length >= this.options.minLength && meanGap <= this.options.maxMeanGapMs;
  }

  feed(key: string, at: number, info: KeyInfo = {}): FeedResult {
    const fast = at - this.last <= this.options.maxGapMs;
    this.last = at;
    const provisional = this.provisional;
    this.provisional = null;
    if (key === "Enter") {
      const text = this.buffer;
      const scan = fast && this.scanLike(at, text.length);
      this.startBurst(Infinity);
      if (scan) {
        return { scan: text, inBurst: true, burstStart: false };
      }
      return { inBurst: false, burstStart: false };
    }
    if (key === "Dead") {
      const burstStart = !fast || this.buffer.length === 0;
      const accent = deadAccent(info);
      if (burstStart) this.startBurst(at);
      this.keys += 1;
      if (accent) {
        this.buffer += accent;
        this.provisional = accent;
      }
      return { inBurst: this.buffer.length >= 4, burstStart };
    }
    if (key.length !== 1) {
      // Shift is sent by some scanners for upper-case letters: ignore it, keep the burst.
      if (key !== "Shift") this.startBurst(Infinity);
      else this.provisional = provisional;
      return { inBurst: false, burstStart: false };
    }
    const burstStart = !fast || this.buffer.length === 0;
    if (!burstStart && provisional && (key === provisional || COMPOSED[provisional].includes(key))) {
      // The composition carries the accent: the dead key is in this character already.
      this.buffer = this.buffer.slice(0, -provisional.length);
    }
    if (burstStart) this.startBurst(at);
    this.keys += 1;
    this.buffer += key;
    return { inBurst: this.buffer.length >= 4, burstStart };
  }
}
