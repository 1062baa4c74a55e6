import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { App } from "./app";
import { emptyDraft } from "./application";
import type { ApplicationDraft } from "./bindings";
import { CODE, Harness, applicationView, checkView, fakeApi, syncView } from "./test-support";

let h: Harness;
beforeEach(() => {
  h = new Harness();
  localStorage.removeItem("schalter.lang");
});
afterEach(() => h.unmount());

async function onApplicationScreen(api = fakeApi()) {
  await h.loggedIn(<App api={api} events={h.events} />);
  await h.press("F3");
  return api;
}

describe("application screen (F3)", () => {
  it("shows the fee and rules live and an error only for fields the clerk has been in", async () => {
    const api = await onApplicationScreen();
    expect(h.text("#section-title")).toBe("Antrag");
    expect(h.$("#app-family_name-error")).toBeNull();
    await h.type("app-date_of_birth", "12.08.1964");
    expect(api.checkApplication).toHaveBeenLastCalledWith(expect.objectContaining({ date_of_birth: "12.08.1964", document_kind: "id_card" }));
    expect(h.text("#app-fee-total")).toBe("46,00 €");
    expect(h.text("#app-validity")).toContain("120 Monate");
    // The family name was never visited: no error next to it yet.
    expect(h.$("#app-family_name-error")).toBeNull();
    await h.type("app-family_name", "");
    expect(h.text("#app-family_name-error")).toBe("Familienname: Bitte angeben.");
    expect(h.$("#app-family_name")!.getAttribute("aria-invalid")).toBe("true");
  });

  it("F12 shows every error first, then the summary, and the second F12 records the application", async () => {
    const api = await onApplicationScreen();
    await h.press("F12");
    expect(h.$("#application-errors")).not.toBeNull();
    expect(h.$("#application-summary")).toBeNull();
    expect(api.submitApplication).not.toHaveBeenCalled();

    await h.type("app-family_name", "Mustermann");
    await h.type("app-given_names", "Erika");
    await h.type("app-date_of_birth", "12.08.1964");
    await h.press("F12");
    expect(h.$("#application-errors")).toBeNull();
    expect(h.text("#application-summary")).toContain("Mustermann");
    expect(h.text("#application-summary")).toContain("46,00 €");
    // Esc goes back to the form; nothing recorded.
    await h.press("Escape");
    expect(h.$("#application-summary")).toBeNull();
    expect(api.submitApplication).not.toHaveBeenCalled();

    api.applications = vi.fn(async () => [applicationView({ ...emptyLike(), document_kind: "id_card", family_name: "Mustermann", given_names: "Erika" })]);
    await h.press("F12");
    await h.press("F12");
    expect(api.submitApplication).toHaveBeenCalledTimes(1);
    expect(api.submitApplication).toHaveBeenCalledWith(expect.objectContaining({ family_name: "Mustermann", given_names: "Erika" }));
    expect(h.text("#application-recorded")).toContain("V-5e6f-00001");
    expect((h.$("#app-family_name") as HTMLInputElement).value).toBe("");
    expect(h.root.querySelectorAll("#application-list tbody tr")).toHaveLength(1);
    expect(h.text("#application-list")).toContain("Mustermann, Erika");
    expect(h.text("#visit-summary")).toContain("Antrag erfasst");

    // The sync brings the final number: the notice shows it instead of the provisional one.
    api.applications = vi.fn(async () => [applicationView({ ...emptyLike(), family_name: "Mustermann", given_names: "Erika" }, { application_number: "05111000_01-2026-000001", status: "captured" })]);
    await h.act(() => h.events.emitSync(syncView()));
    expect(h.text("#application-recorded")).toBe("Antrag erfasst: Nummer 05111000_01-2026-000001.");
  });

  it("F7 and F8 capture the fingerprints and the signature; a hand without a possible finger is confirmed", async () => {
    const api = await onApplicationScreen();
    await h.type("app-date_of_birth", "12.08.1964");
    expect(h.text("#app-fingerprint-left")).toBe("Linke Hand: noch nicht erfasst");
    expect(h.text("#app-signature-status")).toBe("Noch keine Unterschrift erfasst.");
    await h.press("F7");
    expect(api.captureFingerprints).toHaveBeenCalledWith(expect.objectContaining({ date_of_birth: "12.08.1964" }));
    expect(h.text("#app-fingerprint-left")).toBe("Linke Hand: linker Zeigefinger erfasst, Qualität 72");
    expect(h.text("#app-fingerprint-right")).toBe("Rechte Hand: rechter Zeigefinger erfasst, Qualität 64");
    await h.press("F8");
    expect(api.captureSignature).toHaveBeenCalledTimes(1);
    const preview = h.$("img[alt='Unterschrift (Vorschau)']") as HTMLImageElement;
    expect(preview.getAttribute("src")).toMatch(/^data:image\/jpeg;base64,/);

    api.captureFingerprints = vi.fn(async () => ({ left: { outcome: "awaiting_confirmation" as const }, right: { outcome: "captured" as const, finger: "right_thumb", quality: 40 }, signature_preview: null }));
    await h.click("#app-capture-fingerprints");
    expect(h.text("#app-fingerprint-left")).toContain("kein Finger möglich – bitte bestätigen");
    expect(h.text("#app-fingerprint-right")).toBe("Rechte Hand: rechter Daumen erfasst, Qualität 40");
    await h.click("#app-not-possible-left");
    expect(api.recordFingerprintNotPossible).toHaveBeenCalledWith("left");
    expect(h.text("#app-fingerprint-left")).toBe("Linke Hand: nicht möglich (bestätigt)");
  });

  it("a child's form says no prints and no signature are taken, and F8 does nothing", async () => {
    const api = fakeApi();
    api.checkApplication = vi.fn(async (draft: ApplicationDraft) => {
      const view = checkView(draft);
      return { ...view, rules: view.rules && { ...view.rules, age: 5, fingerprints: "not_under6", signature: "not_under10", applies: "custodian" } };
    });
    await onApplicationScreen(api);
    await h.type("app-date_of_birth", "01.06.2021");
    expect(h.text("#app-fingerprints-not-required")).toBe("keine Fingerabdrücke (unter 6)");
    expect(h.text("#app-signature-not-required")).toBe("keine Unterschrift (unter 10)");
    expect(h.$("#app-capture-fingerprints")).toBeNull();
    await h.press("F8");
    expect(api.captureSignature).not.toHaveBeenCalled();
  });

  it("a refusal of the desk core is shown and keeps the form", async () => {
    const api = fakeApi();
    api.submitApplication = vi.fn(async () => {
      throw { code: "application_photo_missing", message: "kein Foto" };
    });
    await onApplicationScreen(api);
    expect(h.text("#app-photo")).toContain("Noch kein Lichtbild angenommen");
    await h.type("app-family_name", "Mustermann");
    await h.press("F12");
    await h.press("F12");
    expect(h.text("#application-problem")).toContain("Foto-Code scannen");
    expect((h.$("#app-family_name") as HTMLInputElement).value).toBe("Mustermann");
  });

  it("searches the desk's applications and reads them again when a sync brought news", async () => {
    const api = fakeApi();
    const erika = applicationView({ ...emptyLike(), family_name: "Mustermann", given_names: "Erika" });
    api.applications = vi.fn(async (query: string) => (query === "" || "mustermann".includes(query.toLowerCase()) ? [erika] : []));
    await onApplicationScreen(api);
    expect(h.text("#application-list")).toContain("folgt");
    await h.type("application-search", "Gabler");
    expect(h.$("#application-list")).toBeNull();
    expect(h.text(".application-list .placeholder")).toBe("Keine Anträge gefunden.");
    await h.type("application-search", "");
    api.applications = vi.fn(async () => [{ ...erika, application_number: "05111000_01-2026-000001", status: "captured" }]);
    await h.act(() => h.events.emitSync(syncView()));
    expect(h.text("#application-list .number")).toBe("05111000_01-2026-000001");
    expect(h.$("#application-recorded")).toBeNull();
    expect(h.text("#application-list")).toContain("erfasst");
  });
});

