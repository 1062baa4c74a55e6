import { render, type VNode } from "preact";
import { act } from "preact/test-utils";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { App, type DeskApi } from "./app";
import type { SessionView } from "./bindings";
import type { Channel } from "@tauri-apps/api/core";

const erika: SessionView = {
  display_name: "Erika Mustermann",
  username: "erika",
  role: "clerk",
  office_id: "05111000_01",
  office_name: "Bürgerbüro Dienstleistungszentrum",
  expires_at: "2026-11-28T12:00:00Z",
};

function fakeApi(login: DeskApi["login"]): DeskApi {
  return {
    login,
    logout: vi.fn(async () => null),
    currentSession: vi.fn(async () => erika),
    connectionStatus: vi.fn(async () => ({ online: true, central_url: "https://localhost", last_contact: null, last_sync: null })),
    checkConnection: vi.fn(async () => ({ online: true, central_url: "https://localhost", last_contact: null, last_sync: null })),
    fetchPhoto: vi.fn(async (code: string) => ({
      photo_id: "0f8fad5b-d9cb-469f-a165-70867728950e",
      cloud_url: "https://cloud.example",
      algorithm: "AES-256-GCM",
      user_identifier: code.slice(0, 5),
      width: 1244,
      height: 1600,
      checks: [{ id: "min_size", passed: true, message: "Mindestens 1244 × 1600 Pixel" }],
      all_passed: true,
      image_data_url: "data:image/jpeg;base64,AAAA",
    })),
    readCodeImage: vi.fn(async () => "4gEkaHR0cHM6Ly9jbG91ZC5leGFtcGxl"),
    scanCamera: vi.fn(async () => null),
    stopCamera: vi.fn(async () => null),
    decidePhoto: vi.fn(async (args) => ({ photo_id: args.photo_id, accepted: args.accept, deleted_in_cloud: args.accept && !args.keep_until, kept_until: args.keep_until })),
  };
}

let root: HTMLElement;
beforeEach(() => {
  root = document.createElement("div");
  document.body.appendChild(root);
});
afterEach(() => {
  render(null, root);
  root.remove();
});

const flush = () => act(async () => await new Promise((resolve) => setTimeout(resolve, 0)));

/** Renders the app and logs Erika in through the login form. */
async function loggedIn(app: VNode) {
  await act(() => render(app, root));
  await type("username", "erika");
  await type("password", "richtig-und-lang");
  await act(() => {
    root.querySelector("form")!.dispatchEvent(new Event("submit", { bubbles: true, cancelable: true }));
  });
  await flush();
}

/** Pastes a code into the scan field and submits it with Enter. */
async function pasteCode(code: string) {
  await type("photo-code-input", code);
  await act(() => {
    root.querySelector(".scan-row")!.dispatchEvent(new Event("submit", { bubbles: true, cancelable: true }));
  });
  await flush();
}

async function press(key: string) {
  await act(() => {
    window.dispatchEvent(new KeyboardEvent("keydown", { key }));
  });
}

async function type(id: string, value: string) {
  const input = root.querySelector<HTMLInputElement>(`#${id}`)!;
  await act(() => {
    input.value = value;
    input.dispatchEvent(new Event("input", { bubbles: true }));
  });
}

describe("login screen", () => {
  it("focuses the username field first", async () => {
    await act(() => render(<App api={fakeApi(vi.fn())} />, root));
    expect(document.activeElement?.id).toBe("username");
  });

  it("shows the German error, clears the password and keeps the username", async () => {
    const login = vi.fn(async () => {
      throw { code: "invalid_credentials", message: "Benutzername oder Passwort ist falsch." };
    });
    await act(() => render(<App api={fakeApi(login)} />, root));
    await type("username", "erika");
    await type("password", "falsch");
    await act(() => {
      root.querySelector("form")!.dispatchEvent(new Event("submit", { bubbles: true, cancelable: true }));
    });
    await flush();
    expect(login).toHaveBeenCalledWith({ username: "erika", password: "falsch" });
    expect(root.querySelector("#login-error")?.textContent).toBe("Benutzername oder Passwort ist falsch.");
    expect(root.querySelector<HTMLInputElement>("#password")!.value).toBe("");
    expect(root.querySelector<HTMLInputElement>("#username")!.value).toBe("erika");
  });

  it("opens the main screen with clerk and office after a successful login, F3 switches section", async () => {
    await act(() => render(<App api={fakeApi(vi.fn(async () => erika))} />, root));
    await type("username", "erika");
    await type("password", "richtig-und-lang");
    await act(() => {
      root.querySelector("form")!.dispatchEvent(new Event("submit", { bubbles: true, cancelable: true }));
    });
    await flush();
    expect(root.querySelector("#clerk-name")?.textContent).toBe("Erika Mustermann");
    expect(root.querySelector("#office-name")?.textContent).toContain("Bürgerbüro Dienstleistungszentrum");
    await press("F3");
    expect(root.querySelector("#section-content h1")?.textContent).toBe("Antrag");
  });
});

