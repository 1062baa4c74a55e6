/**
 * The desk's shared state (one store) and the actions that change it: session, connection,
 * language, the current screen and the customer's visit with its photo. Screens read the store
 * with `useDesk`/`useDeskState` and call these actions; none of them keeps its own copy.
 */
import { createContext } from "preact";
import { useContext } from "preact/hooks";
import { Channel } from "@tauri-apps/api/core";
import type { ConnectionView, PhotoDecisionView, PhotoView, SessionEndReason, SessionEvent, SessionView, SyncView, UiError, UpdateView, commands } from "./bindings";
import { ApplicationActions, emptyApplication, type ApplicationState } from "./application";
import { drawPreview } from "./camera";
import { germanToIso, isoToGerman } from "./dates";
import type { DeskEvents, Unlisten } from "./events";
import { asUiError, type Lang, type MessageKey } from "./messages";
import { createStore, useStore, type Store } from "./store";

export type DeskApi = typeof commands;

export type ScreenId = "customer" | "application" | "pickup" | "box" | "queue";

/** Makes the channel the camera previews arrive on; tests pass their own. */
export type PreviewChannelFactory = (onFrame: (frame: ArrayBuffer) => void) => Channel<ArrayBuffer>;

const tauriChannel: PreviewChannelFactory = (onFrame) => new Channel<ArrayBuffer>(onFrame);

/** Activity keeps the session alive, but one call per this many milliseconds is enough. */
export const TOUCH_EVERY_MS = 15_000;

/** At most every `TOUCH_EVERY_MS`, and often enough for a short idle time (a quarter of it). */
export function touchEvery(idleTimeoutSeconds: number): number {
  return Math.max(1_000, Math.min(TOUCH_EVERY_MS, (idleTimeoutSeconds * 1000) / 4));
}

/** Something to tell the clerk: an error from the desk (shown by its code) or a message of ours. */
export type Problem = { error: UiError } | { message: MessageKey };

export interface PhotoState {
  busy: boolean;
  problem: Problem | null;
  photo: PhotoView | null;
  decision: PhotoDecisionView | null;
  keep: boolean;
  /** As the clerk typed it, TT.MM.JJJJ. */
  keepUntil: string;
  /** The webcam is looking for a code. */
  camera: boolean;
  /** F8 was pressed once on a photo that failed a check; the next F8 accepts it anyway. */
  confirmAccept: boolean;
}

/** The customer at the counter: what has been decided for them so far. */
export interface Visit {
  /** The photo decision (accepted or rejected) of this visit. */
  photo: PhotoDecisionView | null;
  /** The accepted photo itself, shown beside the application form until the visit ends (biometric: never kept longer). */
  photoImage: string | null;
  /** Not used: the application of the visit lives in `DeskState.application`. */
  application: null;
  /** Counter or pickup box (not yet enabled). */
  pickup: null;
  /** F10 was pressed once while a photo was still undecided; the next F10 finishes anyway. */
  confirmFinish: boolean;
}

export interface DeskState {
  lang: Lang;
  session: SessionView | null;
  connection: ConnectionView | null;
  /** The outbox and the sync engine: pending changes, progress, last sync, rejections. */
  sync: SyncView | null;
  /** A newer release of the desk app: found, waiting for an idle desk, or installed for the next start. */
  update: UpdateView | null;
  /** The list of rejected changes is open. */
  rejectionsOpen: boolean;
  /** Logout was asked for while changes were still pending: the next Ctrl+Q logs out anyway. */
  confirmLogout: boolean;
  /** The desk core could not start (configuration, certificate): what to tell IT. */
  startupError: UiError | null;
  /** Shown on the login screen: why the last session ended. */
  loginNotice: MessageKey | null;
  screen: ScreenId;
  help: boolean;
  visit: Visit;
  /** The last visit was finished with F10 and nothing has happened since. */
  visitFinished: boolean;
  photo: PhotoState;
  /** The application form of this visit and the list of the desk's applications. */
  application: ApplicationState;
  /** The scanner typed with a US layout: told once per session, shown until dismissed. */
  scannerLayout: { told: boolean; shown: boolean };
}

