/** The desk's keyboard map. Function keys work whatever field has focus. */

export type Section = "customer" | "application" | "pickup" | "queue";

export const SECTIONS: { id: Section; key: string; label: "navCustomer" | "navApplication" | "navPickup" | "navQueue" }[] = [
  { id: "customer", key: "F2", label: "navCustomer" },
  { id: "application", key: "F3", label: "navApplication" },
  { id: "pickup", key: "F4", label: "navPickup" },
  { id: "queue", key: "F5", label: "navQueue" },
];

export type ShortcutAction =
  | { kind: "navigate"; section: Section }
  | { kind: "logout" }
  | { kind: "toggleLanguage" }
  | { kind: "toggleHelp" }
  | { kind: "photoAccept" }
  | { kind: "photoReject" }
  | { kind: "photoKeep" }
  | { kind: "openCodeImage" }
  | { kind: "camera" }
  | { kind: "cancel" };

export interface KeyLike {
  key: string;
  ctrlKey: boolean;
  altKey: boolean;
  shiftKey: boolean;
  metaKey: boolean;
}

export function shortcutFor(event: KeyLike): ShortcutAction | null {
  const plain = !event.ctrlKey && !event.altKey && !event.metaKey;
  if (plain) {
    const section = SECTIONS.find((s) => s.key === event.key);
    if (section) {
      return { kind: "navigate", section: section.id };
    }
    if (event.key === "F1") {
      return { kind: "toggleHelp" };
    }
    const photo: Record<string, ShortcutAction> = {
      F6: { kind: "camera" },
      Escape: { kind: "cancel" },
      F7: { kind: "photoKeep" },
      F8: { kind: "photoAccept" },
      F9: { kind: "photoReject" },
    };
    if (photo[event.key]) {
      return photo[event.key];
    }
  }
  if (event.ctrlKey && !event.altKey && !event.shiftKey && event.key.toLowerCase() === "q") {
    return { kind: "logout" };
  }
  if (event.ctrlKey && !event.altKey && !event.shiftKey && event.key.toLowerCase() === "o") {
    return { kind: "openCodeImage" };
  }
  if (event.altKey && !event.ctrlKey && event.key.toLowerCase() === "s") {
    return { kind: "toggleLanguage" };
  }
  return null;
}
