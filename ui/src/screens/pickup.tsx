import { ComingSoon } from "./coming-soon";

/** Registered in the screen registry; its work is not enabled yet. */
export function PickupScreen() {
  return <ComingSoon />;
}