/** Six months is the cloud's limit; four weeks covers a second application. Shown as TT.MM.JJJJ. */
export function defaultKeepUntil(now = new Date()): string {
  const date = new Date(now.getTime() + 28 * 24 * 3600 * 1000);
  return isoToGerman(date.toISOString().slice(0, 10));
}

export function emptyPhoto(): PhotoState {
  return { busy: false, problem: null, photo: null, decision: null, keep: false, keepUntil: defaultKeepUntil(), camera: false, confirmAccept: false };
}

export function emptyVisit(): Visit {
  return { photo: null, photoImage: null, application: null, pickup: null, confirmFinish: false };
}

function storedLang(): Lang {
  try {
    return localStorage.getItem("schalter.lang") === "en" ? "en" : "de";
  } catch {
    return "de";
  }
}

export function initialState(lang: Lang = storedLang()): DeskState {
  return {
    lang,
    session: null,
    connection: null,
    sync: null,
    update: null,
    rejectionsOpen: false,
    confirmLogout: false,
    startupError: null,
    loginNotice: null,
    screen: "customer",
    help: false,
    visit: emptyVisit(),
    visitFinished: false,
    photo: emptyPhoto(),
    application: emptyApplication(),
    scannerLayout: { told: false, shown: false },
  };
}

/** Error codes after which the desk core has no session any more. */
const SESSION_GONE = new Set(["session_expired", "unauthenticated", "not_logged_in"]);

export interface DeskOptions {
  previewChannel?: PreviewChannelFactory;
  /** Milliseconds, monotonic; tests pass their own clock. */
  now?: () => number;
}

export class Desk {
  readonly store: Store<DeskState>;
  readonly photo: PhotoActions;
  readonly application: ApplicationActions;
  private readonly now: () => number;
  /** Bumped whenever a session begins or ends: answers meant for an older one are dropped. */
  private sessionGeneration = 0;
  private lastTouch = -Infinity;
  /** An event or a login came before the first read: that read is older and must not win. */
  private sessionKnown = false;
  private connectionKnown = false;
  private syncKnown = false;
  /** The window ended the session on its own inference (touch answered null, a command said
   * session_expired): the desk core's event, when it comes, knows the true reason. */
  private endInferred = false;

  constructor(
    readonly api: DeskApi,
    private readonly events: DeskEvents,
    options: DeskOptions = {},
  ) {
    this.store = createStore(initialState());
    this.now = options.now ?? (() => performance.now());
    this.photo = new PhotoActions(this, options.previewChannel ?? tauriChannel);
    this.application = new ApplicationActions(this);
  }

  get state(): DeskState {
    return this.store.get();
  }

  /** Subscribes to the desk core's events, then reads the state once. Returns the stop function. */
  start(): () => void {
    let stopped = false;
    const unlisten: Unlisten[] = [];
    const keep = (promise: Promise<Unlisten>) =>
      promise.then(
        (fn) => (stopped ? fn() : unlisten.push(fn)),
        () => undefined,
      );
    void keep(
      this.events.onConnection((view) => {
        this.connectionKnown = true;
        this.store.set({ connection: view, startupError: null });
      }),
    );
    void keep(this.events.onSession((event) => this.onSessionEvent(event)));
    void keep(
      this.events.onSync((view) => {
        this.syncKnown = true;
        this.store.set({ sync: view });
        // A sync may have brought final numbers or statuses.
        if (this.state.session && this.state.screen === "application") void this.application.search(this.state.application.query);
      }),
    );
    void keep(this.events.onPhoto((view) => this.photo.arrived(view)));
    let updateKnown = false;
    void keep(
      this.events.onUpdate((view) => {
        updateKnown = true;
        this.store.set({ update: view });
      }),
    );
    void this.api.updateStatus().then(
      (view) => {
        if (!stopped && !updateKnown && view) this.store.set({ update: view });
      },
      () => undefined,
    );
    void this.api.syncStatus().then(
      (view) => {
        if (!stopped && !this.syncKnown) this.store.set({ sync: view });
      },
      () => undefined,
    );
    void this.api.connectionStatus().then(
      (view) => {
        if (!stopped && !this.connectionKnown) this.store.set({ connection: view, startupError: null });
      },
      (error) => {
        if (!stopped) this.store.set({ startupError: asUiError(error) });
      },
    );
    const generation = this.sessionGeneration;
    void this.api.currentSession().then(
      (session) => {
        if (!stopped && session && !this.sessionKnown && generation === this.sessionGeneration) this.loggedIn(session);
      },
      () => undefined,
    );
    return () => {
      stopped = true;
      for (const fn of unlisten.splice(0)) fn();
    };
  }

