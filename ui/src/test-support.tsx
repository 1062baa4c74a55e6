/** Shared by the Vitest files: a fake desk core, the window's events, and key/typing helpers. */
import { render, type VNode } from "preact";
import { act } from "preact/test-utils";
import { vi } from "vitest";
import type { Channel } from "@tauri-apps/api/core";
import type { ApplicationCheckView, ApplicationDraft, ApplicationView, BiometricsView, ConnectionView, HandoutArgs, HandoutCandidateView, LoadArgs, PhotoView, PickupOfficeView, QueueAppointmentView, QueueTicketView, ReceiptView, SessionView, SyncView } from "./bindings";
import { emptyDraft } from "./application";
import type { DeskApi } from "./desk";
import { ManualEvents } from "./events";

export const erika: SessionView = {
  display_name: "Erika Mustermann",
  username: "erika",
  role: "clerk",
  office_id: "05111000_01",
  office_name: "Bürgerbüro Dienstleistungszentrum",
  expires_at: "2026-11-28T12:00:00Z",
  absolute_expires_at: "2026-11-28T20:00:00Z",
  idle_timeout_seconds: 1800,
  offline: false,
};

export const online: ConnectionView = { online: true, central_url: "https://localhost", last_contact: "2026-11-28T09:05:07Z", last_sync: null };

export const PHOTO_ID = "0f8fad5b-d9cb-469f-a165-70867728950e";
export const CODE = "4gEkaHR0cHM6Ly9jbG91ZC5leGFtcGxlAAECAwQFBgcICQoLDA0ODw==";

export function photoView(code: string, patch: Partial<PhotoView> = {}): PhotoView {
  return {
    photo_id: PHOTO_ID,
    cloud_url: "https://cloud.example",
    algorithm: "AES-256-GCM",
    user_identifier: code.slice(0, 5),
    width: 1244,
    height: 1600,
    checks: [{ id: "min_size", passed: true, message: "Auflösung 1244 × 1600 Pixel (mindestens 1244 × 1600).", reason: "ok", params: { width: "1244", height: "1600", min_width: "1244", min_height: "1600" } }],
    all_passed: true,
    image_data_url: "data:image/jpeg;base64,AAAA",
    keyboard_layout_corrected: false,
    ...patch,
  };
}

export function failedPhoto(code: string): PhotoView {
  return photoView(code, {
    width: 622,
    height: 800,
    checks: [{ id: "min_size", passed: false, message: "Auflösung zu klein", reason: "too_small", params: { width: "622", height: "800", min_width: "1244", min_height: "1600" } }],
    all_passed: false,
  });
}

/** A 1 × 1 grey JPEG as data URL, standing in for the 900 × 132 signature. */
export const SIGNATURE_PREVIEW =
  "data:image/jpeg;base64,/9j/4AAQSkZJRgABAQAAAQABAAD/2wBDAAMCAgICAgMCAgIDAwMDBAYEBAQEBAgGBgUGCQgKCgkICQkKDA8MCgsOCwkJDRENDg8QEBEQCgwSExIQEw8QEBD/wAALCAABAAEBAREA/8QAFAABAAAAAAAAAAAAAAAAAAAACf/EABQQAQAAAAAAAAAAAAAAAAAAAAD/2gAIAQEAAD8AKp//2Q==";

