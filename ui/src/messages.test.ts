import { describe, expect, it } from "vitest";
import { ERROR_CODES, PHOTO_CHECK_MESSAGES } from "./bindings";
import { CATALOGUE, checkText, errorDetail, errorText, fill, formatTime, localNumber, placeholders, roleLabel, t, type Lang } from "./messages";

const LANGS: Lang[] = ["de", "en"];
const sorted = (values: Iterable<string>) => [...values].sort();

describe("message catalogue", () => {
  it("has the same keys in German and English, none empty", () => {
    const de = new Set(Object.keys(CATALOGUE.de));
    const en = new Set(Object.keys(CATALOGUE.en));
    expect([...de].filter((key) => !en.has(key)), "German only").toEqual([]);
    expect([...en].filter((key) => !de.has(key)), "English only").toEqual([]);
    for (const lang of LANGS) {
      const empty = Object.entries(CATALOGUE[lang]).filter(([, text]) => !text.trim());
      expect(empty, `empty ${lang} texts`).toEqual([]);
    }
  });

  it("uses the same placeholders in both languages", () => {
    const differing = Object.keys(CATALOGUE.de).filter((key) => sorted(placeholders(CATALOGUE.de[key])).join() !== sorted(placeholders(CATALOGUE.en[key])).join());
    expect(differing).toEqual([]);
  });

  it("has a German and an English text for every error code the desk can reject with", () => {
    for (const lang of LANGS) {
      const missing = ERROR_CODES.filter((code) => !CATALOGUE[lang][`error.${code}`]);
      expect(missing, `error codes without a ${lang} text`).toEqual([]);
    }
    const withPlaceholders = ERROR_CODES.filter((code) => LANGS.some((lang) => placeholders(CATALOGUE[lang][`error.${code}`] ?? "").length > 0));
    expect(withPlaceholders, "error texts have no params to fill").toEqual([]);
  });

  it("has a German and an English text for every photo check message, with exactly its params", () => {
    for (const { key, params } of PHOTO_CHECK_MESSAGES) {
      for (const lang of LANGS) {
        const text = CATALOGUE[lang][`check.${key}`];
        expect(text, `check.${key} (${lang})`).toBeTruthy();
        const used = new Set(placeholders(text));
        const unknown = [...used].filter((name) => !params.includes(name));
        const missing = params.filter((name) => !used.has(name));
        expect({ key, lang, unknown, missing }).toEqual({ key, lang, unknown: [], missing: [] });
      }
    }
  });

  it("speaks German first", () => {
    expect(t("de", "login")).toBe("Anmelden");
    expect(t("en", "login")).toBe("Sign in");
  });
});

describe("errors", () => {
  it("chooses the text by code in both languages", () => {
    const error = { code: "invalid_credentials", message: "Benutzername oder Passwort ist falsch." };
    expect(errorText("de", error)).toBe("Benutzername oder Passwort ist falsch.");
    expect(errorText("en", error)).toBe("Username or password is wrong.");
    // The catalogue wins over the desk's German message, also in German.
    expect(errorText("de", { code: "session_expired", message: "anders formuliert" })).toBe("Die Sitzung ist abgelaufen. Bitte erneut anmelden.");
  });

  it("falls back to the desk's German message for an unknown code", () => {
    expect(errorText("en", { code: "new_code", message: "Neue Meldung." })).toBe("Neue Meldung.");
    expect(errorText("de", { code: "new_code", message: "Neue Meldung." })).toBe("Neue Meldung.");
  });

  it("never shows a raw exception", () => {
    expect(errorText("de", new Error("TypeError: x is undefined"))).toBe("Unerwarteter Fehler. Bitte erneut versuchen.");
    expect(errorText("en", "boom")).toBe("Unexpected error. Please try again.");
  });

  it("keeps the desk's message as a detail line for a broken configuration or certificate only", () => {
    const config = { code: "config_invalid", message: "… /etc/schalter/desk.toml: unbekannter Schlüssel …" };
    expect(errorDetail(config)).toBe(config.message);
    expect(errorDetail({ code: "certificate_invalid", message: "desk.pem abgelaufen" })).toBe("desk.pem abgelaufen");
    expect(errorDetail({ code: "untrusted_cloud", message: "https://evil.example" })).toBeNull();
  });
});

describe("photo checks", () => {
  const check = { id: "min_size", passed: false, reason: "too_small", message: "deutscher Text", params: { width: "622", height: "800", min_width: "1244", min_height: "1600" } };

  it("fills the params into the text of the clerk's language", () => {
    expect(checkText("de", check)).toBe("Auflösung 622 × 800 Pixel ist zu klein; verlangt sind mindestens 1244 × 1600. Bitte ein neues Foto anfordern.");
    expect(checkText("en", check)).toBe("Resolution 622 × 800 pixels is too small; at least 1244 × 1600 are required. Please ask for a new photo.");
  });

  it("shows the desk's German text for a check it does not know", () => {
    expect(checkText("en", { ...check, id: "face_found", reason: "none" })).toBe("deutscher Text");
  });

  it("writes numbers the way the clerk's language does", () => {
    const upscaled = { id: "no_upscaling", passed: false, reason: "upscaled", message: "", params: { db: "-8.2" } };
    expect(checkText("de", upscaled)).toContain("(−8,2 dB)");
    expect(checkText("en", upscaled)).toContain("(−8.2 dB)");
    expect(localNumber("de", "1244")).toBe("1244");
    expect(localNumber("de", "sRGB IEC61966-2.1")).toBe("sRGB IEC61966-2.1");
  });

  it("leaves a missing param visible instead of inventing a value", () => {
    expect(fill("{a} und {b}", { a: "1" })).toBe("1 und {b}");
  });
});

describe("formatting", () => {
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