  toggleLang(): void {
    const next: Lang = this.state.lang === "de" ? "en" : "de";
    try {
      localStorage.setItem("schalter.lang", next);
    } catch {
      // A language that is not remembered is no reason to fail.
    }
    this.store.set({ lang: next });
  }

  /** Starts a sync round now instead of at the next tick; the result arrives as a sync event. */
  syncNow(): void {
    void this.api.syncNow().catch((error: unknown) => this.failed(error));
  }

  toggleRejections(show?: boolean): void {
    this.store.set((s) => ({ rejectionsOpen: show ?? !s.rejectionsOpen }));
  }

  toggleHelp(show?: boolean): void {
    this.store.set((s) => ({ help: show ?? !s.help }));
  }

  navigate(screen: ScreenId): void {
    if (!this.state.session) return;
    // The preview belongs to the photo screen; a camera nobody looks at is switched off.
    if (screen !== "customer") this.photo.stopCamera();
    this.store.set({ screen });
    if (screen === "application") {
      void this.application.check();
      void this.application.search(this.state.application.query);
    }
  }

  loggedIn(session: SessionView): void {
    this.endInferred = false;
    this.sessionGeneration += 1;
    this.sessionKnown = true;
    this.lastTouch = -Infinity;
    this.photo.reset();
    this.application.reset();
    this.store.set({
      session,
      loginNotice: null,
      screen: "customer",
      visit: emptyVisit(),
      visitFinished: false,
      scannerLayout: { told: false, shown: false },
    });
  }

  /** Ctrl+Q or the button: the login screen at once, the desk core told in the background. Changes not yet
   * sent stay in this clerk's store and leave with their next login here: the clerk is told so first. */
  async logout(): Promise<void> {
    if (!this.state.session) return;
    if ((this.state.sync?.pending ?? 0) > 0 && !this.state.confirmLogout) {
      this.store.set({ confirmLogout: true });
      return;
    }
    this.endSession(null);
    try {
      await this.api.logout();
    } catch {
      // The desk core forgets the session even when the central API cannot be told.
    }
  }

  /** The session is gone (expired, ended by the central API, logged out elsewhere). */
  sessionEnded(reason: SessionEndReason, inferred = false): void {
    if (!this.state.session) return;
    this.endSession(Desk.NOTICES[reason]);
    this.endInferred = inferred;
  }

  private static readonly NOTICES: Record<SessionEndReason, MessageKey | null> = {
    expired: "sessionExpired",
    ended_by_central: "sessionEndedByCentral",
    logged_out: null,
  };

  private endSession(notice: MessageKey | null): void {
    this.endInferred = false;
    this.store.set({ confirmLogout: false, rejectionsOpen: false });
    this.sessionGeneration += 1;
    this.sessionKnown = true;
    this.photo.reset();
    this.application.reset();
    this.store.set({
      session: null,
      loginNotice: notice,
      screen: "customer",
      help: false,
      visit: emptyVisit(),
      visitFinished: false,
      scannerLayout: { told: false, shown: false },
    });
  }

  private onSessionEvent(event: SessionEvent): void {
    this.sessionKnown = true;
    const current = this.state.session;
    if (event.session) {
      // Events refresh a session the window knows; logging in is only ever the login form's doing,
      // so a late event can never reopen the main screen after a logout.
      if (current && current.username === event.session.username) this.store.set({ session: event.session });
      return;
    }
    if (current) this.sessionEnded(event.reason ?? "expired");
    else if (this.endInferred && event.reason) {
      // The answer to a touch came before the event: the event says why the session really ended.
      this.endInferred = false;
      this.store.set({ loginNotice: Desk.NOTICES[event.reason] });
    }
  }

