import { describe, expect, it } from "vitest";
import { ScanDetector } from "./scanner";

const code = "4gEkaHR0cHM6Ly9pbWFnZS1kb3dubG9hZC5leGFtcGxlAAECAwQFBgcICQoLDA0ODw";

function typeAt(detector: ScanDetector, text: string, start: number, gap: number) {
  let at = start;
  let result = detector.feed(text[0], at);
  for (const ch of text.slice(1)) {
    at += gap;
    result = detector.feed(ch, at);
  }
  return { at, result };
}

describe("scanner detection", () => {
  it("recognises a fast burst ending in Enter as a scan", () => {
    const detector = new ScanDetector();
    const { at, result } = typeAt(detector, code, 1000, 5);
    expect(result.inBurst).toBe(true);
    expect(detector.feed("Enter", at + 5)).toEqual({ scan: code, inBurst: true, burstStart: false });
  });

  it("ignores a person typing the same text slowly", () => {
    const detector = new ScanDetector();
    const { at } = typeAt(detector, code, 1000, 120);
    expect(detector.feed("Enter", at + 120).scan).toBeUndefined();
  });

  it("ignores short fast bursts such as a typed word", () => {
    const detector = new ScanDetector();
    const { at } = typeAt(detector, "erika", 1000, 5);
    expect(detector.feed("Enter", at + 5).scan).toBeUndefined();
  });

  it("starts over after a pause", () => {
    const detector = new ScanDetector();
    typeAt(detector, "abc", 0, 5);
    const { at } = typeAt(detector, code, 5000, 5);
    expect(detector.feed("Enter", at + 5).scan).toBe(code);
  });
});