export function fakeApi(login: DeskApi["login"] = vi.fn(async () => erika)): DeskApi {
  let visit: BiometricsView = { left: null, right: null, signature_preview: null };
  return {
    login,
    logout: vi.fn(async () => null),
    currentSession: vi.fn(async () => null),
    connectionStatus: vi.fn(async () => online),
    checkConnection: vi.fn(async () => online),
    fetchPhoto: vi.fn(async (code: string) => photoView(code)),
    readCodeImage: vi.fn(async () => "4gEkaHR0cHM6Ly9jbG91ZC5leGFtcGxl"),
    scanCamera: vi.fn(async () => null),
    stopCamera: vi.fn(async () => null),
    decidePhoto: vi.fn(async (args) => ({ photo_id: args.photo_id, accepted: args.accept, deleted_in_cloud: args.accept && !args.keep_until, kept_until: args.keep_until, checks_overridden: args.override_failed_checks })),
    touchSession: vi.fn(async () => erika),
    clearPhoto: vi.fn(async () => null),
    syncNow: vi.fn(async () => syncView()),
    syncStatus: vi.fn(async () => syncView()),
    updateStatus: vi.fn(async () => null),
    checkApplication: vi.fn(async (draft: ApplicationDraft) => checkView(draft)),
    submitApplication: vi.fn(async (draft: ApplicationDraft) => applicationView(draft)),
    applications: vi.fn(async () => []),
    applicationDraft: vi.fn(async () => ({ ...emptyDraft(), document_kind: "id_card", family_name: "Mustermann", given_names: "Leon", date_of_birth: "03.04.1990", place_of_birth: "Berlin", height: "180", eye_colour: "blau", street: "Heidestraße 17", postal_code: "51147", place: "Köln", pin_letter_handed_over: true })),
    correctApplication: vi.fn(async (applicationId: string, draft: ApplicationDraft) => applicationView(draft, { application_id: applicationId, application_number: "05111000_01-2026-000002", status: "pending" })),
    receipt: vi.fn(async (applicationId: string) => receiptView(applicationId)),
    saveReceipt: vi.fn(async (applicationId: string) => {
      const receipt = receiptView(applicationId);
      return { application_id: applicationId, number: receipt.number, provisional: receipt.provisional, path: `/home/schalter/Quittungen/${receipt.file_name}` };
    }),
    // Like the desk core: one view of the visit, each capture changes its part.
    biometrics: vi.fn(async () => ({ ...visit })),
    captureFingerprints: vi.fn(async () => {
      visit = { ...visit, left: { outcome: "captured", finger: "left_index", quality: 72 }, right: { outcome: "captured", finger: "right_index", quality: 64 } };
      return { ...visit };
    }),
    recordFingerprintNotPossible: vi.fn(async (hand: "left" | "right") => {
      visit = { ...visit, [hand]: { outcome: "not_possible" } };
      return { ...visit };
    }),
    captureSignature: vi.fn(async () => {
      visit = { ...visit, signature_preview: SIGNATURE_PREVIEW };
      return { ...visit };
    }),
    pickupOffice: vi.fn(async () => pickupOfficeView()),
    findReadyDocument: vi.fn(async (number: string) => handoutCandidate({ application_number: number.trim() })),
    loadIntoBox: vi.fn(async (args: LoadArgs) => ({ application_id: BOX_APP_ID, box_id: args.box_id, compartment: 2, accessible: args.accessible, last_pickup_day: "2027-01-25", awaiting_confirmation: false })),
    confirmLoad: vi.fn(async (applicationId: string) => ({ application_id: applicationId, box_id: "dlz-box-1", compartment: 4, accessible: false, last_pickup_day: "2027-01-26", awaiting_confirmation: false })),
    takeBack: vi.fn(async (applicationId: string) => ({ application_id: applicationId, box_id: "dlz-box-1", compartment: 1, state: "free" })),
    clearLock: vi.fn(async (applicationId: string) => ({ application_id: applicationId, box_id: "dlz-box-1", compartment: 3, state: "loaded" })),
    handOut: vi.fn(async (args: HandoutArgs) => ({ application_id: args.application_id, application_number: "05111000_01-2027-000002", freed_compartment: 3 })),
    markArrived: vi.fn(async (number: string) => ({ application_id: "0193a1b2-0000-7000-8000-000000000007", application_number: number.trim(), document_kind: "passport32", outcome: "ready_at_counter", already_marked: false })),
    ...fakeQueue(),
  };
}

/** Erika Mustermann's appointment today at 09:30, booking code K7QX-M2PA. */
export const BOOKING_ID = "0193a1b2-0000-7000-8000-0000000000a1";

/** The desk core's queue as far as these tests need it: one office, this desk at »Platz 3«, the rules of
 * `schalter_appointments::queue` for the happy paths, `queue_still_serving` unless confirmed. */