  /** The clerk did something: keep the session alive, at most once per `touchEvery(idle)`. */
  activity(): void {
    const current = this.state.session;
    if (!current) return;
    const now = this.now();
    if (now - this.lastTouch < touchEvery(current.idle_timeout_seconds)) return;
    this.lastTouch = now;
    const generation = this.sessionGeneration;
    this.api.touchSession().then(
      (session) => {
        if (generation !== this.sessionGeneration) return;
        if (session) this.store.set({ session });
        else this.sessionEnded("expired", true);
      },
      (error) => {
        if (generation === this.sessionGeneration) this.failed(error);
      },
    );
  }

  /** An error from any command: one that says the session is gone returns to the login screen. */
  failed(error: unknown): boolean {
    if (SESSION_GONE.has(asUiError(error).code)) {
      this.sessionEnded("expired", true);
      return true;
    }
    return false;
  }

  /** F10: the customer leaves. An undecided photo needs F10 twice. */
  finishVisit(): void {
    const { session, photo, visit } = this.state;
    if (!session) return;
    const undecided = photo.photo !== null || photo.busy;
    if (undecided && !visit.confirmFinish) {
      this.store.set({ visit: { ...visit, confirmFinish: true } });
      return;
    }
    this.photo.reset();
    this.application.reset();
    void this.api.clearPhoto().catch(() => null);
    this.store.set({ visit: emptyVisit(), visitFinished: true, screen: "customer" });
  }

  /** Any other key after a first F10 (or Ctrl+Q) withdraws the question. */
  cancelFinishQuestion(): void {
    const visit = this.state.visit;
    if (visit.confirmFinish) this.store.set({ visit: { ...visit, confirmFinish: false } });
  }

  cancelLogoutQuestion(): void {
    if (this.state.confirmLogout) this.store.set({ confirmLogout: false });
  }

  dismissScannerNotice(): void {
    this.store.set((s) => ({ scannerLayout: { ...s.scannerLayout, shown: false } }));
  }
}

/** The photo of the visit: fetch (scanner, typed, image file, camera), keep, accept, reject. */
export class PhotoActions {
  /** Bumped by every reset and every new code: a late answer for an older photo is dropped. */
  private generation = 0;
  private busy = false;
  private cameraOn = false;

  constructor(
    private readonly desk: Desk,
    private readonly previewChannel: PreviewChannelFactory,
  ) {}

  private get api(): DeskApi {
    return this.desk.api;
  }

  private get state(): PhotoState {
    return this.desk.store.get().photo;
  }

  private set(patch: Partial<PhotoState>): void {
    this.desk.store.set((s) => ({ photo: { ...s.photo, ...patch } }));
  }

  private fail(error: unknown): void {
    if (!this.desk.failed(error)) this.set({ busy: false, problem: { error: asUiError(error) } });
  }

  /** Forgets everything about the photo on screen (logout, session end, finished visit). */
  reset(): void {
    this.generation += 1;
    this.busy = false;
    this.stopCamera();
    this.desk.store.set({ photo: emptyPhoto() });
  }

  stopCamera(): void {
    if (this.cameraOn) void this.api.stopCamera().catch(() => null);
  }

  async fetch(code: string): Promise<void> {
    const text = code.trim();
    if (this.busy || !text || !this.desk.state.session) return;
    // A code from the scanner or the keyboard wins over the camera.
    this.stopCamera();
    this.busy = true;
    const generation = ++this.generation;
    // Nothing of the previous code stays on screen while this one loads or fails.
    this.desk.store.set((s) => ({
      photo: { ...emptyPhoto(), busy: true, keepUntil: s.photo.keepUntil, camera: s.photo.camera },
      visit: { ...s.visit, photo: null, photoImage: null, confirmFinish: false },
      visitFinished: false,
    }));
    try {
      const photo = await this.api.fetchPhoto(text);
      if (generation !== this.generation) return;
      this.set({ busy: false, photo });
      if (photo.keyboard_layout_corrected && !this.desk.state.scannerLayout.told) {
        this.desk.store.set({ scannerLayout: { told: true, shown: true } });
      }
    } catch (error) {
      if (generation === this.generation) this.fail(error);
    } finally {
      if (generation === this.generation) this.busy = false;
    }
  }

