/**
 * The application form (Antrag, F3): what the clerk typed, the desk core's live check of it (field errors, fee,
 * rules), the summary the clerk confirms with F12, and the list of this desk's applications with their search.
 * The rules live in Rust (`schalter_application`); this only asks and shows.
 */
import type { ApplicationCheckView, ApplicationDraft, ApplicationView, BiometricsView, ReceiptView } from "./bindings";
import type { Desk, DeskApi, Problem } from "./desk";
import { asUiError } from "./messages";

export type DraftKey = keyof ApplicationDraft;

/** What became of the last receipt the clerk saved or printed (shown in `#receipt-status`, a live region). */
export type ReceiptStatus =
  | { kind: "saving" | "printing"; number: string | null }
  | { kind: "saved"; number: string; path: string }
  | { kind: "cancelled"; number: string }
  | { kind: "print_opened"; number: string };

export interface ApplicationState {
  draft: ApplicationDraft;
  /** Fields the clerk has been in: their errors show. After a first F12 every error shows. */
  touched: DraftKey[];
  showAll: boolean;
  check: ApplicationCheckView | null;
  /** The summary is open; F12 (or its button) again records the application. */
  summary: boolean;
  busy: boolean;
  problem: Problem | null;
  /** The application recorded last in this visit. */
  last: ApplicationView | null;
  query: string;
  list: ApplicationView[];
  receiptStatus: ReceiptStatus | null;
  /** The receipt the print view shows (the same text as its PDF); only `@media print` shows it. */
  printReceipt: ReceiptView | null;
  /** The form corrects this application the producer rejected (its number and the producer's reason). */
  correcting: Correction | null;
  /** The last recording was a correction. */
  lastCorrected: boolean;
  /** The visit's fingerprints and signature as the desk core holds them (forgotten with the visit). */
  biometrics: BiometricsView;
  /** A device is capturing now. */
  capturing: "fingerprints" | "signature" | null;
}

export function emptyBiometrics(): BiometricsView {
  return { left: null, right: null, signature_preview: null };
}

export interface Correction {
  applicationId: string;
  number: string;
  reason: string | null;
}

export function emptyDraft(): ApplicationDraft {
  return {
    document_kind: "id_card",
    family_name: "",
    birth_name: null,
    given_names: "",
    doctoral_degree: null,
    religious_name: null,
    date_of_birth: "",
    place_of_birth: "",
    sex: null,
    height: "",
    eye_colour: "",
    no_residence_in_germany: false,
    street: null,
    postal_code: null,
    place: null,
    nationality: "deutsch",
    current_document_kind: null,
    current_document_serial: null,
    custodian_family_name: null,
    custodian_given_names: null,
    pickup: "counter",
    mobile_number: null,
    pickup_consent: false,
    photo_in_office: false,
    pin_letter_handed_over: false,
  };
}

export function emptyApplication(): ApplicationState {
  return { draft: emptyDraft(), touched: [], showAll: false, check: null, summary: false, busy: false, problem: null, last: null, query: "", list: [], receiptStatus: null, printReceipt: null, correcting: null, lastCorrected: false, biometrics: emptyBiometrics(), capturing: null };
}

export class ApplicationActions {
  /** Answers of the live check arrive in any order: only the newest counts. */
  private checkGeneration = 0;
  private listGeneration = 0;

  constructor(private readonly desk: Desk) {}

  /** Opens the print dialog (WebKitGTK: the GTK one); tests replace it. */
  print: () => void = () => window.print();

  private get api(): DeskApi {
    return this.desk.api;
  }

  get state(): ApplicationState {
    return this.desk.state.application;
  }

  private set(patch: Partial<ApplicationState>): void {
    this.desk.store.set((s) => ({ application: { ...s.application, ...patch } }));
  }

  /** A new visit or session: an empty form (the list is read again when the screen opens). */
  reset(): void {
    this.checkGeneration += 1;
    this.listGeneration += 1;
    this.desk.store.set({ application: emptyApplication() });
  }

