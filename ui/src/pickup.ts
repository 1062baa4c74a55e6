/**
 * The pickup box's back office (issue 10): the state and actions of the »Ausgabebox« screen (the
 * compartments, the uncollected list, loading, taking back, clearing a lock, the second clerk's
 * confirmation) and of the »Abholung« screen (a ready document by its number, its handout). Every
 * action is a call to the central through the desk core; the views carry no names.
 */
import type {
  ApplicationView,
  ArrivalView,
  HandoutCandidateView,
  HandoutView,
  LoadedView,
  PickupOfficeView,
  UiError,
} from "./bindings";
import type { Desk } from "./desk";
import { asUiError } from "./messages";
import { createStore, type Store } from "./store";

export type OldDocumentChoice = "invalidated" | "souvenir" | "none";

/** What the last action of the »Ausgabebox« screen did, for its live region. */
export type BoxOutcome =
  | { kind: "loaded"; loaded: LoadedView; number: string }
  | { kind: "confirmed"; loaded: LoadedView; number: string }
  | { kind: "taken_back"; compartment: number; number: string }
  | { kind: "lock_cleared"; compartment: number; number: string };

export interface PickupState {
  office: PickupOfficeView | null;
  loadingOffice: boolean;
  /** The load form. */
  loadNumber: string;
  loadAccessible: boolean;
  loadBox: string;
  busy: boolean;
  boxOutcome: BoxOutcome | null;
  boxError: UiError | null;
  /** The »Abholung« screen. */
  searchNumber: string;
  candidate: HandoutCandidateView | null;
  oldDocument: OldDocumentChoice | null;
  pinLetterConfirmed: boolean;
  handedOut: HandoutView | null;
  handoutError: UiError | null;
  /** A handout was asked for without what it needs: the form says what is missing. */
  handoutIncomplete: boolean;
  /** A name search in this desk's own store: the applications ready for pickup that match. */
  matches: ApplicationView[] | null;
  matchesQuery: string;
  /** Marking a delivered document arrived (both screens). */
  arrivalNumber: string;
  arrival: ArrivalView | null;
  arrivalError: UiError | null;
}

/** What the clerk typed is a number (application or serial: both have digits), not a name. */
export function isNumberQuery(query: string): boolean {
  return /\d/.test(query);
}

export function emptyPickupState(): PickupState {
  return {
    office: null,
    loadingOffice: false,
    loadNumber: "",
    loadAccessible: false,
    loadBox: "",
    busy: false,
    boxOutcome: null,
    boxError: null,
    searchNumber: "",
    candidate: null,
    oldDocument: null,
    pinLetterConfirmed: false,
    handedOut: null,
    handoutError: null,
    handoutIncomplete: false,
    matches: null,
    matchesQuery: "",
    arrivalNumber: "",
    arrival: null,
    arrivalError: null,
  };
}

export class PickupActions {
  readonly store: Store<PickupState> = createStore(emptyPickupState());

  constructor(private readonly desk: Desk) {}

  get state(): PickupState {
    return this.store.get();
  }

  /** The central changed a status ("ready for pickup", "handed out"): a sync round brings it to this desk's list now. */
  private syncSoon(): void {
    void this.desk.api.syncNow().catch(() => null);
  }

  private failed(error: unknown): UiError {
    this.desk.failed(error);
    return asUiError(error);
  }

  /** The office's boxes and the uncollected list, fresh from the central. */
  async refresh(): Promise<void> {
    this.store.set({ loadingOffice: true });
    try {
      const office = await this.desk.api.pickupOffice();
      const loadBox = office.boxes.some((b) => b.box_id === this.state.loadBox) ? this.state.loadBox : (office.boxes[0]?.box_id ?? "");
      this.store.set({ office, loadBox, loadingOffice: false });
    } catch (error) {
      this.store.set({ loadingOffice: false, boxError: this.failed(error) });
    }
  }

  setLoad(patch: Partial<Pick<PickupState, "loadNumber" | "loadAccessible" | "loadBox">>): void {
    this.store.set(patch);
  }

  /** F12 on the »Ausgabebox« screen: the document goes into the compartment the central chooses. */
  async load(): Promise<void> {
    const { loadNumber, loadAccessible, loadBox, busy } = this.state;
    const number = loadNumber.trim();
    if (busy || !number || !loadBox) return;
    this.store.set({ busy: true, boxError: null, boxOutcome: null });
    try {
      const loaded = await this.desk.api.loadIntoBox({ application_number: number, box_id: loadBox, accessible: loadAccessible });
      this.store.set({ busy: false, boxOutcome: { kind: "loaded", loaded, number }, loadNumber: "", loadAccessible: false });
      this.syncSoon();
      await this.refresh();
    } catch (error) {
      this.store.set({ busy: false, boxError: this.failed(error) });
    }
  }

  private async compartmentAction(
    run: () => Promise<BoxOutcome>,
  ): Promise<void> {
    if (this.state.busy) return;
    this.store.set({ busy: true, boxError: null, boxOutcome: null });
    try {
      const boxOutcome = await run();
      this.store.set({ busy: false, boxOutcome });
      if (boxOutcome.kind === "confirmed") this.syncSoon();
      await this.refresh();
    } catch (error) {
      this.store.set({ busy: false, boxError: this.failed(error) });
    }
  }