describe("photo code scanner", () => {
  it("recognises a fast key burst as a scan from any section, fetches and accepts with F8", async () => {
    const api = fakeApi(vi.fn(async () => erika));
    await loggedIn(<App api={api} />);
    await press("F3");
    const code = "4gEkaHR0cHM6Ly9jbG91ZC5leGFtcGxlAAECAwQFBgcICQoLDA0ODw==";
    await act(() => {
      for (const key of [...code, "Enter"]) {
        window.dispatchEvent(new KeyboardEvent("keydown", { key, cancelable: true }));
      }
    });
    await flush();
    expect(api.fetchPhoto).toHaveBeenCalledWith(code);
    expect(root.querySelector("#section-content h1")?.textContent).toBe("Kunde/Foto");
    expect(root.querySelector("#photo-verdict")?.textContent).toBe("Alle Prüfungen bestanden");
    await press("F8");
    await flush();
    expect(api.decidePhoto).toHaveBeenCalledWith({ photo_id: "0f8fad5b-d9cb-469f-a165-70867728950e", accept: true, keep_until: null });
    expect(root.querySelector("#photo-status")?.textContent).toBe("Foto übernommen und in der Cloud gelöscht.");
  });
});

describe("camera", () => {
  it("F6 starts the camera, its code is fetched; Esc stops a scan", async () => {
    const api = fakeApi(vi.fn(async () => erika));
    const code = "4gEkaHR0cHM6Ly9jbG91ZC5leGFtcGxlAAECAwQFBgcICQoLDA0ODw==";
    let finishScan: (text: string | null) => void = () => {};
    api.scanCamera = vi.fn(() => new Promise<string | null>((resolve) => (finishScan = resolve)));
    api.stopCamera = vi.fn(async () => {
      finishScan(null);
      return null;
    });
    const channel = vi.fn(() => ({}) as Channel<ArrayBuffer>);
    await loggedIn(<App api={api} previewChannel={channel} />);

    await press("F6");
    expect(root.querySelector("#camera-status")?.textContent).toContain("Den Code vor die Kamera halten");
    await press("Escape");
    await flush();
    expect(api.stopCamera).toHaveBeenCalled();
    expect(root.querySelector("#camera-status")).toBeNull();
    expect(api.fetchPhoto).not.toHaveBeenCalled();

    await press("F6");
    await act(() => finishScan(code));
    await flush();
    expect(api.fetchPhoto).toHaveBeenCalledWith(code);
    expect(root.querySelector("#photo-verdict")?.textContent).toBe("Alle Prüfungen bestanden");
  });

  it("refuses a keep-until date that is not TT.MM.JJJJ and sends ISO otherwise", async () => {
    const api = fakeApi(vi.fn(async () => erika));
    await loggedIn(<App api={api} />);
    await pasteCode("4gEkaHR0cHM6Ly9jbG91ZC5leGFtcGxl");
    await press("F7");
    await type("photo-keep-until", "31.02.2027");
    await press("F8");
    await flush();
    expect(api.decidePhoto).not.toHaveBeenCalled();
    expect(root.querySelector("#photo-error")?.textContent).toBe("Bitte das Aufbewahrungsdatum als TT.MM.JJJJ eingeben.");
    await type("photo-keep-until", "15.01.2027");
    await press("F8");
    await flush();
    expect(api.decidePhoto).toHaveBeenCalledWith({ photo_id: "0f8fad5b-d9cb-469f-a165-70867728950e", accept: true, keep_until: "2027-01-15" });
  });
});

describe("photo with failed checks", () => {
  it("needs F8 twice to accept", async () => {
    const api = fakeApi(vi.fn(async () => erika));
    const fetchPhoto = api.fetchPhoto;
    api.fetchPhoto = vi.fn(async (code: string) => ({
      ...(await fetchPhoto(code)),
      checks: [{ id: "min_size", passed: false, message: "Auflösung zu klein" }],
      all_passed: false,
    }));
    await loggedIn(<App api={api} />);
    await pasteCode("4gEkaHR0cHM6Ly9jbG91ZC5leGFtcGxl");
    await press("F8");
    await flush();
    expect(api.decidePhoto).not.toHaveBeenCalled();
    expect(root.querySelector("#photo-confirm")?.textContent).toContain("F8 noch einmal drücken");
    await press("F8");
    await flush();
    expect(api.decidePhoto).toHaveBeenCalledWith({ photo_id: "0f8fad5b-d9cb-469f-a165-70867728950e", accept: true, keep_until: null });
  });
});
