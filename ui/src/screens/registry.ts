/**
 * The screen registry: every screen of the desk with its id, function key, title, component and
 * its own key map, which is active only while that screen is shown. Global keys are in `keys.ts`.
 */
import type { ComponentType } from "preact";
import type { Desk, ScreenId } from "../desk";
import { GLOBAL_KEYS, chordOf, type KeyBinding, type KeyLike } from "../keys";
import type { MessageKey } from "../messages";
import { APPLICATION_KEYS, ApplicationScreen } from "./application";
import { BOX_KEYS, BoxScreen } from "./box";
import { CUSTOMER_KEYS, CustomerScreen } from "./customer";
import { PICKUP_KEYS, PickupScreen } from "./pickup";
import { QUEUE_KEYS, QueueScreen } from "./queue";

export interface ScreenDef {
  id: ScreenId;
  /** The function key that opens it, as `chordOf` writes it. */
  key: string;
  /** Title (the h1 of #section-content) and navigation label. */
  label: MessageKey;
  component: ComponentType;
  /** Active only while this screen is shown. */
  keys: readonly KeyBinding[];
}

export const SCREENS: readonly ScreenDef[] = [
  { id: "customer", key: "F2", label: "navCustomer", component: CustomerScreen, keys: CUSTOMER_KEYS },
  { id: "application", key: "F3", label: "navApplication", component: ApplicationScreen, keys: APPLICATION_KEYS },
  { id: "pickup", key: "F4", label: "navPickup", component: PickupScreen, keys: PICKUP_KEYS },
  { id: "box", key: "Shift+F4", label: "navBox", component: BoxScreen, keys: BOX_KEYS },
  { id: "queue", key: "F5", label: "navQueue", component: QueueScreen, keys: QUEUE_KEYS },
];

export function screenById(id: ScreenId): ScreenDef {
  return SCREENS.find((screen) => screen.id === id) ?? SCREENS[0];
}

/** F2–F5: one binding per screen, shown in the help as one row. */
export const NAVIGATION_KEYS: readonly KeyBinding[] = SCREENS.map((screen) => ({
  chords: [screen.key],
  label: screen.label,
  hidden: true,
  run: (desk: Desk) => desk.navigate(screen.id),
}));

/** The keys in force right now, global ones first. */
export function activeBindings(desk: Desk): readonly KeyBinding[] {
  const { session, screen } = desk.state;
  const global = [...NAVIGATION_KEYS, ...GLOBAL_KEYS];
  if (!session) return global.filter((binding) => binding.loggedOut);
  return [...global, ...screenById(screen).keys];
}

const MODIFIERS = ["Shift", "Control", "Alt", "Meta", "AltGraph"];

/** Runs the binding of this key, if any; true when the key was used (and must go no further). */
export function handleKey(desk: Desk, event: KeyLike): boolean {
  const chord = chordOf(event);
  if (chord !== "F10" && !MODIFIERS.includes(event.key)) desk.cancelFinishQuestion();
  if (chord !== "Ctrl+Q" && !MODIFIERS.includes(event.key)) desk.cancelLogoutQuestion();
  // Several bindings may share a key (Esc closes the help, else stops the camera): the first that acts wins.
  for (const binding of activeBindings(desk)) {
    if (binding.chords.includes(chord) && binding.run(desk, event) !== false) return true;
  }
  return false;
}
