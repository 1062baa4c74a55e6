import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { App } from "./app";
import type { PhotoView } from "./bindings";
import { TOUCH_EVERY_MS } from "./desk";
import { CODE, Harness, PHOTO_ID, deferred, erika, failedPhoto, fakeApi, noChannel, online, photoView } from "./test-support";

let h: Harness;
beforeEach(() => {
  h = new Harness();
  localStorage.removeItem("schalter.lang");
});
afterEach(() => h.unmount());

describe("login screen", () => {
  it("focuses the username field first", async () => {
    await h.render(<App api={fakeApi()} events={h.events} />);
    expect(document.activeElement?.id).toBe("username");
  });

  it("shows the German error, clears the password and keeps the username", async () => {
    const login = vi.fn(async () => {
      throw { code: "invalid_credentials", message: "Benutzername oder Passwort ist falsch." };
    });
    await h.render(<App api={fakeApi(login)} events={h.events} />);
    await h.type("username", "erika");
    await h.type("password", "falsch");
    await h.submit("form");
    expect(login).toHaveBeenCalledWith({ username: "erika", password: "falsch" });
    expect(h.text("#login-error")).toBe("Benutzername oder Passwort ist falsch.");
    expect((h.$("#password") as HTMLInputElement).value).toBe("");
    expect((h.$("#username") as HTMLInputElement).value).toBe("erika");
  });

  it("opens the main screen with clerk and office after a successful login, F3 switches screen", async () => {
    await h.loggedIn(<App api={fakeApi()} events={h.events} />);
    expect(h.text("#clerk-name")).toBe("Erika Mustermann");
    expect(h.text("#office-name")).toContain("Bürgerbüro Dienstleistungszentrum");
    expect(h.text("#section-content h1")).toBe("Kunde/Foto");
    await h.press("F3");
    expect(h.text("#section-content h1")).toBe("Antrag");
    await h.press("F5");
    expect(h.text("#section-content h1")).toBe("Warteschlange");
    expect(h.text("#queue-call-next")).toBe("Nächste aufrufen (F12)");
  });

  it("opens the main screen at once when the desk core still has a session", async () => {
    const api = fakeApi();
    api.currentSession = vi.fn(async () => erika);
    await h.render(<App api={api} events={h.events} />);
    expect(h.text("#clerk-name")).toBe("Erika Mustermann");
  });

  it("shows a broken configuration with the desk's message for IT as a detail line", async () => {
    const api = fakeApi();
    api.connectionStatus = vi.fn(async () => {
      throw { code: "config_invalid", message: "Die Konfiguration dieses Arbeitsplatzes ist fehlerhaft: /etc/schalter/desk.toml: Zeile 3. Bitte die IT verständigen." };
    });
    await h.render(<App api={api} events={h.events} />);
    expect(h.text("#startup-error")).toContain("Die Konfiguration dieses Arbeitsplatzes ist fehlerhaft. Bitte die IT verständigen.");
    expect(h.text("#startup-error .detail")).toContain("/etc/schalter/desk.toml: Zeile 3");
    expect(h.text("#startup-title")).toBe("Dieser Arbeitsplatz ist nicht betriebsbereit");
    expect(h.text("#startup-no-login")).toContain("erst möglich, wenn die IT");
    expect(document.querySelector("#username"), "no login form that could only fail").toBeNull();
    expect(document.activeElement?.id).toBe("startup-detail");
    await h.press("s", { altKey: true });
    expect(h.text("#startup-error")).toContain("This workstation's configuration is broken.");
    expect(h.text("#startup-error .detail")).toContain("/etc/schalter/desk.toml");
  });
});

