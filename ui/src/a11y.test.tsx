/**
 * axe-core on the rendered login and main screens. happy-dom has no layout, so rules that need
 * rendering (colour contrast, element visibility by geometry) cannot judge here; those run in the
 * real window through WebDriver (ui/node_modules/axe-core/axe.min.js).
 */
import axe from "axe-core";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { App } from "./app";
import { emptyDraft as emptyDraftForTests } from "./application";
import { CODE, Harness, SIGNATURE_PREVIEW, applicationView, erika, failedPhoto, fakeApi, syncView } from "./test-support";

let h: Harness;
beforeEach(() => {
  // As in index.html.
  document.title = "Schalter – Bürgerbüro";
  h = new Harness();
});
afterEach(() => h.unmount());

async function violations(): Promise<string[]> {
  const result = await axe.run(document.documentElement, {
    resultTypes: ["violations"],
    rules: {
      // No layout in happy-dom: contrast is measured in the real window.
      "color-contrast": { enabled: false },
    },
  });
  return result.violations.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(" ")).join(", ")})`);
}

describe("accessibility (axe-core)", () => {
  it("works in happy-dom: it finds a field without a label", async () => {
    h.root.innerHTML = '<main><h1>Test</h1><input id="unlabelled"></main>';
    expect((await violations()).join()).toContain("label");
    h.root.innerHTML = "";
  });

  it("login screen", async () => {
    await h.render(<App api={fakeApi()} events={h.events} />);
    expect(await violations()).toEqual([]);
  });

  it("login screen with an error and a notice", async () => {
    const api = fakeApi(vi.fn(async () => {
      throw { code: "invalid_credentials", message: "Benutzername oder Passwort ist falsch." };
    }));
    await h.render(<App api={api} events={h.events} />);
    await h.submit("form");
    expect(await violations()).toEqual([]);
  });

  it("the error screen of a broken configuration", async () => {
    const api = fakeApi();
    api.connectionStatus = vi.fn(async () => {
      throw { code: "config_invalid", message: "Die Konfiguration dieses Arbeitsplatzes ist fehlerhaft: /etc/schalter/desk.toml, Zeile 3: unbekannter Schlüssel »typo«. Bitte die IT verständigen." };
    });
    await h.render(<App api={api} events={h.events} />);
    expect(document.querySelector("#startup-detail")).not.toBeNull();
    expect(await violations()).toEqual([]);
  });

  it("main screen with a photo, the help and the scanner notice", async () => {
    const api = fakeApi();
    api.fetchPhoto = vi.fn(async (code: string) => ({ ...failedPhoto(code), keyboard_layout_corrected: true }));
    await h.loggedIn(<App api={api} events={h.events} />);
    await h.pasteCode(CODE);
    await h.press("F8");
    await h.press("F1");
    expect(await violations()).toEqual([]);
  });

  it("main screen logged in offline, with pending and rejected changes listed", async () => {
    await h.loggedIn(<App api={fakeApi(vi.fn(async () => ({ ...erika, offline: true })))} events={h.events} />);
    const rejected = [{ seq: 2, kind: "photo.accept", code: "invalid_payload", message: "Unvollständig.", occurred_at: "2026-11-24T09:00:00Z" }];
    await h.act(() => h.events.emitSync(syncView({ phase: "offline", pending: 4, rejected })));
    await h.click("#sync-rejected-toggle");
    expect(h.$("#sync-rejections")).not.toBeNull();
    expect(await violations()).toEqual([]);
  });

  it("application screen with errors, the summary and the list", async () => {
    const api = fakeApi();
    api.applications = vi.fn(async () => [applicationView({ ...emptyDraftForTests(), family_name: "Mustermann", given_names: "Erika" })]);
    await h.loggedIn(<App api={api} events={h.events} />);
    await h.press("F3");
    await h.type("app-date_of_birth", "12.08.1964");
    await h.press("F12");
    expect(h.$("#application-errors")).not.toBeNull();
    expect(h.$("#app-family_name-error")).not.toBeNull();
    expect(await violations(), "errors").toEqual([]);
    // The biometrics: both hands, a hand waiting for the clerk's confirmation, the signature's preview.
    api.captureFingerprints = vi.fn(async () => ({ left: { outcome: "awaiting_confirmation" as const }, right: { outcome: "captured" as const, finger: "right_thumb", quality: 40 }, signature_preview: SIGNATURE_PREVIEW }));
    await h.press("F8");
    await h.press("F7");
    expect(h.$("#app-not-possible-left")).not.toBeNull();
    expect(h.$("img[alt='Unterschrift (Vorschau)']")).not.toBeNull();
    expect(await violations(), "biometrics").toEqual([]);
    await h.type("app-family_name", "Mustermann");
    await h.press("F12");
    expect(h.$("#application-summary")).not.toBeNull();
    expect(h.$("#application-list")).not.toBeNull();
    expect(await violations(), "summary").toEqual([]);
    // Recorded: the receipt buttons, the saved status and the list's receipt buttons.
    await h.press("F12");
    await h.press("F11");
    expect(h.$("#receipt-save")).not.toBeNull();
    expect(h.text("#receipt-status")).toContain("gespeichert");
    expect(await violations(), "receipt").toEqual([]);
  });

  it("application screen correcting an application the producer rejected", async () => {
    const api = fakeApi();
    const rejected = applicationView(
      { ...emptyDraftForTests(), document_kind: "id_card", family_name: "Mustermann", given_names: "Leon" },
      { application_id: "a-2", application_number: "05111000_01-2026-000002", status: "rejected", status_reason: "3007: Geburtsort nicht plausibel", correctable: true },
    );
    api.applications = vi.fn(async () => [rejected]);
    await h.loggedIn(<App api={api} events={h.events} />);
    await h.press("F3");
    expect(h.$('[data-correct="a-2"]')).not.toBeNull();
    expect(await violations(), "list with a correctable application").toEqual([]);
    await h.click('[data-correct="a-2"]');
    expect(h.$("#application-correcting")).not.toBeNull();
    expect(await violations(), "correcting").toEqual([]);
  });

  it("every other screen", async () => {
    await h.loggedIn(<App api={fakeApi()} events={h.events} />);
    for (const key of ["F3", "F4", "F5"]) {
      await h.press(key);
      expect(await violations(), key).toEqual([]);
    }
  });
});