describe("the customer's receipt", () => {
  async function recorded(api = fakeApi(), alreadyOnScreen = false) {
    if (!alreadyOnScreen) await onApplicationScreen(api);
    await h.type("app-family_name", "Mustermann");
    await h.type("app-given_names", "Erika");
    await h.type("app-date_of_birth", "12.08.1964");
    await h.press("F12");
    await h.press("F12");
    expect(h.text("#application-recorded")).toContain("V-5e6f-00001");
    return api;
  }

  it("F11 saves the recorded application's receipt and says where, in a live region", async () => {
    const api = fakeApi();
    // Before anything is recorded F11 has nothing to save: the key is not used.
    await onApplicationScreen(api);
    await h.press("F11");
    expect(api.saveReceipt).not.toHaveBeenCalled();
    expect(h.$("#receipt-save")).toBeNull();

    await recorded(api, true);
    expect(h.text("#receipt-save")).toBe("Quittung speichern F11");
    expect(document.activeElement?.id, "the receipt is next").toBe("receipt-save");
    expect(h.text("#receipt-print-button")).toBe("Quittung drucken Strg+P");
    const status = h.$("#receipt-status")!;
    expect(status.getAttribute("aria-live")).toBe("polite");
    expect(status.getAttribute("role")).toBe("status");
    await h.press("F11");
    expect(api.saveReceipt).toHaveBeenCalledWith("0193a1b2-0000-7000-8000-000000000001");
    expect(h.text("#receipt-status")).toBe("Quittung 05111000_01-2026-000001 gespeichert: /home/schalter/Quittungen/Quittung-05111000_01-2026-000001.pdf");
    // Making the receipt may have synced: the list is read again.
    expect(api.applications).toHaveBeenCalledTimes(3);
  });

  it("a cancelled save dialog and a refusal are told, the form stays", async () => {
    const api = fakeApi();
    api.saveReceipt = vi.fn(async (applicationId: string) => ({ application_id: applicationId, number: "V-5e6f-00001", provisional: true, path: null }));
    await recorded(api);
    await h.click("#receipt-save");
    expect(h.text("#receipt-status")).toBe("Quittung V-5e6f-00001 nicht gespeichert (abgebrochen).");
    api.saveReceipt = vi.fn(async () => {
      throw { code: "receipt_not_saved", message: "Keine Berechtigung" };
    });
    await h.press("F11");
    expect(h.text("#application-problem")).toBe("Die Quittung konnte nicht gespeichert werden. Bitte einen anderen Ort wählen.");
    expect(h.text("#receipt-status")).toBe("");
  });

  it("Strg+P fills the print view with the desk core's receipt and opens the print dialog", async () => {
    const print = vi.fn();
    const original = window.print;
    window.print = print;
    try {
      const api = await recorded();
      expect(h.$("#receipt-print")).toBeNull();
      await h.press("p", { ctrlKey: true });
      await new Promise((resolve) => setTimeout(resolve, 5));
      expect(api.receipt).toHaveBeenCalledWith("0193a1b2-0000-7000-8000-000000000001");
      expect(print).toHaveBeenCalledTimes(1);
      const printed = h.text("#receipt-print");
      for (const part of ["Bürgerbüro Düsseldorf-Süd", "Quittung über Ihren Antrag", "05111000_01-2026-000001", "Reisepass (32 Seiten)", "70,00 €", "keine persönlichen Daten"]) {
        expect(printed).toContain(part);
      }
      expect(printed).not.toContain("Mustermann");
      expect(h.text("#receipt-status")).toBe("Druckdialog für Quittung 05111000_01-2026-000001 geöffnet.");
    } finally {
      window.print = original;
    }
  });

  it("every application in the list has its own receipt buttons, named by its number", async () => {
    const api = fakeApi();
    const erika = applicationView({ ...emptyLike(), family_name: "Mustermann", given_names: "Erika" }, { application_id: "a-1", application_number: "05111000_01-2026-000007" });
    api.applications = vi.fn(async () => [erika]);
    await onApplicationScreen(api);
    const save = h.$('#application-list [data-receipt="save"]')!;
    expect(save.getAttribute("aria-label")).toBe("Quittung 05111000_01-2026-000007 speichern");
    expect(h.$('#application-list [data-receipt="print"]')!.getAttribute("aria-label")).toBe("Quittung 05111000_01-2026-000007 drucken");
    await h.click('#application-list [data-receipt="save"]');
    expect(api.saveReceipt).toHaveBeenCalledWith("a-1");
  });
});