  setField<K extends DraftKey>(key: K, value: ApplicationDraft[K]): void {
    const state = this.state;
    const draft = { ...state.draft, [key]: value };
    const touched = state.touched.includes(key) ? state.touched : [...state.touched, key];
    this.set({ draft, touched, summary: false, problem: null });
    void this.check(draft);
  }

  /** Marks a field as visited (its error shows from now on). */
  touch(key: DraftKey): void {
    if (!this.state.touched.includes(key)) this.set({ touched: [...this.state.touched, key] });
  }

  async check(draft: ApplicationDraft = this.state.draft): Promise<ApplicationCheckView | null> {
    const generation = ++this.checkGeneration;
    try {
      const check = await this.api.checkApplication(draft);
      if (generation === this.checkGeneration) this.set({ check });
      return check;
    } catch (error) {
      if (generation === this.checkGeneration && !this.desk.failed(error)) this.set({ problem: { error: asUiError(error) } });
      return null;
    }
  }

  /** F12: first the summary (or every error, if there are any), then the second F12 records it. */
  async confirm(): Promise<void> {
    const state = this.state;
    if (state.busy || !this.desk.state.session) return;
    if (state.summary) {
      await this.submit();
      return;
    }
    const check = await this.check(state.draft);
    if (!check) return;
    if (check.errors.length > 0) {
      this.set({ showAll: true, summary: false });
      return;
    }
    this.set({ summary: true, showAll: true });
  }

  /** Esc: back from the summary; otherwise out of a correction (the form empties). */
  closeSummary(): boolean {
    if (this.state.summary) {
      this.set({ summary: false });
      return true;
    }
    if (this.state.correcting) {
      this.checkGeneration += 1;
      this.set({ correcting: null, draft: emptyDraft(), touched: [], showAll: false, check: null, problem: null });
      return true;
    }
    return false;
  }

  /** F7: the fingerprint reader takes both hands (the rules say whether prints are taken at all). */
  captureFingerprints(): boolean {
    if (this.state.capturing || !this.desk.state.session || this.state.correcting) return false;
    void this.runCapture("fingerprints", () => this.api.captureFingerprints(this.state.draft));
    return true;
  }

  /** F8: the applicant signs on the pad; not under 10. */
  captureSignature(): boolean {
    if (this.state.capturing || !this.desk.state.session || this.state.correcting) return false;
    if (this.state.check?.rules?.signature === "not_under10") return false;
    void this.runCapture("signature", () => this.api.captureSignature());
    return true;
  }

  /** What the desk core holds for this visit (a new photo starts a new visit): read when the screen opens. */
  async refreshBiometrics(): Promise<void> {
    try {
      const biometrics = await this.api.biometrics();
      if (!this.state.capturing) this.set({ biometrics });
    } catch (error) {
      this.desk.failed(error);
    }
  }

  /** The clerk confirms that no print of this hand is possible. */
  async confirmNotPossible(hand: "left" | "right"): Promise<void> {
    try {
      this.set({ biometrics: await this.api.recordFingerprintNotPossible(hand), problem: null });
    } catch (error) {
      if (!this.desk.failed(error)) this.set({ problem: { error: asUiError(error) } });
    }
  }

  private async runCapture(what: "fingerprints" | "signature", capture: () => Promise<BiometricsView>): Promise<void> {
    this.set({ capturing: what, problem: null });
    try {
      this.set({ biometrics: await capture(), capturing: null });
    } catch (error) {
      this.set({ capturing: null });
      if (!this.desk.failed(error)) this.set({ problem: { error: asUiError(error) } });
    }
  }

