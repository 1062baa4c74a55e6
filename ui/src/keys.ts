/**
 * The desk's keyboard map. Function keys work whatever field has focus. Global keys live here;
 * each screen brings its own key map (see `screens/registry.ts`), active only while it is shown.
 */
import type { Desk } from "./desk";
import type { Lang, MessageKey } from "./messages";

export interface KeyLike {
  key: string;
  ctrlKey: boolean;
  altKey: boolean;
  shiftKey: boolean;
  metaKey: boolean;
}

export interface KeyBinding {
  /** As `chordOf` writes them: "F8", "Escape", "Ctrl+O", "Alt+S". */
  chords: readonly string[];
  /** What the help shows for it. */
  label: MessageKey;
  /** Works on the login screen too. */
  loggedOut?: boolean;
  /** Not listed in the help on its own (e.g. one navigation key of the F2–F5 row). */
  hidden?: boolean;
  /** Returns false when the key does nothing right now, so it reaches the browser. */
  run(desk: Desk, event: KeyLike): boolean | void;
}

/** "Ctrl+Alt+Shift+Meta+Key"; single letters upper case. */
export function chordOf(event: KeyLike): string {
  const key = event.key.length === 1 ? event.key.toUpperCase() : event.key;
  return [event.ctrlKey && "Ctrl", event.altKey && "Alt", event.shiftKey && "Shift", event.metaKey && "Meta", key].filter(Boolean).join("+");
}

/** A chord as printed on a German or an English keyboard. */
export function keyLabel(lang: Lang, chord: string): string {
  const label = chord.replace("Escape", "Esc");
  return lang === "de" ? label.replace("Ctrl", "Strg").replace("Shift", "Umschalt") : label;
}

/** Keys that work on every screen. Navigation F2–F5 is added from the screen registry. */
export const GLOBAL_KEYS: readonly KeyBinding[] = [
  { chords: ["F1"], label: "keyHelp", loggedOut: true, run: (desk) => desk.toggleHelp() },
  {
    chords: ["Escape"],
    label: "close",
    loggedOut: true,
    hidden: true,
    run: (desk) => {
      if (desk.state.help) desk.toggleHelp(false);
      else if (desk.state.rejectionsOpen) desk.toggleRejections(false);
      else return false;
    },
  },
  { chords: ["Ctrl+S"], label: "keySyncNow", run: (desk) => desk.syncNow() },
  { chords: ["Alt+S", "Alt+Shift+S"], label: "keyLanguage", loggedOut: true, run: (desk) => desk.toggleLang() },
  { chords: ["Ctrl+Q"], label: "keyLogout", run: (desk) => void desk.logout() },
  { chords: ["F10"], label: "keyFinishVisit", run: (desk) => desk.finishVisit() },
  {
    chords: ["F6"],
    label: "keyCamera",
    run: (desk) => {
      desk.navigate("customer");
      desk.photo.toggleCamera();
    },
  },
  {
    chords: ["Ctrl+O"],
    label: "keyCodeFile",
    run: (desk) => {
      desk.navigate("customer");
      // The native file dialog; the input exists once the photo screen is shown.
      setTimeout(() => document.getElementById("photo-code-file")?.click(), 0);
    },
  },
];