export function fakeQueue(): Pick<DeskApi, "queueToday" | "queueCheckInWalkIn" | "queueCheckInAppointment" | "queueCheckInCode" | "queueCallNext" | "queueAct"> {
  const place = "Platz 3";
  let appointments: QueueAppointmentView[] = [{ booking_id: BOOKING_ID, time: "09:30", family_name: "Mustermann", service_id: "personalausweis" }];
  const tickets: QueueTicketView[] = [];
  const counters = { T: 0, W: 0 };
  const refuse = (code: string, message = code) => {
    throw { code, message };
  };
  const checkIn = (kind: "appointment" | "walk_in", serviceId: string, booking?: QueueAppointmentView): QueueTicketView => {
    const letter = kind === "appointment" ? "T" : "W";
    counters[letter] += 1;
    const ticket: QueueTicketView = {
      id: `0193a1b2-0000-7000-8000-0000000001${String(tickets.length).padStart(2, "0")}`,
      display_number: `${letter} ${String(counters[letter]).padStart(3, "0")}`,
      kind,
      service_id: serviceId,
      state: "waiting",
      call_count: 0,
      place: null,
      due_time: booking?.time ?? null,
      arrived_time: "09:12",
      family_name: booking?.family_name ?? null,
      booking_id: booking?.booking_id ?? null,
      pending: false,
    };
    tickets.push(ticket);
    appointments = appointments.filter((a) => a.booking_id !== booking?.booking_id);
    return { ...ticket };
  };
  const atPlace = () => tickets.find((t) => t.place === place && (t.state === "called" || t.state === "serving")) ?? null;
  const find = (id: string) => tickets.find((t) => t.id === id) ?? refuse("queue_unknown_ticket");
  const act = (id: string, action: string, toPlace: string | null = null, toService: string | null = null): QueueTicketView => {
    const ticket = find(id);
    const allowed: Record<string, string[]> = { recall: ["called"], missed: ["called"], serve: ["called"], park: ["serving"], resume: ["parked"], forward: ["called", "serving"], finish: ["called", "serving"] };
    if (!allowed[action]?.includes(ticket.state)) refuse("queue_invalid_transition");
    if (action === "recall") ticket.call_count += 1;
    if (action === "missed") Object.assign(ticket, { state: ticket.call_count >= 3 ? "missed" : "waiting", place: null });
    if (action === "serve") ticket.state = "serving";
    if (action === "park") ticket.state = "parked";
    if (action === "resume") Object.assign(ticket, { state: "serving", place, call_count: 0 });
    if (action === "forward") {
      if (!toPlace && !toService) refuse("queue_forward_target_missing");
      Object.assign(ticket, { state: "waiting", place: toPlace, call_count: 0, service_id: toService ?? ticket.service_id });
    }
    if (action === "finish") ticket.state = "finished";
    return { ...ticket };
  };
  return {
    queueToday: vi.fn(async () => {
      const current = atPlace();
      return { place, current: current && { ...current }, tickets: tickets.map((t) => ({ ...t })), appointments: appointments.map((a) => ({ ...a })) };
    }),
    queueCheckInWalkIn: vi.fn(async (serviceId: string) => checkIn("walk_in", serviceId)),
    queueCheckInAppointment: vi.fn(async (bookingId: string) => {
      const booking = appointments.find((a) => a.booking_id === bookingId) ?? refuse("queue_unknown_booking");
      return checkIn("appointment", booking.service_id, booking);
    }),
    queueCheckInCode: vi.fn(async (code: string) => {
      const booking = code.replace(/[\s-]/g, "").toUpperCase() === "K7QXM2PA" ? appointments.find((a) => a.booking_id === BOOKING_ID) : undefined;
      if (!booking) refuse("queue_unknown_booking");
      return checkIn("appointment", booking!.service_id, booking);
    }),
    queueCallNext: vi.fn(async (confirmed: boolean) => {
      const current = atPlace();
      if (current && !confirmed) refuse("queue_still_serving");
      if (current) act(current.id, current.state === "serving" ? "park" : "missed");
      const next = tickets.find((t) => t.state === "waiting" && (t.place === null || t.place === place)) ?? refuse("queue_nobody_waiting");
      Object.assign(next, { state: "called", place, call_count: next.call_count + 1 });
      return { ...next };
    }),
    queueAct: vi.fn(async (ticketId: string, action: string, toPlace: string | null, toServiceId: string | null) => act(ticketId, action, toPlace, toServiceId)),
  };
}

