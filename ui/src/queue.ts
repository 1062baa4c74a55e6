/**
 * The counter queue (issue 11): the state and actions of the »Warteschlange« screen (F5). Today's
 * appointments and tickets of the office come from the desk core (the last pull plus this desk's own
 * actions, so it works offline); every action is a `queue.*` mutation the core syncs at once. When the
 * central refuses one (another desk called the ticket first), the core puts the ticket back and rejects
 * with the central's code, which the screen shows as a refusal by the central.
 */
import type { QueueTicketView, QueueView, UiError } from "./bindings";
import type { Desk } from "./desk";
import { asUiError, type MessageKey } from "./messages";
import { createStore, type Store } from "./store";

/** The services of `crates/appointments/src/duesseldorf.toml` a walk-in can come for, in the order offered. */
export const WALK_IN_SERVICES = ["personalausweis", "reisepass", "personalausweis-und-reisepass", "abholung"] as const;

/** A service id in words; an unknown id as it is. */
export function serviceKey(serviceId: string): MessageKey | null {
  return (WALK_IN_SERVICES as readonly string[]).includes(serviceId) ? (`queueService.${serviceId}` as MessageKey) : null;
}

/** An action on the current ticket, as `Desk::queue_act` names it. */
export type QueueActionName = "recall" | "missed" | "serve" | "park" | "resume" | "forward" | "finish";

/** What the last action did, for the screen's live region. */
export type QueueOutcome =
  | { kind: "checked_in"; ticket: QueueTicketView }
  | { kind: "called"; ticket: QueueTicketView }
  | { kind: QueueActionName; ticket: QueueTicketView };

/** Codes the central answers when another desk was faster: the list is stale, not the clerk wrong. */
const CENTRAL_REFUSALS = new Set(["queue_ticket_taken", "queue_not_your_ticket", "queue_already_checked_in"]);

export interface QueueState {
  view: QueueView | null;
  loading: boolean;
  busy: boolean;
  walkInService: string;
  /** The booking code field (as the citizen shows it, `K7QX-M2PA`). */
  code: string;
  /** The forward form of the current ticket. */
  forwardOpen: boolean;
  forwardPlace: string;
  forwardService: string;
  /** »Nächste aufrufen« while this place still has someone: the question is open. */
  confirmCall: boolean;
  outcome: QueueOutcome | null;
  error: UiError | null;
  /** The error is the central's refusal of an action this desk had already applied (and has undone). */
  refusedByCentral: boolean;
}

export function emptyQueueState(): QueueState {
  return {
    view: null,
    loading: false,
    busy: false,
    walkInService: WALK_IN_SERVICES[0],
    code: "",
    forwardOpen: false,
    forwardPlace: "",
    forwardService: "",
    confirmCall: false,
    outcome: null,
    error: null,
    refusedByCentral: false,
  };
}

export class QueueActions {
  readonly store: Store<QueueState> = createStore(emptyQueueState());
  /** Bumped by every reset: a late answer for the last session is dropped. */
  private generation = 0;

  constructor(private readonly desk: Desk) {
    // Logged out or the session ended: the list (with the appointments' names) is forgotten.
    desk.store.subscribe((state) => {
      const { view, outcome, error } = this.state;
      if (!state.session && (view || outcome || error)) this.reset();
    });
  }

  get state(): QueueState {
    return this.store.get();
  }

  private fail(error: unknown): void {
    if (this.desk.failed(error)) {
      this.store.set({ busy: false });
      return;
    }
    const uiError = asUiError(error);
    this.store.set({ busy: false, error: uiError, refusedByCentral: CENTRAL_REFUSALS.has(uiError.code) });
  }

  /** Today's queue as this desk knows it. */
  async refresh(): Promise<void> {
    const generation = this.generation;
    this.store.set({ loading: true });
    try {
      const view = await this.desk.api.queueToday();
      // An answer from before a logout is dropped.
      if (generation === this.generation) this.store.set({ view, loading: false });
    } catch (error) {
      if (generation !== this.generation) return;
      this.store.set({ loading: false });
      this.fail(error);
    }
  }