describe("the visit's accepted photo beside the form", () => {
  it("shows the photo the application will carry once it is accepted, and none before", async () => {
    const api = fakeApi();
    await h.loggedIn(<App api={api} events={h.events} />);
    await h.press("F3");
    expect(h.$("#app-photo-image")).toBeNull();
    expect(h.text("#app-photo")).toContain("Noch kein Lichtbild angenommen");
    await h.scan(CODE);
    await h.press("F8");
    await h.press("F3");
    const image = h.$("#app-photo-image") as HTMLImageElement;
    expect(image.getAttribute("src")).toMatch(/^data:image\/jpeg;base64,/);
    expect(image.getAttribute("alt")).toBe("Angenommenes Lichtbild dieses Besuchs");
    expect(h.text("#app-photo")).toBe("Lichtbild dieses Besuchs angenommen");
  });
});

describe("correcting an application the producer rejected", () => {
  it("shows the reason, opens the captured form with the document kind locked, and sends the correction with F12 twice", async () => {
    const api = fakeApi();
    const rejected = applicationView(
      { ...emptyLike(), document_kind: "id_card", family_name: "Mustermann", given_names: "Leon" },
      { application_id: "a-2", application_number: "05111000_01-2026-000002", status: "rejected", status_reason: "3007: Geburtsort nicht plausibel", correctable: true },
    );
    const delivered = applicationView({ ...emptyLike(), family_name: "Mustermann", given_names: "Erika" }, { application_id: "a-1", application_number: "05111000_01-2026-000001", status: "delivered" });
    api.applications = vi.fn(async () => [rejected, delivered]);
    await onApplicationScreen(api);
    const row = h.$('#application-list tr[data-id="a-2"]')!;
    expect(row.textContent).toContain("vom Hersteller abgelehnt: 3007: Geburtsort nicht plausibel");
    // Only the rejected one can be corrected.
    expect(h.$('#application-list tr[data-id="a-1"] [data-correct]')).toBeNull();
    const button = h.$('[data-correct="a-2"]')!;
    expect(button.getAttribute("aria-label")).toBe("Antrag 05111000_01-2026-000002 korrigieren");

    await h.click('[data-correct="a-2"]');
    expect(api.applicationDraft).toHaveBeenCalledWith("a-2");
    expect(h.text("#application-correcting")).toContain("Korrektur des Antrags 05111000_01-2026-000002");
    expect(h.text("#application-correcting")).toContain("Grund des Herstellers: 3007: Geburtsort nicht plausibel");
    expect((h.$("#app-given_names") as HTMLInputElement).value).toBe("Leon");
    expect((h.$("#app-document_kind") as HTMLSelectElement).disabled).toBe(true);

    await h.type("app-place_of_birth", "Düsseldorf");
    await h.press("F12");
    await h.press("F12");
    expect(api.submitApplication).not.toHaveBeenCalled();
    expect(api.correctApplication).toHaveBeenCalledWith("a-2", expect.objectContaining({ place_of_birth: "Düsseldorf", given_names: "Leon" }));
    expect(h.text("#application-recorded")).toContain("Korrektur des Antrags 05111000_01-2026-000002 erfasst");
    expect(h.$("#application-correcting")).toBeNull();
    expect((h.$("#app-document_kind") as HTMLSelectElement).disabled).toBe(false);
  });

  it("Esc leaves a correction without sending anything", async () => {
    const api = fakeApi();
    const rejected = applicationView({ ...emptyLike(), document_kind: "id_card" }, { application_id: "a-2", status: "rejected", status_reason: "2104: Unterschrift", correctable: true });
    api.applications = vi.fn(async () => [rejected]);
    await onApplicationScreen(api);
    await h.click('[data-correct="a-2"]');
    expect(h.$("#application-correcting")).not.toBeNull();
    await h.press("Escape");
    expect(h.$("#application-correcting")).toBeNull();
    expect((h.$("#app-family_name") as HTMLInputElement).value).toBe("");
    expect(api.correctApplication).not.toHaveBeenCalled();
  });
});

/** A draft as the form starts it, for a passport. */
function emptyLike() {
  return { ...emptyDraft(), document_kind: "passport32", date_of_birth: "12.08.1964" };
}
