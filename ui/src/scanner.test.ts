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

  it("regression: a scan survives a few delayed keys while the window re-renders the focused field", () => {
    const detector = new ScanDetector();
    let at = 1000;
    detector.feed(code[0], at);
    for (const [i, ch] of [...code.slice(1)].entries()) {
      // Every tenth key waits 120 ms behind a render; the others come every 5 ms.
      at += i % 10 === 9 ? 120 : 5;
      detector.feed(ch, at);
    }
    expect(detector.feed("Enter", at + 5).scan).toBe(code);
    // The valid case for the other side in the same test: a person typing at 80 ms a key, a little
    // faster now and then, is no scanner.
    const person = new ScanDetector();
    at = 10_000;
    person.feed(code[0], at);
    for (const [i, ch] of [...code.slice(1)].entries()) {
      at += i % 2 === 0 ? 60 : 100;
      person.feed(ch, at);
    }
    expect(person.feed("Enter", at + 80).scan).toBeUndefined();
  });

  it("starts over after a pause", () => {
    const detector = new ScanDetector();
    typeAt(detector, "abc", 0, 5);
    const { at } = typeAt(detector, code, 5000, 5);
    expect(detector.feed("Enter", at + 5).scan).toBe(code);
  });
});

/** Keys as a US-layout scanner produces them on a German desk: `=` and `+` are dead keys. */
type Stroke = string | { key: string; code?: string; shiftKey?: boolean };

function strokes(detector: ScanDetector, keys: Stroke[], start = 1000, gap = 5) {
  let at = start;
  let result = detector.feed("Enter", -1000);
  for (const stroke of keys) {
    const { key, ...info } = typeof stroke === "string" ? { key: stroke } : stroke;
    result = detector.feed(key, at, info);
    at += gap;
  }
  return { at, result };
}

const acute = { key: "Dead", code: "Equal" };
const grave = { key: "Dead", code: "Equal", shiftKey: true };

describe("scanner detection with dead keys (US layout on a German desk)", () => {
  const head = [...code];

  it("keeps the burst over a dead key and records it as the spacing accent", () => {
    const detector = new ScanDetector();
    const { at, result } = strokes(detector, [...head, acute, "b", grave, "c"]);
    expect(result.inBurst).toBe(true);
    expect(detector.feed("Enter", at).scan).toBe(code + "´b`c");
  });

  it("drops the provisional accent when the next key is the precomposed character", () => {
    const detector = new ScanDetector();
    const { at } = strokes(detector, [...head, acute, "á", grave, "è", acute, "Ý", grave, "Ù"]);
    expect(detector.feed("Enter", at).scan).toBe(code + "áèÝÙ");
  });

  it("drops the provisional accent when the next key is the same spacing accent", () => {
    const detector = new ScanDetector();
    const { at } = strokes(detector, [...head, acute, "´", grave, "`"]);
    expect(detector.feed("Enter", at).scan).toBe(code + "´`");
  });

  it("keeps the accent before a character of the other accent or a consonant", () => {
    const detector = new ScanDetector();
    const { at } = strokes(detector, [...head, acute, "è", grave, "´"]);
    expect(detector.feed("Enter", at).scan).toBe(code + "´è`´");
  });

  it("ends a burst in padding: two dead keys and Enter give both accents", () => {
    const detector = new ScanDetector();
    const { at } = strokes(detector, [...head, acute, acute]);
    expect(detector.feed("Enter", at).scan).toBe(code + "´´");
  });

  it("keeps the provisional accent across a Shift the scanner sends for a capital", () => {
    const detector = new ScanDetector();
    const { at } = strokes(detector, [...head, acute, "Shift", "Á"]);
    expect(detector.feed("Enter", at).scan).toBe(code + "Á");
  });

  it("a dead key can start a burst", () => {
    const detector = new ScanDetector();
    const { at } = strokes(detector, [grave, ...head]);
    expect(detector.feed("Enter", at).scan).toBe("`" + code);
  });

  it("a person typing an accent slowly is no scan", () => {
    const detector = new ScanDetector();
    const { at } = strokes(detector, [...head, acute, "e"], 1000, 150);
    expect(detector.feed("Enter", at).scan).toBeUndefined();
  });
});
