import { describe, expect, it } from "vitest";
import { shortcutFor } from "./shortcuts";

const key = (k: string, mods: Partial<{ ctrlKey: boolean; altKey: boolean; shiftKey: boolean; metaKey: boolean }> = {}) => ({
  key: k,
  ctrlKey: false,
  altKey: false,
  shiftKey: false,
  metaKey: false,
  ...mods,
});

describe("shortcuts", () => {
  it("maps F2 to F5 to the four sections", () => {
    expect(shortcutFor(key("F2"))).toEqual({ kind: "navigate", section: "customer" });
    expect(shortcutFor(key("F3"))).toEqual({ kind: "navigate", section: "application" });
    expect(shortcutFor(key("F4"))).toEqual({ kind: "navigate", section: "pickup" });
    expect(shortcutFor(key("F5"))).toEqual({ kind: "navigate", section: "queue" });
  });

  it("logs out with Ctrl+Q and switches language with Alt+S", () => {
    expect(shortcutFor(key("q", { ctrlKey: true }))).toEqual({ kind: "logout" });
    expect(shortcutFor(key("o", { ctrlKey: true }))).toEqual({ kind: "openCodeImage" });
    expect(shortcutFor(key("S", { altKey: true, shiftKey: true }))).toEqual({ kind: "toggleLanguage" });
  });

  it("leaves ordinary typing alone", () => {
    expect(shortcutFor(key("q"))).toBeNull();
    expect(shortcutFor(key("s"))).toBeNull();
    expect(shortcutFor(key("F2", { ctrlKey: true }))).toBeNull();
  });
});
