/** The desk window: the login screen or the main frame with the current screen, and one key handler. */
import { useEffect, useMemo, useRef } from "preact/hooks";
import { Desk, DeskContext, useDesk, useDeskState, type DeskApi, type DeskOptions } from "./desk";
import type { DeskEvents } from "./events";
import { Header, Navigation, StatusBar } from "./header";
import { ShortcutHelp } from "./help";
import { LoginScreen } from "./login";
import { StartupErrorScreen } from "./startup-error";
import { t } from "./messages";
import { ScanDetector } from "./scanner";
import { RejectionsPanel } from "./sync";
import { handleKey, screenById } from "./screens/registry";
import { ReceiptPrint } from "./screens/application";

export type { DeskApi } from "./desk";

export function App({ api, events, previewChannel, now }: { api: DeskApi; events: DeskEvents } & DeskOptions) {
  const desk = useMemo(() => new Desk(api, events, { previewChannel, now }), [api, events]);
  useEffect(() => desk.start(), [desk]);
  return (
    <DeskContext.Provider value={desk}>
      <Window />
    </DeskContext.Provider>
  );
}

function Window() {
  const desk = useDesk();
  const lang = useDeskState((s) => s.lang);
  const loggedIn = useDeskState((s) => s.session !== null);
  const startupError = useDeskState((s) => s.startupError);
  const help = useDeskState((s) => s.help);
  useGlobalKeys(desk);

  useEffect(() => {
    document.documentElement.lang = lang;
  }, [lang]);

  return (
    <>
      <div class="desk">
        {loggedIn ? <MainFrame /> : startupError ? <StartupErrorScreen error={startupError} /> : <LoginScreen />}
        {help && <ShortcutHelp />}
      </div>
      {/* Outside the window's frame: printing shows only this (styles.css, @media print). */}
      <ReceiptPrint />
    </>
  );
}

/** One keydown handler for the whole window, registered once; it reads the store, never a stale render. */
function useGlobalKeys(desk: Desk) {
  const scanner = useRef(new ScanDetector());
  const burstOrigin = useRef<{ field: HTMLInputElement | HTMLTextAreaElement; value: string } | null>(null);
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      desk.activity();
      const fed = scanner.current.feed(event.key, performance.now(), { code: event.code, shiftKey: event.shiftKey });
      if (fed.burstStart) {
        const active = document.activeElement;
        burstOrigin.current = active instanceof HTMLInputElement || active instanceof HTMLTextAreaElement ? { field: active, value: active.value } : null;
      }
      if (fed.scan !== undefined) {
        event.preventDefault();
        event.stopPropagation();
        // The scanner typed into whatever field had focus: take its keystrokes back out.
        const origin = burstOrigin.current;
        if (origin) {
          origin.field.value = origin.value;
          origin.field.dispatchEvent(new Event("input", { bubbles: true }));
        }
        if (desk.state.session) {
          desk.cancelFinishQuestion();
          desk.navigate("customer");
          void desk.photo.fetch(fed.scan);
        }
        return;
      }
      if (handleKey(desk, event)) event.preventDefault();
    };
    const onPointer = () => desk.activity();
    window.addEventListener("keydown", onKey, true);
    window.addEventListener("pointerdown", onPointer, true);
    return () => {
      window.removeEventListener("keydown", onKey, true);
      window.removeEventListener("pointerdown", onPointer, true);
    };
  }, [desk]);
}

function MainFrame() {
  const desk = useDesk();
  const lang = useDeskState((s) => s.lang);
  const screen = screenById(useDeskState((s) => s.screen));
  const scannerNotice = useDeskState((s) => s.scannerLayout.shown);
  const rejectionsOpen = useDeskState((s) => s.rejectionsOpen);
  const Screen = screen.component;
  return (
    <div class="main">
      <Header />
      <Navigation />
      <main class="content" id="section-content" aria-labelledby="section-title">
        <h1 id="section-title">{t(lang, screen.label)}</h1>
        {scannerNotice && (
          <div id="scanner-layout-notice" class="notice compact" role="status">
            <span>{t(lang, "scannerLayoutNotice")}</span>
            <button type="button" class="link" onClick={() => desk.dismissScannerNotice()}>
              {t(lang, "close")}
            </button>
          </div>
        )}
        {rejectionsOpen && <RejectionsPanel />}
        <Screen />
      </main>
      <StatusBar />
    </div>
  );
}