describe("photo code scanner", () => {
  it("recognises a fast key burst as a scan from any screen, fetches and accepts with F8", async () => {
    const api = fakeApi();
    await h.loggedIn(<App api={api} events={h.events} />);
    await h.press("F3");
    await h.scan(CODE);
    expect(api.fetchPhoto).toHaveBeenCalledWith(CODE);
    expect(h.text("#section-content h1")).toBe("Kunde/Foto");
    expect(h.text("#photo-verdict")).toBe("Alle Prüfungen bestanden");
    expect(h.text("#photo-checks")).toContain("✓");
    expect(h.text("#photo-checks")).toContain("Auflösung 1244 × 1600 Pixel (mindestens 1244 × 1600).");
    await h.press("F8");
    expect(api.decidePhoto).toHaveBeenCalledWith({ photo_id: PHOTO_ID, accept: true, keep_until: null, override_failed_checks: false });
    expect(h.text("#photo-status")).toBe("Foto übernommen und in der Cloud gelöscht.");
  });

  it("hands a US-layout scanner's dead keys to the desk core as accents", async () => {
    const api = fakeApi();
    await h.loggedIn(<App api={api} events={h.events} />);
    const body = CODE.slice(0, -2);
    await h.act(() => {
      const keys: KeyboardEventInit[] = [...body].map((key) => ({ key }));
      keys.push({ key: "Dead", code: "Equal" }, { key: "Dead", code: "Equal", shiftKey: true }, { key: "è", code: "KeyE" }, { key: "Enter" });
      for (const init of keys) window.dispatchEvent(new KeyboardEvent("keydown", { cancelable: true, ...init }));
    });
    expect(api.fetchPhoto).toHaveBeenCalledWith(body + "´è");
  });

  it("takes the scanner's keystrokes back out of the focused field", async () => {
    await h.loggedIn(<App api={fakeApi()} events={h.events} />);
    const input = h.$("#photo-code-input") as HTMLInputElement;
    input.focus();
    await h.act(() => {
      for (const key of [...CODE, "Enter"]) {
        const event = new KeyboardEvent("keydown", { key, cancelable: true });
        window.dispatchEvent(event);
        if (key.length === 1 && !event.defaultPrevented) {
          input.value += key;
          input.dispatchEvent(new Event("input", { bubbles: true }));
        }
      }
    });
    expect(input.value).toBe("");
    expect(h.text("#photo-verdict")).toBe("Alle Prüfungen bestanden");
  });

  it("keeps F7/F8/F9 to the photo screen: on another screen they do nothing", async () => {
    const api = fakeApi();
    await h.loggedIn(<App api={api} events={h.events} />);
    await h.pasteCode(CODE);
    await h.press("F4");
    await h.press("F8");
    expect(api.decidePhoto).not.toHaveBeenCalled();
    await h.press("F2");
    expect(h.text("#photo-verdict")).toBe("Alle Prüfungen bestanden");
  });
});

describe("camera", () => {
  it("F6 starts the camera, its code is fetched; Esc stops a scan", async () => {
    const api = fakeApi();
    let finishScan: (text: string | null) => void = () => {};
    api.scanCamera = vi.fn(() => new Promise<string | null>((resolve) => (finishScan = resolve)));
    api.stopCamera = vi.fn(async () => {
      finishScan(null);
      return null;
    });
    const channel = vi.fn(noChannel);
    await h.loggedIn(<App api={api} events={h.events} previewChannel={channel} />);

    await h.press("F6");
    expect(h.text("#camera-status")).toContain("Den Code vor die Kamera halten");
    await h.press("Escape");
    expect(api.stopCamera).toHaveBeenCalled();
    expect(h.$("#camera-status")).toBeNull();
    expect(api.fetchPhoto).not.toHaveBeenCalled();

    await h.press("F6");
    await h.act(() => finishScan(CODE));
    expect(api.fetchPhoto).toHaveBeenCalledWith(CODE);
    expect(h.text("#photo-verdict")).toBe("Alle Prüfungen bestanden");
  });

  it("refuses a keep-until date that is not TT.MM.JJJJ and sends ISO otherwise", async () => {
    const api = fakeApi();
    await h.loggedIn(<App api={api} events={h.events} />);
    await h.pasteCode(CODE);
    await h.press("F7");
    await h.type("photo-keep-until", "31.02.2027");
    await h.press("F8");
    expect(api.decidePhoto).not.toHaveBeenCalled();
    expect(h.text("#photo-error")).toBe("Bitte das Aufbewahrungsdatum als TT.MM.JJJJ eingeben.");
    await h.type("photo-keep-until", "15.01.2027");
    await h.press("F8");
    expect(api.decidePhoto).toHaveBeenCalledWith({ photo_id: PHOTO_ID, accept: true, keep_until: "2027-01-15", override_failed_checks: false });
    expect(h.text("#photo-status")).toBe("Foto übernommen; die Cloud bewahrt es auf bis 15.01.2027.");
  });
});

