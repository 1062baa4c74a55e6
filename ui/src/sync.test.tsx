import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { App } from "./app";
import { syncLine } from "./sync";
import { CODE, Harness, erika, fakeApi, photoView, syncView } from "./test-support";

let h: Harness;
beforeEach(() => {
  h = new Harness();
  localStorage.removeItem("schalter.lang");
});
afterEach(() => h.unmount());

describe("sync status in the header", () => {
  it("shows pending changes, progress and the time of the last sync as the events come", async () => {
    await h.loggedIn(<App api={fakeApi()} events={h.events} />);
    expect(h.text("#last-sync")).toBe("noch keine");

    await h.act(() => h.events.emitSync(syncView({ phase: "offline", pending: 3 })));
    expect(h.text("#sync-state")).toBe("3 Änderungen noch nicht übertragen");

    await h.act(() => h.events.emitSync(syncView({ phase: "pushing", pending: 3, done: 1, total: 3 })));
    expect(h.text("#sync-state")).toBe("Übertrage Änderungen: 1 von 3");

    await h.act(() => h.events.emitSync(syncView({ phase: "idle", pending: 0, last_synced_at: "2026-12-01T10:15:30Z" })));
    expect(h.text("#sync-state")).toBe("Alle Änderungen übertragen");
    expect(h.text("#last-sync")).not.toBe("noch keine");
    expect(h.text("#last-sync")).toMatch(/\d\d:\d\d:\d\d/);
  });

  it("reads the state once at start when no event came yet", async () => {
    const api = fakeApi();
    api.syncStatus = vi.fn(async () => syncView({ pending: 1 }));
    await h.loggedIn(<App api={api} events={h.events} />);
    expect(h.text("#sync-state")).toBe("1 Änderung noch nicht übertragen");
  });

  it("lists every rejected change with its reason and what to do, and Esc closes the list", async () => {
    await h.loggedIn(<App api={fakeApi()} events={h.events} />);
    expect(h.$("#sync-rejected-toggle")).toBeNull();
    const rejected = [
      { seq: 4, kind: "photo.accept", code: "invalid_payload", message: "Die Angaben sind unvollständig.", occurred_at: "2026-11-24T09:00:00Z" },
      { seq: 9, kind: "something.new", code: "weird_code", message: "Nachricht der Zentrale.", occurred_at: "2026-11-25T09:00:00Z" },
    ];
    await h.act(() => h.events.emitSync(syncView({ rejected })));
    expect(h.text("#sync-rejected-toggle")).toBe("2 Änderungen abgelehnt");
    await h.click("#sync-rejected-toggle");
    const items = [...h.root.querySelectorAll("#sync-rejections li")].map((li) => li.textContent ?? "");
    expect(items).toHaveLength(2);
    expect(items[0]).toContain("Angenommenes Foto");
    expect(items[0]).toContain("24.11.2026");
    expect(items[0]).toContain("neu erfassen");
    // An unknown kind and code: the central's German message and the general advice.
    expect(items[1]).toContain("something.new");
    expect(items[1]).toContain("Nachricht der Zentrale.");
    expect(items[1]).toContain("bleiben auf diesem Arbeitsplatz gespeichert");
    await h.press("Escape");
    expect(h.$("#sync-rejections")).toBeNull();
  });

  it("Ctrl+S starts a sync round", async () => {
    const api = fakeApi();
    await h.loggedIn(<App api={api} events={h.events} />);
    await h.press("s", { ctrlKey: true });
    expect(api.syncNow).toHaveBeenCalledTimes(1);
  });

  it("marks an offline login in the header", async () => {
    await h.loggedIn(<App api={fakeApi(vi.fn(async () => ({ ...erika, offline: true })))} events={h.events} />);
    expect(h.text("#offline-session")).toBe("Offline angemeldet");
  });

  it("says in English what waits for a login", () => {
    expect(syncLine("en", syncView({ phase: "needs_login", online: true, pending: 5 }))).toBe("5 changes waiting: log in to the central office");
    // Offline there is nothing to log in to: the changes are just pending.
    expect(syncLine("de", syncView({ phase: "needs_login", online: false, pending: 5 }))).toBe("5 Änderungen noch nicht übertragen");
    expect(syncLine("de", null)).toBe("Synchronisierung: Stand unbekannt");
  });
});

describe("photos and the network", () => {
  it("says the cloud delete is made up for later when the cloud did not confirm it", async () => {
    const api = fakeApi();
    api.decidePhoto = vi.fn(async (args) => ({ photo_id: args.photo_id, accepted: true, deleted_in_cloud: false, kept_until: null, checks_overridden: false }));
    await h.loggedIn(<App api={api} events={h.events} />);
    await h.pasteCode(CODE);
    await h.press("F8");
    expect(h.text("#photo-status")).toBe("Foto übernommen. Die Cloud war nicht erreichbar; das Löschen dort wird automatisch nachgeholt.");
  });

  it("shows a photo whose fetch waited for the cloud when it arrives, unless the clerk moved on", async () => {
    const api = fakeApi();
    api.fetchPhoto = vi.fn(async () => {
      throw { code: "photo_cloud_unreachable", message: "Die Foto-Cloud ist nicht erreichbar." };
    });
    await h.loggedIn(<App api={api} events={h.events} />);
    await h.pasteCode(CODE);
    expect(h.text("#photo-error")).toContain("automatisch abgerufen");
    await h.act(() => h.events.emitPhoto(photoView(CODE)));
    expect(h.$("#photo-image")).not.toBeNull();
    expect(h.$("#photo-error")).toBeNull();

    // A decision made meanwhile is not overwritten by a late arrival.
    await h.press("F8");
    expect(h.text("#photo-status")).toContain("Foto übernommen");
    await h.act(() => h.events.emitPhoto(photoView(CODE)));
    expect(h.$("#photo-image")).toBeNull();
  });
});

describe("logging out with changes still pending", () => {
  it("tells the clerk where the changes stay and logs out at the second Ctrl+Q; another key withdraws the question", async () => {
    const api = fakeApi();
    await h.loggedIn(<App api={api} events={h.events} />);
    await h.act(() => h.events.emitSync(syncView({ phase: "offline", online: false, pending: 3 })));
    await h.press("q", { ctrlKey: true });
    expect(h.text("#logout-confirm")).toContain("3 Änderungen sind noch nicht an die Zentrale übertragen");
    expect(h.text("#clerk-name")).toBe("Erika Mustermann");
    await h.press("F3");
    expect(h.$("#logout-confirm")).toBeNull();
    await h.press("q", { ctrlKey: true });
    await h.press("q", { ctrlKey: true });
    expect(h.$("#username")).not.toBeNull();
    expect(api.logout).toHaveBeenCalledTimes(1);
  });

  it("logs out at once when nothing is pending", async () => {
    const api = fakeApi();
    await h.loggedIn(<App api={api} events={h.events} />);
    await h.press("q", { ctrlKey: true });
    expect(h.$("#username")).not.toBeNull();
  });
});