export const BOX_APP_ID = "0193a1b2-0000-7000-8000-0000000000b1";

/** The Dienstleistungszentrum's box: one compartment in each state the back office acts on. */
export function pickupOfficeView(patch: Partial<PickupOfficeView> = {}): PickupOfficeView {
  const compartment = (number: number, size: string, accessible: boolean, state: string, n: number | null, day: string | null) => ({
    number,
    size,
    accessible,
    state,
    application_id: n === null ? null : `0193a1b2-0000-7000-8000-00000000000${n}`,
    application_number: n === null ? null : `05111000_01-2027-00000${n}`,
    last_pickup_day: day,
  });
  return {
    four_eyes_loading: false,
    boxes: [
      {
        box_id: "dlz-box-1",
        name: "Dienstleistungszentrum",
        compartments: [
          compartment(1, "S", false, "expired", 1, "2027-01-25"),
          compartment(2, "M", true, "free", null, null),
          compartment(3, "M", false, "locked", 2, "2027-01-27"),
          compartment(4, "L", false, "awaiting_confirmation", 3, "2027-01-27"),
          compartment(5, "L", false, "loaded", 4, "2027-01-28"),
        ],
      },
    ],
    uncollected: [
      { application_id: "0193a1b2-0000-7000-8000-000000000001", application_number: "05111000_01-2027-000001", box_id: "dlz-box-1", compartment: 1, state: "expired", last_pickup_day: "2027-01-25" },
      { application_id: "0193a1b2-0000-7000-8000-000000000002", application_number: "05111000_01-2027-000002", box_id: "dlz-box-1", compartment: 3, state: "locked", last_pickup_day: "2027-01-27" },
    ],
    ...patch,
  };
}

/** An ID card still in compartment 3, with an old card on record. */
export function handoutCandidate(patch: Partial<HandoutCandidateView> = {}): HandoutCandidateView {
  return {
    application_id: "0193a1b2-0000-7000-8000-000000000002",
    application_number: "05111000_01-2027-000002",
    document_kind: "id_card",
    place: "compartment",
    box_id: "dlz-box-1",
    compartment: 3,
    has_old_document: true,
    pin_letter_required: true,
    ...patch,
  };
}

/** A receipt as the desk core makes it (final number, passport at the counter). */
export function receiptView(applicationId: string, number = "05111000_01-2026-000001"): ReceiptView {
  return {
    application_id: applicationId,
    number,
    provisional: false,
    file_name: `Quittung-${number}.pdf`,
    content: {
      office: "Bürgerbüro Düsseldorf-Süd",
      title: "Quittung über Ihren Antrag",
      details: [
        { label: "Antragsnummer", value: number },
        { label: "Antragsdatum", value: "01.12.2026" },
        { label: "Dokument", value: "Reisepass (32 Seiten)" },
        { label: "Abholung", value: "Am Schalter" },
      ],
      number_note: null,
      fee_heading: "Gebühren",
      fees: [{ label: "Reisepass", value: "70,00 €" }],
      total: { label: "Summe", value: "70,00 €" },
      notes_heading: "Hinweise",
      notes: ["Bitte bringen Sie zur Abholung diese Quittung mit."],
      footer: "Diese Quittung enthält keine persönlichen Daten: Die Antragsnummer bezeichnet Ihren Antrag. Bitte geben Sie sie bei Rückfragen an.",
    },
  };
}