describe("photo with failed checks", () => {
  it("needs F8 twice to accept, and the second F8 overrides the failed checks", async () => {
    const api = fakeApi();
    api.fetchPhoto = vi.fn(async (code: string) => failedPhoto(code));
    await h.loggedIn(<App api={api} events={h.events} />);
    await h.pasteCode(CODE);
    expect(h.text("#photo-verdict")).toContain("Nicht alle Prüfungen bestanden");
    expect(h.text("#photo-checks")).toContain("✗");
    expect(h.text("#photo-checks")).toContain("Auflösung 622 × 800 Pixel ist zu klein; verlangt sind mindestens 1244 × 1600.");
    await h.press("F8");
    expect(api.decidePhoto).not.toHaveBeenCalled();
    expect(h.text("#photo-confirm")).toContain("F8 noch einmal drücken");
    await h.press("F8");
    expect(api.decidePhoto).toHaveBeenCalledWith({ photo_id: PHOTO_ID, accept: true, keep_until: null, override_failed_checks: true });
    expect(h.text("#visit-summary")).toContain("Foto trotz Mängeln angenommen");
  });

  it("rejects with F9 without an override", async () => {
    const api = fakeApi();
    api.fetchPhoto = vi.fn(async (code: string) => failedPhoto(code));
    await h.loggedIn(<App api={api} events={h.events} />);
    await h.pasteCode(CODE);
    await h.press("F9");
    expect(api.decidePhoto).toHaveBeenCalledWith({ photo_id: PHOTO_ID, accept: false, keep_until: null, override_failed_checks: false });
    expect(h.text("#photo-status")).toMatch(/^Foto abgelehnt\./);
  });
});

describe("state pushed by the desk core", () => {
  it("reads the connection once, then follows the events; no polling", async () => {
    vi.useFakeTimers({ toFake: ["setInterval", "clearInterval"] });
    try {
      const api = fakeApi();
      await h.render(<App api={api} events={h.events} />);
      expect(h.text("#connection-state")).toBe("Online");
      await h.act(() => h.events.emitConnection({ ...online, online: false }));
      expect(h.text("#connection-state")).toBe("Offline");
      await h.act(() => h.events.emitConnection(online));
      expect(h.text("#connection-state")).toBe("Online");
      expect(vi.getTimerCount()).toBe(0);
      expect(api.connectionStatus).toHaveBeenCalledTimes(1);
      expect(api.currentSession).toHaveBeenCalledTimes(1);
    } finally {
      vi.useRealTimers();
    }
  });

  it("an initial read that answers after an event does not undo the event", async () => {
    const api = fakeApi();
    const first = deferred<typeof online>();
    api.connectionStatus = vi.fn(() => first.promise);
    await h.render(<App api={api} events={h.events} />);
    await h.act(() => h.events.emitConnection({ ...online, online: false }));
    await h.act(() => first.resolve(online));
    expect(h.text("#connection-state")).toBe("Offline");
  });

  it("tells the clerk of a newer release: when it comes, or that IT rolls it out, and when it was installed", async () => {
    const api = fakeApi();
    const managed = { current: "0.1.0", version: "0.2.0", notes: "Warteschlange: Aufruf per Taste", managed: true, installed: false };
    api.updateStatus = vi.fn(async () => managed);
    await h.loggedIn(<App api={api} events={h.events} />);
    expect(h.text("#update-notice")).toBe("Neue Version 0.2.0: die IT spielt sie ein. Neu: Warteschlange: Aufruf per Taste");
    await h.act(() => h.events.emitUpdate({ ...managed, managed: false }));
    expect(h.text("#update-notice")).toContain("wird installiert, sobald niemand angemeldet ist.");
    await h.act(() => h.events.emitUpdate({ ...managed, managed: false, installed: true }));
    expect(h.text("#update-notice")).toContain("installiert, aktiv nach dem nächsten Programmstart.");
  });

  it("shows no update notice while nothing newer is offered", async () => {
    await h.loggedIn(<App api={fakeApi()} events={h.events} />);
    expect(h.text("#session-until")).not.toBe("");
    expect(document.querySelector("#update-notice")).toBeNull();
  });

  it("shows the last contact from the connection events in the header", async () => {
    await h.loggedIn(<App api={fakeApi()} events={h.events} />);
    await h.act(() => h.events.emitConnection({ ...online, last_contact: "2026-11-28T10:11:12Z" }));
    expect(h.text("#last-contact")).toMatch(/^\d\d:\d\d:\d\d$/);
  });

  it("an expired session returns to the login screen, stops the camera and forgets the photo", async () => {
    const api = fakeApi();
    await h.loggedIn(<App api={api} events={h.events} previewChannel={noChannel} />);
    await h.pasteCode(CODE);
    api.scanCamera = vi.fn(() => new Promise<string | null>(() => {}));
    await h.press("F6");
    await h.act(() => h.events.emitSession({ session: null, reason: "expired" }));
    expect(api.stopCamera).toHaveBeenCalled();
    expect(h.text("#login-title")).toBe("Anmeldung am Arbeitsplatz");
    expect(h.text("#login-notice")).toBe("Die Sitzung ist abgelaufen. Bitte erneut anmelden.");
    await h.type("username", "erika");
    await h.type("password", "richtig-und-lang");
    await h.submit("form");
    expect(h.$("#photo-verdict")).toBeNull();
    expect(h.text("#visit-summary")).toBe("Vorgang: Foto offen · Antrag offen · Abholung offen");
  });

  it("a session ended by the central API says so", async () => {
    await h.loggedIn(<App api={fakeApi()} events={h.events} />);
    await h.act(() => h.events.emitSession({ session: null, reason: "ended_by_central" }));
    expect(h.text("#login-notice")).toContain("Die Zentrale hat die Sitzung beendet");
    await h.press("s", { altKey: true });
    expect(h.text("#login-notice")).toContain("The central office ended your session");
  });

  it("a refreshed session moves 'Sitzung bis'; a late event never reopens the main screen", async () => {
    await h.loggedIn(<App api={fakeApi()} events={h.events} />);
    const before = h.text("#session-until");
    await h.act(() => h.events.emitSession({ session: { ...erika, expires_at: "2026-11-28T12:47:11Z" }, reason: null }));
    expect(h.text("#session-until")).not.toBe(before);
    await h.press("q", { ctrlKey: true });
    expect(h.text("#login-title")).toBe("Anmeldung am Arbeitsplatz");
    await h.act(() => h.events.emitSession({ session: erika, reason: null }));
    expect(h.$("#clerk-name")).toBeNull();
  });
});