  /** Opens the form with what was captured of an application the producer rejected, to correct and send it again. */
  async startCorrection(application: ApplicationView): Promise<void> {
    if (!application.correctable || this.state.busy) return;
    try {
      const draft = await this.api.applicationDraft(application.application_id);
      const number = application.application_number ?? application.provisional_number;
      this.set({ correcting: { applicationId: application.application_id, number, reason: application.status_reason }, draft, touched: [], showAll: true, summary: false, last: null, problem: null, receiptStatus: null });
      await this.check(draft);
    } catch (error) {
      if (!this.desk.failed(error)) this.set({ problem: { error: asUiError(error) } });
    }
  }

  private async submit(): Promise<void> {
    this.set({ busy: true, problem: null });
    try {
      const correcting = this.state.correcting;
      const recorded = correcting
        ? await this.api.correctApplication(correcting.applicationId, this.state.draft)
        : await this.api.submitApplication(this.state.draft);
      this.checkGeneration += 1;
      this.set({ busy: false, summary: false, last: recorded, lastCorrected: correcting !== null, correcting: null, draft: emptyDraft(), touched: [], showAll: false, check: null, receiptStatus: null });
      await this.search(this.state.query);
    } catch (error) {
      if (!this.desk.failed(error)) this.set({ busy: false, summary: false, problem: { error: asUiError(error) } });
    }
  }

  /** The application a receipt key means: the one recorded last in this visit. */
  private receiptTarget(applicationId?: string): string | null {
    return applicationId ?? this.state.last?.application_id ?? null;
  }

  /** Saves the receipt's PDF (the native save dialog, or the configured directory). False when there is none to save. */
  saveReceipt(applicationId?: string): boolean {
    const id = this.receiptTarget(applicationId);
    if (!id || this.state.receiptStatus?.kind === "saving" || !this.desk.state.session) return false;
    void this.runSave(id);
    return true;
  }

  private async runSave(id: string): Promise<void> {
    this.set({ receiptStatus: { kind: "saving", number: null }, problem: null });
    try {
      const saved = await this.api.saveReceipt(id);
      this.set({ receiptStatus: saved.path === null ? { kind: "cancelled", number: saved.number } : { kind: "saved", number: saved.number, path: saved.path } });
      // Making the receipt may have synced: the list and the notice show the number it carries.
      await this.search(this.state.query);
    } catch (error) {
      if (!this.desk.failed(error)) this.set({ receiptStatus: null, problem: { error: asUiError(error) } });
    }
  }

  /** Prints the receipt: its content into the print view, then the print dialog. False when there is none. */
  printReceipt(applicationId?: string): boolean {
    const id = this.receiptTarget(applicationId);
    if (!id || this.state.receiptStatus?.kind === "printing" || !this.desk.state.session) return false;
    void this.runPrint(id);
    return true;
  }

  private async runPrint(id: string): Promise<void> {
    this.set({ receiptStatus: { kind: "printing", number: null }, problem: null });
    try {
      const receipt = await this.api.receipt(id);
      this.set({ printReceipt: receipt, receiptStatus: { kind: "print_opened", number: receipt.number } });
      // The print view must be rendered before the dialog takes its picture of the page.
      await new Promise((resolve) => setTimeout(resolve, 0));
      this.print();
      await this.search(this.state.query);
    } catch (error) {
      if (!this.desk.failed(error)) this.set({ receiptStatus: null, problem: { error: asUiError(error) } });
    }
  }

  /** The desk's applications whose name or number contains `query` (offline too). */
  async search(query: string): Promise<void> {
    const generation = ++this.listGeneration;
    this.set({ query });
    try {
      const list = await this.api.applications(query);
      if (generation !== this.listGeneration) return;
      // The notice of the application just recorded shows its final number once the sync brought it.
      const recorded = this.state.last;
      const last = (recorded && list.find((a) => a.application_id === recorded.application_id)) ?? recorded;
      this.set({ list, last });
    } catch (error) {
      if (generation === this.listGeneration && !this.desk.failed(error)) this.set({ problem: { error: asUiError(error) } });
    }
  }
}