  takeBack(applicationId: string, number: string): Promise<void> {
    return this.compartmentAction(async () => {
      const done = await this.desk.api.takeBack(applicationId);
      return { kind: "taken_back", compartment: done.compartment, number };
    });
  }

  clearLock(applicationId: string, number: string): Promise<void> {
    return this.compartmentAction(async () => {
      const done = await this.desk.api.clearLock(applicationId);
      return { kind: "lock_cleared", compartment: done.compartment, number };
    });
  }

  confirmLoad(applicationId: string, number: string): Promise<void> {
    return this.compartmentAction(async () => {
      const loaded = await this.desk.api.confirmLoad(applicationId);
      return { kind: "confirmed", loaded, number };
    });
  }

  setSearch(searchNumber: string): void {
    this.store.set({ searchNumber });
  }

  /** Enter in the »Abholung« search: a number (application or serial) asks the central; a name is
   * looked up in this desk's own encrypted store (no name goes to the central), and its matches
   * that are ready for pickup are listed to choose from. */
  async search(): Promise<void> {
    const query = this.state.searchNumber.trim();
    if (!query || this.state.busy) return;
    if (isNumberQuery(query)) return this.find();
    this.store.set({ busy: true, candidate: null, handedOut: null, handoutError: null, matches: null, matchesQuery: query });
    try {
      const found = await this.desk.api.applications(query);
      const matches = found.filter((a) => a.status === "ready_for_pickup" && a.application_number !== null);
      this.store.set({ busy: false, matches });
    } catch (error) {
      this.store.set({ busy: false, handoutError: this.failed(error) });
    }
  }

  /** A match chosen from the name search: the existing find by its application number. */
  async choose(application: ApplicationView): Promise<void> {
    if (!application.application_number) return;
    this.store.set({ searchNumber: application.application_number });
    await this.find();
  }

  /** The ready document by its application number or serial. */
  async find(): Promise<void> {
    const number = this.state.searchNumber.trim();
    if (!number || this.state.busy) return;
    this.store.set({ busy: true, candidate: null, matches: null, handedOut: null, handoutError: null, handoutIncomplete: false, oldDocument: null, pinLetterConfirmed: false });
    try {
      const candidate = await this.desk.api.findReadyDocument(number);
      this.store.set({ busy: false, candidate, oldDocument: candidate.has_old_document ? null : "none" });
    } catch (error) {
      this.store.set({ busy: false, handoutError: this.failed(error) });
    }
  }

  setHandout(patch: Partial<Pick<PickupState, "oldDocument" | "pinLetterConfirmed">>): void {
    this.store.set({ ...patch, handoutIncomplete: false });
  }

  /** Everything the handout needs is recorded: the old document's fate, the PIN letter for ID cards. */
  handoutReady(): boolean {
    const { candidate, oldDocument, pinLetterConfirmed } = this.state;
    if (!candidate || !oldDocument) return false;
    return !candidate.pin_letter_required || pinLetterConfirmed;
  }

  /** F12 on the »Abholung« screen: records the handout. */
  async handOut(): Promise<void> {
    const { candidate, oldDocument, pinLetterConfirmed, busy } = this.state;
    if (!candidate || busy) return;
    if (!this.handoutReady() || !oldDocument) {
      this.store.set({ handoutIncomplete: true });
      return;
    }
    this.store.set({ busy: true, handoutError: null });
    try {
      const handedOut = await this.desk.api.handOut({ application_id: candidate.application_id, old_document: oldDocument, pin_letter_confirmed: pinLetterConfirmed });
      this.store.set({ busy: false, handedOut, candidate: null, searchNumber: "", oldDocument: null, pinLetterConfirmed: false });
      this.syncSoon();
    } catch (error) {
      this.store.set({ busy: false, handoutError: this.failed(error) });
    }
  }

  setArrival(arrivalNumber: string): void {
    this.store.set({ arrivalNumber });
  }

  /** A delivered document arrived (its serial scanned, or its number typed): a counter document becomes
   * ready for pickup; for a box document the load form gets its number. */
  async markArrived(): Promise<ArrivalView | null> {
    const number = this.state.arrivalNumber.trim();
    if (!number || this.state.busy) return null;
    this.store.set({ busy: true, arrival: null, arrivalError: null });
    try {
      const arrival = await this.desk.api.markArrived(number);
      const patch: Partial<PickupState> = { busy: false, arrival, arrivalNumber: "" };
      if (arrival.outcome === "load_into_box") patch.loadNumber = arrival.application_number;
      this.store.set(patch);
      if (arrival.outcome === "ready_at_counter" && !arrival.already_marked) this.syncSoon();
      return arrival;
    } catch (error) {
      this.store.set({ busy: false, arrivalError: this.failed(error) });
      return null;
    }
  }

  reset(): void {
    this.store.set(emptyPickupState());
  }
}

const ACTIONS = new WeakMap<Desk, PickupActions>();

/** The pickup actions of this desk (one per window). */
export function pickupActions(desk: Desk): PickupActions {
  let actions = ACTIONS.get(desk);
  if (!actions) {
    actions = new PickupActions(desk);
    ACTIONS.set(desk, actions);
  }
  return actions;
}