describe("activity keeps the session alive", () => {
  it("calls touchSession on the first key or click, then at most every 15 s, and shows the new expiry", async () => {
    let now = 1_000;
    const api = fakeApi();
    api.touchSession = vi.fn(async () => ({ ...erika, expires_at: "2026-11-28T13:30:00Z" }));
    await h.loggedIn(<App api={api} events={h.events} now={() => now} />);
    expect(api.touchSession).not.toHaveBeenCalled();
    const before = h.text("#session-until");
    await h.press("x");
    expect(api.touchSession).toHaveBeenCalledTimes(1);
    expect(h.text("#session-until")).not.toBe(before);
    now += TOUCH_EVERY_MS - 1;
    await h.press("x");
    await h.click("#nav-application");
    expect(api.touchSession).toHaveBeenCalledTimes(1);
    now += 1;
    await h.click("#nav-customer");
    expect(api.touchSession).toHaveBeenCalledTimes(2);
  });

  it("the desk core's event corrects the reason when the touch answered first", async () => {
    const api = fakeApi();
    api.touchSession = vi.fn(async () => null);
    await h.loggedIn(<App api={api} events={h.events} />);
    await h.press("x");
    expect(h.text("#login-notice")).toBe("Die Sitzung ist abgelaufen. Bitte erneut anmelden.");
    await h.act(() => h.events.emitSession({ session: null, reason: "ended_by_central" }));
    expect(h.text("#login-notice")).toContain("Die Zentrale hat die Sitzung beendet");
  });

  it("a session the desk core no longer has ends like an expired one", async () => {
    const api = fakeApi();
    api.touchSession = vi.fn(async () => null);
    await h.loggedIn(<App api={api} events={h.events} />);
    await h.press("x");
    expect(h.text("#login-notice")).toBe("Die Sitzung ist abgelaufen. Bitte erneut anmelden.");
  });

  it("does not touch while logged out", async () => {
    const api = fakeApi();
    await h.render(<App api={api} events={h.events} />);
    await h.press("x");
    expect(api.touchSession).not.toHaveBeenCalled();
  });
});

