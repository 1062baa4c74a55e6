/** The pickup box's back office: the »Ausgabebox« screen (Umschalt+F4) and the »Abholung« screen (F4). */
import axe from "axe-core";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { App } from "./app";
import { emptyDraft } from "./application";
import { BOX_APP_ID, Harness, applicationView, erika, fakeApi, handoutCandidate, pickupOfficeView } from "./test-support";

let h: Harness;
beforeEach(() => {
  document.title = "Schalter – Bürgerbüro";
  h = new Harness();
});
afterEach(() => h.unmount());

async function violations(): Promise<string[]> {
  const result = await axe.run(document.documentElement, { resultTypes: ["violations"], rules: { "color-contrast": { enabled: false } } });
  return result.violations.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(" ")).join(", ")})`);
}

const rowOf = (n: number) => h.$(`tr[data-compartment="${n}"]`);

describe("Ausgabebox", () => {
  it("shows every compartment with its state in words, the uncollected list, and no names", async () => {
    const api = fakeApi();
    await h.loggedIn(<App api={api} events={h.events} />);
    await h.press("F4", { shiftKey: true });
    expect(h.text("#section-content h1")).toBe("Ausgabebox");
    expect(api.pickupOffice).toHaveBeenCalled();
    expect(rowOf(1)?.textContent).toContain("Frist abgelaufen");
    expect(rowOf(1)?.textContent).toContain("05111000_01-2027-000001");
    expect(rowOf(1)?.textContent).toContain("25.01.2027");
    expect(rowOf(2)?.textContent).toContain("frei");
    expect(rowOf(2)?.textContent).toContain("tief");
    expect(rowOf(3)?.textContent).toContain("gesperrt");
    expect(rowOf(4)?.textContent).toContain("Bestätigung fehlt");
    expect(rowOf(5)?.textContent).toContain("wartet auf Abholung");
    expect(h.text("#box-compartments-dlz-box-1 caption")).toContain("Dienstleistungszentrum");
    expect(h.text("#box-uncollected")).toContain("gesperrt (zu viele Fehlversuche)");
    expect(h.text("#section-content")).not.toContain("Mustermann");
    // A clerk sees that only a supervisor clears a lock.
    expect(h.$("#box-clear-lock-3")).toBeNull();
    expect(rowOf(3)?.textContent).toContain("nur Leitung");
    expect(await violations()).toEqual([]);
  });

  it("loads by application number with F12 and says which compartment", async () => {
    const api = fakeApi();
    await h.loggedIn(<App api={api} events={h.events} />);
    await h.press("F4", { shiftKey: true });
    expect(document.activeElement?.id).toBe("box-load-number");
    await h.type("box-load-number", " 05111000_01-2027-000007 ");
    await h.click("#box-load-accessible");
    await h.press("F12");
    expect(api.loadIntoBox).toHaveBeenCalledWith({ application_number: "05111000_01-2027-000007", box_id: "dlz-box-1", accessible: true });
    expect(h.text("#box-outcome")).toContain("Bitte in Fach 2 einlegen.");
    expect(h.text("#box-outcome")).toContain("Abholung bis 25.01.2027");
    expect((h.$("#box-load-number") as HTMLInputElement).value).toBe("");
    expect(await violations()).toEqual([]);
  });

  it("under the four-eyes rule says that a second person confirms, and shows a refusal by its code", async () => {
    const api = fakeApi();
    api.pickupOffice = vi.fn(async () => pickupOfficeView({ four_eyes_loading: true }));
    api.loadIntoBox = vi.fn(async () => ({ application_id: BOX_APP_ID, box_id: "dlz-box-1", compartment: 5, accessible: false, last_pickup_day: "2027-01-28", awaiting_confirmation: true }));
    await h.loggedIn(<App api={api} events={h.events} />);
    await h.press("F4", { shiftKey: true });
    expect(h.text("#section-content")).toContain("Vier-Augen-Prinzip");
    await h.type("box-load-number", "05111000_01-2027-000009");
    await h.submit(".box-load");
    expect(h.text("#box-outcome")).toContain("zweite Person");
    await h.click("#box-confirm-4");
    expect(api.confirmLoad).toHaveBeenCalledWith("0193a1b2-0000-7000-8000-000000000003");
    expect(h.text("#box-outcome")).toContain("bestätigt");
    api.takeBack = vi.fn(async () => {
      throw { code: "pickup_not_expired", message: "x" };
    });
    await h.click("#box-take-back-1");
    expect(h.text("#box-error")).toContain("Die Abholfrist dieses Dokuments ist nicht abgelaufen");
    expect(await violations()).toEqual([]);
  });

  it("lets a supervisor clear a lock and anyone take an expired document back", async () => {
    const supervisor = { ...erika, role: "supervisor" as const };
    const api = fakeApi(vi.fn(async () => supervisor));
    api.touchSession = vi.fn(async () => supervisor);
    await h.loggedIn(<App api={api} events={h.events} />);
    await h.press("F4", { shiftKey: true });
    await h.click("#box-clear-lock-3");
    expect(api.clearLock).toHaveBeenCalledWith("0193a1b2-0000-7000-8000-000000000002");
    expect(h.text("#box-outcome")).toContain("Sperre von Antrag 05111000_01-2027-000002 aufgehoben");
    await h.click("#box-take-back-1");
    expect(api.takeBack).toHaveBeenCalledWith("0193a1b2-0000-7000-8000-000000000001");
    expect(h.text("#box-outcome")).toContain("am Schalter");
    expect(api.pickupOffice).toHaveBeenCalledTimes(3);
  });
});

describe("Abholung", () => {
  it("finds a box document, asks for the old card and the PIN letter, and records the handout with F12", async () => {
    const api = fakeApi();
    await h.loggedIn(<App api={api} events={h.events} />);
    await h.press("F4");
    expect(h.text("#section-content h1")).toBe("Abholung");
    expect(document.activeElement?.id).toBe("handout-number");
    await h.type("handout-number", "05111000_01-2027-000002");
    await h.submit(".handout-search");
    expect(api.findReadyDocument).toHaveBeenCalledWith("05111000_01-2027-000002");
    expect(h.text("#handout-candidate h2")).toContain("Personalausweis");
    expect(h.text("#handout-place")).toContain("Fach 3");
    expect(await violations()).toEqual([]);

    // Nothing recorded yet: F12 says what is missing and sends nothing.
    await h.press("F12");
    expect(api.handOut).not.toHaveBeenCalled();
    expect(h.text("#handout-old-missing")).toContain("bisherigen Dokument");
    expect(h.text("#handout-letter-missing")).toContain("PIN-Briefs");
    expect(await violations()).toEqual([]);

    await h.click("#handout-old-souvenir");
    await h.click("#handout-pin-letter");
    const syncsBefore = vi.mocked(api.syncNow).mock.calls.length;
    await h.press("F12");
    expect(api.handOut).toHaveBeenCalledWith({ application_id: "0193a1b2-0000-7000-8000-000000000002", old_document: "souvenir", pin_letter_confirmed: true });
    expect(h.text("#handout-outcome")).toContain("Fach 3 ist wieder frei");
    expect(vi.mocked(api.syncNow).mock.calls.length, "a sync round brings \"handed out\" to this desk").toBe(syncsBefore + 1);
    expect(h.$("#handout-candidate")).toBeNull();
  });

  it("a counter passport without an old document needs neither choice", async () => {
    const api = fakeApi();
    api.findReadyDocument = vi.fn(async () => handoutCandidate({ document_kind: "passport32", place: "counter", box_id: null, compartment: null, has_old_document: false, pin_letter_required: false }));
    api.handOut = vi.fn(async (args) => ({ application_id: args.application_id, application_number: "05111000_01-2027-000002", freed_compartment: null }));
    await h.loggedIn(<App api={api} events={h.events} />);
    await h.press("F4");
    await h.type("handout-number", "05111000_01-2027-000002");
    await h.submit(".handout-search");
    expect(h.text("#handout-place")).toBe("Das Dokument liegt am Schalter.");
    expect(h.text("#handout-no-old")).toContain("kein bisheriges Dokument");
    expect(h.$("#handout-pin-letter")).toBeNull();
    await h.press("F12");
    expect(api.handOut).toHaveBeenCalledWith({ application_id: "0193a1b2-0000-7000-8000-000000000002", old_document: "none", pin_letter_confirmed: false });
    expect(h.text("#handout-outcome")).toBe("Antrag 05111000_01-2027-000002: Aushändigung erfasst.");
  });

  it("shows an unknown number by its code, in English too", async () => {
    const api = fakeApi();
    api.findReadyDocument = vi.fn(async () => {
      throw { code: "pickup_not_found", message: "x" };
    });
    await h.loggedIn(<App api={api} events={h.events} />);
    await h.press("F4");
    await h.type("handout-number", "05111000_01-2027-999999");
    await h.submit(".handout-search");
    expect(h.text("#handout-error")).toContain("Zu dieser Antragsnummer");
    await h.press("S", { altKey: true });
    expect(h.text("#handout-error")).toContain("under this application number");
    await h.press("S", { altKey: true });
    expect(await violations()).toEqual([]);
  });

  it("finds by name in this desk's store, lists only ready ones with their birth dates, and is chosen by keyboard", async () => {
    const api = fakeApi();
    const erikaDraft = { ...emptyDraft(), document_kind: "id_card", family_name: "Mustermann", given_names: "Erika", date_of_birth: "12.08.1964" };
    api.applications = vi.fn(async () => [
      applicationView(erikaDraft, { application_id: "a1", application_number: "05111000_01-2027-000002", status: "ready_for_pickup" }),
      applicationView({ ...erikaDraft, given_names: "Leon", date_of_birth: "03.04.1990", document_kind: "passport32" }, { application_id: "a2", application_number: "05111000_01-2027-000005", status: "ready_for_pickup" }),
      applicationView({ ...erikaDraft, given_names: "Max" }, { application_id: "a3", application_number: "05111000_01-2027-000006", status: "in_production" }),
    ]);
    await h.loggedIn(<App api={api} events={h.events} />);
    await h.press("F4");
    await h.type("handout-number", "mustermann");
    await h.submit(".handout-search");
    expect(api.applications).toHaveBeenCalledWith("mustermann");
    expect(api.findReadyDocument).not.toHaveBeenCalled();
    const rows = [...document.querySelectorAll("#handout-matches tbody tr")];
    expect(rows.map((r) => r.getAttribute("data-application"))).toEqual(["05111000_01-2027-000002", "05111000_01-2027-000005"]);
    expect(rows[0].textContent).toContain("12.08.1964");
    expect(rows[0].textContent).toContain("Personalausweis");
    expect(document.activeElement?.getAttribute("aria-label")).toContain("Mustermann, Erika");
    expect(await violations()).toEqual([]);
    (document.activeElement as HTMLElement).dispatchEvent(new KeyboardEvent("keydown", { key: "ArrowDown", bubbles: true }));
    expect(document.activeElement?.getAttribute("aria-label")).toContain("Leon");
    await h.click("#handout-matches tbody tr:nth-child(2) button");
    expect(api.findReadyDocument).toHaveBeenCalledWith("05111000_01-2027-000005");
    expect(h.$("#handout-matches")).toBeNull();
    expect(h.$("#handout-candidate")).not.toBeNull();

    api.applications = vi.fn(async () => []);
    await h.type("handout-number", "Gabler");
    await h.submit(".handout-search");
    expect(h.text("#handout-matches-none")).toContain("Kein abholbereiter Antrag zu „Gabler“");
  });

  it("says in the handout's own words that an undelivered document cannot be handed out", async () => {
    const api = fakeApi();
    api.findReadyDocument = vi.fn(async () => {
      throw { code: "pickup_not_ready", message: "x" };
    });
    await h.loggedIn(<App api={api} events={h.events} />);
    await h.press("F4");
    await h.type("handout-number", "05111000_01-2027-000002");
    await h.submit(".handout-search");
    expect(h.text("#handout-error")).toContain("kann noch nicht ausgehändigt werden");
    expect(h.text("#handout-error")).not.toContain("eingelegt");
    await h.press("S", { altKey: true });
    expect(h.text("#handout-error")).toContain("cannot be handed out yet");
    await h.press("S", { altKey: true });
  });
});

describe("Eingang vom Hersteller", () => {
  it("keeps the submit button enabled for a scanner's Enter and ignores an empty field", async () => {
    // A handheld scanner types the serial and Enter faster than the re-render that would enable a button
    // disabled for an empty field, and a disabled default button swallows the Enter (CI saw it).
    const api = fakeApi();
    await h.loggedIn(<App api={api} events={h.events} />);
    await h.press("F4");
    for (const button of ["#arrival-submit", "#handout-find"]) {
      expect((h.$(button) as HTMLButtonElement).disabled, button).toBe(false);
    }
    await h.submit(".arrival-form");
    expect(api.markArrived).not.toHaveBeenCalled();
    await h.type("arrival-number", "C01X00T47");
    await h.submit(".arrival-form");
    expect(api.markArrived).toHaveBeenCalledWith("C01X00T47");
  });

  it("marks a counter document arrived by its scanned serial", async () => {
    const api = fakeApi();
    await h.loggedIn(<App api={api} events={h.events} />);
    await h.press("F4");
    await h.type("arrival-number", " C01X00T47 ");
    await h.submit(".arrival-form");
    expect(api.markArrived).toHaveBeenCalledWith("C01X00T47");
    expect(h.text("#arrival-outcome")).toContain("jetzt abholbereit am Schalter");
    api.markArrived = vi.fn(async (number: string) => ({ application_id: "x", application_number: number, document_kind: "passport32", outcome: "ready_at_counter", already_marked: true }));
    await h.type("arrival-number", "05111000_01-2027-000007");
    await h.submit(".arrival-form");
    expect(h.text("#arrival-outcome")).toContain("bereits als eingegangen erfasst");
    api.markArrived = vi.fn(async () => {
      throw { code: "pickup_not_delivered", message: "x" };
    });
    await h.type("arrival-number", "05111000_01-2027-000008");
    await h.submit(".arrival-form");
    expect(h.text("#arrival-error")).toContain("keine Lieferinformation");
    expect(await violations()).toEqual([]);
  });

  it("for a box document offers the load with the number filled in", async () => {
    const api = fakeApi();
    api.markArrived = vi.fn(async () => ({ application_id: BOX_APP_ID, application_number: "05111000_01-2027-000009", document_kind: "id_card", outcome: "load_into_box", already_marked: false }));
    await h.loggedIn(<App api={api} events={h.events} />);
    await h.press("F4");
    await h.type("arrival-number", "LZ6311T475");
    await h.submit(".arrival-form");
    expect(h.text("#arrival-outcome")).toContain("erst mit dem Einlegen");
    await h.click("#arrival-to-load");
    expect(h.text("#section-content h1")).toBe("Ausgabebox");
    expect((h.$("#box-load-number") as HTMLInputElement).value).toBe("05111000_01-2027-000009");
    // On the »Ausgabebox« itself the same: the load field gets the number and the focus.
    await h.type("arrival-number", "LZ6311T475");
    await h.submit(".arrival-form");
    expect(document.activeElement?.id).toBe("box-load-number");
    expect(await violations()).toEqual([]);
  });
});
