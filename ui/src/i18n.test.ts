import { describe, expect, it } from "vitest";
import { errorText, formatTime, roleLabel, t } from "./i18n";

describe("i18n", () => {
  it("speaks German first", () => {
    expect(t("de", "login")).toBe("Anmelden");
    expect(t("en", "login")).toBe("Sign in");
  });

  it("shows the desk's German message and translates known codes to English", () => {
    const error = { code: "invalid_credentials", message: "Benutzername oder Passwort ist falsch." };
    expect(errorText("de", error)).toBe("Benutzername oder Passwort ist falsch.");
    expect(errorText("en", error)).toBe("Username or password is wrong.");
  });

  it("falls back to the German message for codes without an English text", () => {
    expect(errorText("en", { code: "new_code", message: "Neue Meldung." })).toBe("Neue Meldung.");
  });

  it("never shows a raw exception", () => {
    expect(errorText("de", new Error("TypeError: x is undefined"))).toBe("Unerwarteter Fehler. Bitte erneut versuchen.");
  });

  it("names roles in the clerk's language", () => {
    expect(roleLabel("de", "supervisor")).toBe("Leitung");
    expect(roleLabel("en", "admin")).toBe("Administrator");
  });

  it("formats missing and malformed times as 'none yet'", () => {
    expect(formatTime("de", null)).toBe("noch keine");
    expect(formatTime("de", "kaputt")).toBe("noch keine");
    expect(formatTime("de", "2026-11-28T09:05:07Z")).toMatch(/^\d\d:\d\d:\d\d$/);
  });
});