describe("the photo of one citizen never shows for the next", () => {
  it("logout clears the photo and its decision", async () => {
    const api = fakeApi();
    await h.loggedIn(<App api={api} events={h.events} />);
    await h.pasteCode(CODE);
    await h.press("F8");
    expect(h.$("#photo-status")).not.toBeNull();
    await h.press("q", { ctrlKey: true });
    expect(api.logout).toHaveBeenCalled();
    await h.type("username", "erika");
    await h.type("password", "richtig-und-lang");
    await h.submit("form");
    expect(h.$("#photo-status")).toBeNull();
    expect(h.$("#photo-verdict")).toBeNull();
  });

  it("a new code clears the previous photo while it loads and when it fails", async () => {
    const api = fakeApi();
    await h.loggedIn(<App api={api} events={h.events} />);
    await h.pasteCode(CODE);
    await h.press("F8");
    const second = deferred<PhotoView>();
    api.fetchPhoto = vi.fn(() => second.promise);
    await h.scan(CODE.replace("4gEk", "4gEl"));
    expect(h.$("#photo-status")).toBeNull();
    expect(h.$("#photo-verdict")).toBeNull();
    expect(h.$("#photo-busy")).not.toBeNull();
    expect(h.text("#visit-summary")).toContain("Foto nicht entschieden");
    await h.act(() => second.reject({ code: "photo_not_found", message: "Das Foto ist in der Cloud nicht vorhanden: …" }));
    expect(h.text("#photo-error")).toContain("Das Foto ist in der Cloud nicht vorhanden");
    expect(h.$("#photo-status")).toBeNull();
    expect(h.$("#photo-image")).toBeNull();
  });

  it("a photo that arrives after the logout is dropped", async () => {
    const api = fakeApi();
    const late = deferred<PhotoView>();
    api.fetchPhoto = vi.fn(() => late.promise);
    await h.loggedIn(<App api={api} events={h.events} />);
    await h.pasteCode(CODE);
    await h.press("q", { ctrlKey: true });
    await h.act(() => late.resolve(photoView(CODE)));
    api.fetchPhoto = vi.fn(async (code: string) => photoView(code));
    await h.type("username", "erika");
    await h.type("password", "richtig-und-lang");
    await h.submit("form");
    expect(h.$("#photo-verdict")).toBeNull();
    // The next code is not blocked by the dropped one.
    await h.pasteCode(CODE);
    expect(h.text("#photo-verdict")).toBe("Alle Prüfungen bestanden");
  });
});

describe("the visit", () => {
  it("shows its steps in the header and F10 finishes it at once after a decision", async () => {
    const api = fakeApi();
    await h.loggedIn(<App api={api} events={h.events} />);
    expect(h.text("#visit-summary")).toBe("Vorgang: Foto offen · Antrag offen · Abholung offen");
    await h.pasteCode(CODE);
    expect(h.text("#visit-summary")).toBe("Vorgang: Foto nicht entschieden · Antrag offen · Abholung offen");
    await h.press("F8");
    expect(h.text("#visit-summary")).toBe("Vorgang: Foto angenommen · Antrag offen · Abholung offen");
    await h.press("F3");
    await h.press("F10");
    expect(api.clearPhoto).toHaveBeenCalledTimes(1);
    expect(h.text("#section-content h1")).toBe("Kunde/Foto");
    expect(h.text("#visit-summary")).toBe("Vorgang: Foto offen · Antrag offen · Abholung offen");
    expect(h.$("#photo-status")).toBeNull();
    expect(h.text("#visit-status")).toContain("Vorgang abgeschlossen");
  });

  it("asks before finishing with an undecided photo; another key withdraws the question", async () => {
    const api = fakeApi();
    await h.loggedIn(<App api={api} events={h.events} />);
    await h.pasteCode(CODE);
    await h.press("F10");
    expect(api.clearPhoto).not.toHaveBeenCalled();
    expect(h.text("#visit-confirm")).toContain("F10 noch einmal drücken");
    await h.press("F3");
    expect(h.$("#visit-confirm")).toBeNull();
    await h.press("F10");
    expect(h.$("#visit-confirm")).not.toBeNull();
    await h.press("F10");
    expect(api.clearPhoto).toHaveBeenCalledTimes(1);
    expect(h.$("#visit-confirm")).toBeNull();
    expect(h.$("#photo-verdict")).toBeNull();
    expect(h.text("#visit-summary")).toBe("Vorgang: Foto offen · Antrag offen · Abholung offen");
  });

  it("the button finishes the visit too", async () => {
    const api = fakeApi();
    await h.loggedIn(<App api={api} events={h.events} />);
    await h.click("#visit-finish");
    expect(api.clearPhoto).toHaveBeenCalledTimes(1);
  });
});

