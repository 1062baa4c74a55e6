import { describe, expect, it } from "vitest";
import { GLOBAL_KEYS, chordOf, keyLabel } from "./keys";
import { CUSTOMER_KEYS } from "./screens/customer";
import { NAVIGATION_KEYS, SCREENS } from "./screens/registry";

const key = (k: string, mods: Partial<{ ctrlKey: boolean; altKey: boolean; shiftKey: boolean; metaKey: boolean }> = {}) => ({
  key: k,
  ctrlKey: false,
  altKey: false,
  shiftKey: false,
  metaKey: false,
  ...mods,
});

const chords = (bindings: readonly { chords: readonly string[] }[]) => bindings.flatMap((b) => b.chords);

describe("keyboard map", () => {
  it("registers the screens on F2 to F5, the pickup box beside the pickup on Shift+F4", () => {
    expect(SCREENS.map((s) => [s.id, s.key])).toEqual([
      ["customer", "F2"],
      ["application", "F3"],
      ["pickup", "F4"],
      ["box", "Shift+F4"],
      ["queue", "F5"],
    ]);
    expect(chords(NAVIGATION_KEYS)).toEqual(["F2", "F3", "F4", "Shift+F4", "F5"]);
  });

  it("writes chords with modifiers and upper-case letters", () => {
    expect(chordOf(key("q", { ctrlKey: true }))).toBe("Ctrl+Q");
    expect(chordOf(key("o", { ctrlKey: true }))).toBe("Ctrl+O");
    expect(chordOf(key("S", { altKey: true, shiftKey: true }))).toBe("Alt+Shift+S");
    expect(chordOf(key("F2", { ctrlKey: true }))).toBe("Ctrl+F2");
    expect(chordOf(key("F8"))).toBe("F8");
  });

  it("has logout, language, help, finish visit, camera and code file as global keys", () => {
    const global = chords(GLOBAL_KEYS);
    for (const chord of ["Ctrl+Q", "Alt+S", "Alt+Shift+S", "F1", "F10", "F6", "Ctrl+O"]) expect(global).toContain(chord);
  });

  it("keeps the photo keys in the photo screen's own map", () => {
    expect(chords(CUSTOMER_KEYS)).toEqual(["F7", "F8", "F9", "Escape"]);
    expect(chords(GLOBAL_KEYS)).not.toContain("F8");
    expect(chords(SCREENS.find((s) => s.id === "application")!.keys)).toEqual(["F12", "Escape", "F7", "F8", "F11", "Ctrl+P"]);
    expect(chords(SCREENS.find((s) => s.id === "pickup")!.keys)).toEqual(["F12"]);
    expect(chords(SCREENS.find((s) => s.id === "box")!.keys)).toEqual(["F12", "Alt+R"]);
    expect(chords(SCREENS.find((s) => s.id === "queue")!.keys)).toEqual(["F12", "Escape"]);
  });

  it("gives no key two meanings on one screen (Esc only closes the help first)", () => {
    for (const screen of SCREENS) {
      const all = [...chords(NAVIGATION_KEYS), ...chords(GLOBAL_KEYS), ...chords(screen.keys)].filter((c) => c !== "Escape");
      expect(new Set(all).size, screen.id).toBe(all.length);
    }
  });

  it("leaves ordinary typing alone", () => {
    const all = new Set([...chords(NAVIGATION_KEYS), ...chords(GLOBAL_KEYS), ...SCREENS.flatMap((s) => chords(s.keys))]);
    for (const k of [key("q"), key("s"), key("o"), key("F2", { ctrlKey: true })]) expect(all.has(chordOf(k))).toBe(false);
  });

  it("prints Strg for German keyboards", () => {
    expect(keyLabel("de", "Ctrl+Q")).toBe("Strg+Q");
    expect(keyLabel("en", "Ctrl+Q")).toBe("Ctrl+Q");
    expect(keyLabel("de", "Escape")).toBe("Esc");
  });
});