  /** The desk core fetched the visit's waiting code once the cloud was reachable: show it, unless the
   * clerk has moved on (another photo on screen or loading, a decision made, logged out). */
  arrived(view: PhotoView): void {
    const state = this.state;
    if (!this.desk.state.session || this.busy || state.photo || state.decision) return;
    this.generation += 1;
    this.set({ busy: false, problem: null, photo: view, confirmAccept: false });
  }

  async fetchFromImage(file: File): Promise<void> {
    if (this.busy) return;
    const generation = ++this.generation;
    this.desk.store.set((s) => ({
      photo: { ...emptyPhoto(), keepUntil: s.photo.keepUntil },
      visit: { ...s.visit, photo: null, photoImage: null, confirmFinish: false },
      visitFinished: false,
    }));
    let code: string;
    try {
      code = await this.api.readCodeImage(new Uint8Array(await file.arrayBuffer()));
    } catch (error) {
      if (generation === this.generation) this.fail(error);
      return;
    }
    if (generation === this.generation) await this.fetch(code);
  }

  async decide(accept: boolean): Promise<void> {
    const state = this.state;
    const photo = state.photo;
    if (this.busy || !photo) return;
    // The clerk may overrule the checks (operator veto), but not by one stray key press.
    if (accept && !photo.all_passed && !state.confirmAccept) {
      this.set({ confirmAccept: true });
      return;
    }
    const keepUntil = accept && state.keep ? germanToIso(state.keepUntil) : null;
    if (accept && state.keep && !keepUntil) {
      this.set({ problem: { message: "photoKeepDateInvalid" } });
      return;
    }
    this.busy = true;
    const generation = this.generation;
    this.set({ busy: true, problem: null });
    try {
      const decision = await this.api.decidePhoto({
        photo_id: photo.photo_id,
        accept,
        keep_until: keepUntil,
        override_failed_checks: accept && !photo.all_passed,
      });
      if (generation !== this.generation) return;
      this.desk.store.set((s) => ({
        photo: { ...s.photo, busy: false, decision, photo: null, confirmAccept: false },
        visit: { ...s.visit, photo: decision, photoImage: decision.accepted ? photo.image_data_url : null, confirmFinish: false },
      }));
    } catch (error) {
      if (generation === this.generation) this.fail(error);
    } finally {
      if (generation === this.generation) this.busy = false;
    }
  }

  /** Reads frames until the camera sees a code, then fetches it like a scanned one. */
  async startCamera(): Promise<void> {
    if (this.busy || this.cameraOn || !this.desk.state.session) return;
    this.cameraOn = true;
    const generation = this.generation;
    // A photo on screen stays until the camera has read a new code: F6 by mistake loses nothing.
    this.set({ camera: true, problem: null });
    const channel = this.previewChannel((frame) => {
      const canvas = document.getElementById("camera-preview");
      if (canvas instanceof HTMLCanvasElement) drawPreview(canvas, frame);
    });
    let code: string | null = null;
    try {
      code = await this.api.scanCamera(channel);
    } catch (error) {
      if (generation === this.generation) this.fail(error);
    } finally {
      this.cameraOn = false;
      this.set({ camera: false });
    }
    if (code && generation === this.generation) await this.fetch(code);
  }

  toggleCamera(): void {
    if (this.cameraOn) this.stopCamera();
    else void this.startCamera();
  }

  get cameraRunning(): boolean {
    return this.cameraOn;
  }

  toggleKeep(): void {
    this.set({ keep: !this.state.keep });
  }

  setKeepUntil(keepUntil: string): void {
    this.set({ keepUntil });
  }
}

export const DeskContext = createContext<Desk | null>(null);

export function useDesk(): Desk {
  const desk = useContext(DeskContext);
  if (!desk) throw new Error("useDesk outside <DeskContext.Provider>");
  return desk;
}

/** A part of the desk state; the component re-renders when that part changes. */
export function useDeskState<U>(select: (state: DeskState) => U): U {
  return useStore(useDesk().store, select);
}