  set(patch: Partial<Pick<QueueState, "walkInService" | "code" | "forwardPlace" | "forwardService">>): void {
    this.store.set(patch);
  }

  /** Runs one action; afterwards (done or refused) the list is read again. */
  private async run(action: () => Promise<QueueOutcome>, patch: Partial<QueueState> = {}): Promise<boolean> {
    if (this.state.busy) return false;
    this.store.set({ busy: true, error: null, refusedByCentral: false, outcome: null });
    let done = false;
    try {
      const outcome = await action();
      this.store.set({ busy: false, outcome, ...patch });
      done = true;
    } catch (error) {
      this.fail(error);
    }
    await this.refresh();
    return done;
  }

  checkInWalkIn(): Promise<boolean> {
    const serviceId = this.state.walkInService;
    if (!serviceId) return Promise.resolve(false);
    return this.run(async () => ({ kind: "checked_in", ticket: await this.desk.api.queueCheckInWalkIn(serviceId) }));
  }

  checkInAppointment(bookingId: string): Promise<boolean> {
    return this.run(async () => ({ kind: "checked_in", ticket: await this.desk.api.queueCheckInAppointment(bookingId) }));
  }

  /** Enter in the booking-code field (typed or scanned); an empty field does nothing. */
  checkInCode(): Promise<boolean> {
    const code = this.state.code.trim();
    if (!code) return Promise.resolve(false);
    return this.run(async () => ({ kind: "checked_in", ticket: await this.desk.api.queueCheckInCode(code) }), { code: "" });
  }

  /** »Nächste aufrufen«: while this place still has someone, the core answers `queue_still_serving` and
   * the clerk is asked first; `confirmed` calls anyway (the one served is parked, the one called missed). */
  async callNext(confirmed = false): Promise<void> {
    if (this.state.busy) return;
    this.store.set({ busy: true, error: null, refusedByCentral: false, outcome: null, confirmCall: false });
    try {
      const ticket = await this.desk.api.queueCallNext(confirmed);
      this.store.set({ busy: false, outcome: { kind: "called", ticket }, forwardOpen: false });
    } catch (error) {
      if (asUiError(error).code === "queue_still_serving" && !confirmed) {
        this.store.set({ busy: false, confirmCall: true });
        return;
      }
      this.fail(error);
    }
    await this.refresh();
  }

  cancelCall(): void {
    this.store.set({ confirmCall: false });
  }

  /** An action on a ticket at this place (the current one, or a parked one to resume). */
  act(ticketId: string, action: QueueActionName): Promise<boolean> {
    return this.run(async () => ({ kind: action, ticket: await this.desk.api.queueAct(ticketId, action, null, null) }), {
      forwardOpen: false,
    });
  }

  openForward(open = true): void {
    this.store.set({ forwardOpen: open, forwardPlace: "", forwardService: "", error: null, refusedByCentral: false });
  }

  /** To another place and/or service; with neither the core answers `queue_forward_target_missing`. */
  forward(ticketId: string): Promise<boolean> {
    const toPlace = this.state.forwardPlace.trim() || null;
    const toService = this.state.forwardService || null;
    return this.run(async () => ({ kind: "forward", ticket: await this.desk.api.queueAct(ticketId, "forward", toPlace, toService) }), {
      forwardOpen: false,
      forwardPlace: "",
      forwardService: "",
    });
  }

  reset(): void {
    this.generation += 1;
    this.store.set(emptyQueueState());
  }
}

const ACTIONS = new WeakMap<Desk, QueueActions>();

/** The queue actions of this desk (one per window). */
export function queueActions(desk: Desk): QueueActions {
  let actions = ACTIONS.get(desk);
  if (!actions) {
    actions = new QueueActions(desk);
    ACTIONS.set(desk, actions);
  }
  return actions;
}