/** The desk core's live check, as far as these tests need it: a family name is required; fee from the kind. */
export function checkView(draft: ApplicationDraft): ApplicationCheckView {
  const errors = draft.family_name.trim()
    ? []
    : [{ field: "family_name", code: "field_required", message: "Familienname: Bitte angeben.", message_en: "Family name: please enter." }];
  const passport = draft.document_kind.startsWith("passport");
  const known = draft.document_kind !== "" && draft.date_of_birth !== "";
  return {
    errors,
    fee: known
      ? {
          lines: [{ label: passport ? "Reisepass" : "Personalausweis", label_en: passport ? "Passport" : "ID card", amount: passport ? "70,00 €" : "46,00 €", amount_cents: passport ? 7000 : 4600 }],
          total: passport ? "70,00 €" : "46,00 €",
          total_cents: passport ? 7000 : 4600,
        }
      : null,
    rules: known
      ? { age: 62, validity: "ten_years", validity_months: 120, eid: passport ? "no_eid" : "on", fingerprints: "required", signature: "required", applies: "themselves", pin_letter: passport ? "none" : "hand_over_at_application" }
      : null,
    application_date: "2026-12-01",
  };
}

export function applicationView(draft: ApplicationDraft, patch: Partial<ApplicationView> = {}): ApplicationView {
  return {
    application_id: "0193a1b2-0000-7000-8000-000000000001",
    provisional_number: "V-5e6f-00001",
    application_number: null,
    status: "pending",
    status_reason: null,
    correctable: false,
    rejection: null,
    document_kind: draft.document_kind,
    family_name: draft.family_name,
    given_names: draft.given_names,
    date_of_birth: draft.date_of_birth,
    total: "70,00 €",
    captured_at: "2026-12-01T09:30:00Z",
    ...patch,
  };
}

/** The sync engine idle with nothing pending, or as patched. */
export function syncView(patch: Partial<SyncView> = {}): SyncView {
  return {
    online: true,
    phase: "idle",
    pending: 0,
    done: 0,
    total: 0,
    last_synced_at: null,
    last_error_code: null,
    rejected: [],
    pending_photo_fetch: false,
    ...patch,
  } as SyncView;
}

export const noChannel = () => ({}) as Channel<ArrayBuffer>;

/** A promise and the functions that settle it, for answers the test releases by hand. */
export function deferred<T>() {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => ((resolve = res), (reject = rej)));
  return { promise, resolve, reject };
}

export class Harness {
  readonly root: HTMLElement;
  readonly events = new ManualEvents();

  constructor() {
    this.root = document.createElement("div");
    document.body.appendChild(this.root);
  }

  $(selector: string): HTMLElement | null {
    return this.root.querySelector(selector);
  }

  text(selector: string): string | null | undefined {
    return this.$(selector)?.textContent;
  }

  async render(app: VNode) {
    await act(() => render(app, this.root));
    await flush();
  }

  /** Renders the app and logs Erika in through the login form. */
  async loggedIn(app: VNode) {
    await this.render(app);
    await this.type("username", "erika");
    await this.type("password", "richtig-und-lang");
    await this.submit("form");
  }

  async submit(selector: string) {
    await act(() => {
      this.$(selector)!.dispatchEvent(new Event("submit", { bubbles: true, cancelable: true }));
    });
    await flush();
  }

  /** Pastes a code into the scan field and submits it with Enter. */
  async pasteCode(code: string) {
    await this.type("photo-code-input", code);
    await this.submit(".scan-row");
  }

  async type(id: string, value: string) {
    const input = this.root.querySelector<HTMLInputElement>(`#${id}`)!;
    await act(() => {
      input.value = value;
      input.dispatchEvent(new Event("input", { bubbles: true }));
    });
  }

  async press(key: string, init: KeyboardEventInit = {}) {
    await act(() => {
      window.dispatchEvent(new KeyboardEvent("keydown", { key, cancelable: true, ...init }));
    });
    await flush();
  }

  /** A handheld scanner: every character of `code`, then Enter, as one fast burst. */
  async scan(code: string) {
    await act(() => {
      for (const key of [...code, "Enter"]) window.dispatchEvent(new KeyboardEvent("keydown", { key, cancelable: true }));
    });
    await flush();
  }

  async click(selector: string) {
    await act(() => {
      const element = this.$(selector)!;
      element.dispatchEvent(new PointerEvent("pointerdown", { bubbles: true }));
      element.click();
    });
    await flush();
  }

  async act(fn: () => void) {
    await act(fn);
    await flush();
  }

  unmount() {
    render(null, this.root);
    this.root.remove();
  }
}

export const flush = () => act(async () => await new Promise((resolve) => setTimeout(resolve, 0)));
