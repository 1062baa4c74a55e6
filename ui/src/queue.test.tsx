/** The counter queue: the »Warteschlange« screen (F5). */
import axe from "axe-core";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { App } from "./app";
import { BOOKING_ID, Harness, fakeApi, syncView } from "./test-support";

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

const row = (number: string) => h.$(`#queue-list tr[data-ticket="${number}"]`);

async function openQueue() {
  const api = fakeApi();
  await h.loggedIn(<App api={api} events={h.events} />);
  await h.press("F5");
  return api;
}

describe("Warteschlange", () => {
  it("lists today's appointments and checks one in by its row and a walk-in by service", async () => {
    const api = await openQueue();
    expect(h.text("#section-content h1")).toBe("Warteschlange");
    expect(document.activeElement?.id).toBe("queue-code");
    expect(h.text("#queue-call-title")).toBe("Aufruf an Platz 3");
    const appointment = h.$(`#queue-appointments tr[data-booking="${BOOKING_ID}"]`);
    expect(appointment?.textContent).toContain("09:30");
    expect(appointment?.textContent).toContain("Personalausweis");
    expect(appointment?.textContent).toContain("Mustermann");
    expect(appointment?.textContent).toContain("gebucht, noch nicht da");
    expect(await violations()).toEqual([]);

    await h.click(`#queue-appointments tr[data-booking="${BOOKING_ID}"] button`);
    expect(api.queueCheckInAppointment).toHaveBeenCalledWith(BOOKING_ID);
    expect(h.text("#queue-outcome")).toBe("Eingecheckt: Wartenummer T 001.");
    expect(h.text(`#queue-appointments tr[data-booking="${BOOKING_ID}"]`)).toContain("T 001 · wartet");
    expect(row("T 001")?.textContent).toContain("Termin 09:30 Uhr");

    await h.act(() => {
      const select = h.$("#queue-walk-in-service") as HTMLSelectElement;
      select.value = "reisepass";
      select.dispatchEvent(new Event("change", { bubbles: true }));
    });
    await h.submit("#queue-walk-in-form");
    expect(api.queueCheckInWalkIn).toHaveBeenCalledWith("reisepass");
    expect(row("W 001")?.textContent).toContain("Reisepass");
    expect(h.text("#queue-list-title")).toBe("Warteliste (2 wartend)");
    expect(await violations()).toEqual([]);
  });

  it("checks in by booking code (typed or scanned); an empty Enter sends nothing, an unknown code is said", async () => {
    const api = await openQueue();
    // The submit button stays enabled on an empty field (a scanner's Enter is not swallowed); the action ignores it.
    expect((h.$("#queue-code-submit") as HTMLButtonElement).disabled).toBe(false);
    await h.submit("#queue-code-form");
    expect(api.queueCheckInCode).not.toHaveBeenCalled();
    await h.type("queue-code", "ZZZZ-ZZZZ");
    await h.submit("#queue-code-form");
    expect(h.text("#queue-error")).toContain("keinen gebuchten Termin");
    await h.type("queue-code", " k7qx-m2pa ");
    await h.submit("#queue-code-form");
    expect(api.queueCheckInCode).toHaveBeenLastCalledWith("k7qx-m2pa");
    expect(h.$("#queue-error")).toBeNull();
    expect(h.text("#queue-outcome")).toBe("Eingecheckt: Wartenummer T 001.");
    expect((h.$("#queue-code") as HTMLInputElement).value).toBe("");
  });

  it("calls next with F12, marks appeared, and finishes", async () => {
    const api = await openQueue();
    await h.submit("#queue-walk-in-form");
    expect(h.text("#queue-no-current")).toContain("niemand");
    await h.press("F12");
    expect(api.queueCallNext).toHaveBeenCalledWith(false);
    expect(h.text("#queue-outcome")).toBe("W 001 ist an Platz 3 aufgerufen.");
    expect(h.text("#queue-current-number")).toBe("W 001");
    expect(h.text("#queue-current-state")).toBe("aufgerufen");
    expect(h.text("#queue-current-calls")).toBe("1 von 3");
    // Focus is on the first action for the called person.
    expect(document.activeElement?.id).toBe("queue-serve");
    expect(await violations()).toEqual([]);

    await h.click("#queue-recall");
    expect(api.queueAct).toHaveBeenLastCalledWith(expect.any(String), "recall", null, null);
    expect(h.text("#queue-current-calls")).toBe("2 von 3");
    await h.click("#queue-serve");
    expect(h.text("#queue-current-state")).toBe("in Bearbeitung");
    expect(h.text("#queue-outcome")).toContain("erschienen");
    await h.click("#queue-finish");
    expect(api.queueAct).toHaveBeenLastCalledWith(expect.any(String), "finish", null, null);
    expect(h.text("#queue-outcome")).toBe("W 001 ist abgeschlossen.");
    expect(h.$("#queue-current")).toBeNull();
    expect(row("W 001")).toBeNull();
    expect(await violations()).toEqual([]);
  });

  it("asks before calling while someone is still at this place: Escape cancels, confirming calls with confirmed", async () => {
    const api = await openQueue();
    await h.submit("#queue-walk-in-form");
    await h.submit("#queue-walk-in-form");
    await h.press("F12");
    await h.click("#queue-serve");
    await h.click("#queue-call-next");
    expect(api.queueCallNext).toHaveBeenLastCalledWith(false);
    const dialog = h.$("#queue-confirm");
    expect(dialog?.getAttribute("role")).toBe("alertdialog");
    expect(dialog?.getAttribute("aria-modal")).toBe("true");
    expect(h.text("#queue-confirm-text")).toContain("W 001 ist noch an diesem Platz (in Bearbeitung)");
    expect(document.activeElement?.id).toBe("queue-confirm-yes");
    expect(await violations()).toEqual([]);

    await h.press("Escape");
    expect(h.$("#queue-confirm")).toBeNull();
    expect(document.activeElement?.id).toBe("queue-call-next");
    expect(api.queueCallNext).toHaveBeenCalledTimes(2);
    expect(h.text("#queue-current-number")).toBe("W 001");

    await h.press("F12");
    expect(h.$("#queue-confirm")).not.toBeNull();
    await h.click("#queue-confirm-yes");
    expect(api.queueCallNext).toHaveBeenLastCalledWith(true);
    expect(h.$("#queue-confirm")).toBeNull();
    expect(h.text("#queue-current-number")).toBe("W 002");
    expect(row("W 001")?.textContent).toContain("geparkt");
    // Nobody at the place can resume a parked one; with someone there, the button is not offered.
    expect(h.$(`#queue-list tr[data-ticket="W 001"] button`)).toBeNull();
  });

  it("says when the central refused an action because another desk called the ticket first", async () => {
    const api = await openQueue();
    await h.submit("#queue-walk-in-form");
    api.queueCallNext = vi.fn(async () => {
      throw { code: "queue_ticket_taken", message: "Diese Wartenummer wurde bereits an einem anderen Platz aufgerufen." };
    });
    await h.press("F12");
    expect(h.text("#queue-refused")).toContain("Von der Zentrale abgelehnt");
    expect(h.text("#queue-error")).toContain("inzwischen ein anderer Platz aufgerufen");
    expect(h.$("#queue-current")).toBeNull();
    expect(await violations()).toEqual([]);
  });

  it("forwards the current ticket to another place, and reads the list again after a sync round", async () => {
    const api = await openQueue();
    await h.submit("#queue-walk-in-form");
    await h.press("F12");
    await h.click("#queue-forward");
    expect(document.activeElement?.id).toBe("queue-forward-place");
    await h.press("Escape");
    expect(h.$("#queue-forward-form")).toBeNull();
    await h.click("#queue-forward");
    await h.type("queue-forward-place", "Platz 5");
    await h.submit("#queue-forward-form");
    expect(api.queueAct).toHaveBeenLastCalledWith(expect.any(String), "forward", "Platz 5", null);
    expect(row("W 001")?.textContent).toContain("Platz 5");
    const reads = vi.mocked(api.queueToday).mock.calls.length;
    await h.act(() => h.events.emitSync(syncView({ last_synced_at: "2026-11-28T09:30:00Z" })));
    expect(vi.mocked(api.queueToday).mock.calls.length).toBe(reads + 1);
  });

  it("forgets the queue at logout (the appointments carry names)", async () => {
    const api = await openQueue();
    api.queueToday = vi.fn(() => new Promise<never>(() => {}));
    await h.submit("#queue-walk-in-form");
    expect(h.text("#queue-outcome")).toContain("W 001");
    await h.press("q", { ctrlKey: true });
    expect(h.$("#username")).not.toBeNull();
    await h.type("username", "erika");
    await h.type("password", "richtig-und-lang");
    await h.submit("form");
    await h.press("F5");
    // The list is asked for again (and not answered here): nothing of the last session is shown meanwhile.
    expect(h.text("#queue-outcome")).toBe("");
    expect(h.$("#queue-appointments")).toBeNull();
    expect(h.text("#section-content")).not.toContain("Mustermann");
  });

  it("speaks English too", async () => {
    await openQueue();
    await h.press("s", { altKey: true });
    expect(h.text("#queue-call-next")).toBe("Call next (F12)");
    expect(h.text("#queue-walk-in")).toBe("Check in walk-in");
    expect(await violations()).toEqual([]);
  });
});
