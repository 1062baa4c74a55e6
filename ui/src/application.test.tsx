import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { App } from "./app";
import { emptyDraft } from "./application";
import { Harness, applicationView, fakeApi, syncView } from "./test-support";

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

/** A draft as the form starts it, for a passport. */
function emptyLike() {
  return { ...emptyDraft(), document_kind: "passport32", date_of_birth: "12.08.1964" };
}