describe("scanner with a US keyboard layout", () => {
  it("tells the clerk once per session", async () => {
    const api = fakeApi();
    api.fetchPhoto = vi.fn(async (code: string) => photoView(code, { keyboard_layout_corrected: true }));
    await h.loggedIn(<App api={api} events={h.events} />);
    await h.pasteCode(CODE);
    expect(h.text("#scanner-layout-notice")).toContain("US-Tastaturbelegung");
    await h.click("#scanner-layout-notice button");
    expect(h.$("#scanner-layout-notice")).toBeNull();
    await h.press("F8");
    await h.pasteCode(CODE);
    expect(h.$("#scanner-layout-notice")).toBeNull();
    await h.press("q", { ctrlKey: true });
    await h.type("username", "erika");
    await h.type("password", "richtig-und-lang");
    await h.submit("form");
    await h.pasteCode(CODE);
    expect(h.$("#scanner-layout-notice")).not.toBeNull();
  });
});

describe("language", () => {
  it("Alt+S switches texts, errors and check results to English and sets the lang attribute", async () => {
    const api = fakeApi();
    api.fetchPhoto = vi.fn(async (code: string) => failedPhoto(code));
    await h.loggedIn(<App api={api} events={h.events} />);
    expect(document.documentElement.lang).toBe("de");
    await h.pasteCode(CODE);
    await h.press("s", { altKey: true });
    expect(document.documentElement.lang).toBe("en");
    expect(h.text("#section-content h1")).toBe("Customer/Photo");
    expect(h.text("#photo-checks")).toContain("Resolution 622 × 800 pixels is too small; at least 1244 × 1600 are required.");
    expect(h.text("#visit-summary")).toBe("Visit: Photo not decided · Application open · Pickup open");
    api.fetchPhoto = vi.fn(async () => {
      throw { code: "untrusted_cloud", message: "Die Foto-Cloud https://evil.example ist nicht als vertrauenswürdig eingetragen." };
    });
    await h.pasteCode(CODE);
    expect(h.text("#photo-error")).toBe("The code points to a photo cloud that is not trusted here. The photo is not fetched.");
    await h.press("S", { altKey: true, shiftKey: true });
    expect(h.text("#photo-error")).toBe("Die Foto-Cloud im Code ist nicht als vertrauenswürdig eingetragen. Das Foto wird nicht abgerufen.");
    expect(document.documentElement.lang).toBe("de");
  });
});

describe("help", () => {
  it("F1 lists the global keys with F10 and only the current screen's own keys", async () => {
    await h.loggedIn(<App api={fakeApi()} events={h.events} />);
    await h.press("F1");
    const help = h.text("#shortcut-help")!;
    expect(help).toContain("F10");
    expect(help).toContain("Vorgang abschließen");
    expect(help).toContain("F8");
    expect(help).toContain("Strg+Q");
    await h.press("F3");
    // The photo's F9 is gone; F7/F8 are the application's devices there.
    expect(h.text("#shortcut-help")).not.toContain("F9");
    expect(h.text("#shortcut-help")).toContain("F8Unterschrift erfassen");
    await h.press("Escape");
    expect(h.$("#shortcut-help")).toBeNull();
  });

  it("works on the login screen", async () => {
    await h.render(<App api={fakeApi()} events={h.events} />);
    await h.press("F1");
    expect(h.text("#shortcut-help")).toContain("Alt+S");
    expect(h.text("#shortcut-help")).not.toContain("F10");
  });
});
