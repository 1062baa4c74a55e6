// Generated from Rust by `src-tauri/src/bindings.rs`: do not edit.
// Regenerate: UPDATE_SNAPSHOTS=1 cargo test -p schalter-desk bindings
// Every command rejects with a `UiError` ({ code, message }).

import { invoke, type Channel } from "@tauri-apps/api/core";

export type Role = "clerk" | "supervisor" | "admin";

export type UiError = { code: string, message: string, };

export type LoginArgs = { username: string, password: string, };

export type SessionView = { display_name: string, username: string, role: Role, office_id: string, office_name: string, 
/**
 * RFC 3339: when the session lapses unless the clerk does something before.
 */
expires_at: string, 
/**
 * RFC 3339: when it ends however busy the clerk is.
 */
absolute_expires_at: string, 
/**
 * Inactivity after which the session lapses.
 */
idle_timeout_seconds: number, 
/**
 * Logged in offline (the central was unreachable; the desk's keyring let the clerk in). The desk logs in at
 * the central in the background as soon as it answers, and the session becomes online.
 */
offline: boolean, };

export type SessionEndReason = "expired" | "logged_out" | "ended_by_central";

export type SessionEvent = { session: SessionView | null, reason: SessionEndReason | null, };

export type ConnectionView = { online: boolean, central_url: string, 
/**
 * RFC 3339 time of the last answer from the central API, if any.
 */
last_contact: string | null, 
/**
 * RFC 3339 time of the last completed sync, if any.
 */
last_sync: string | null, };

export type PhotoCheckView = { id: string, passed: boolean, 
/**
 * German; the front end shows the catalogue's text for `id.reason` in the clerk's language.
 */
message: string, reason: string, 
/**
 * The values the message names, machine-readable.
 */
params: { [key in string]?: string }, };

export type PhotoView = { photo_id: string, cloud_url: string, algorithm: string, 
/**
 * The studio's "Nutzerkennung", stored with the application.
 */
user_identifier: string, width: number, height: number, checks: Array<PhotoCheckView>, all_passed: boolean, 
/**
 * `data:image/jpeg;base64,…`, shown in the window; never logged.
 */
image_data_url: string, 
/**
 * The scanner typed the code with a US keyboard layout and the desk undid it.
 */
keyboard_layout_corrected: boolean, };

export type PhotoDecisionView = { photo_id: string, accepted: boolean, 
/**
 * Deleted in the cloud (accepted without keeping).
 */
deleted_in_cloud: boolean, 
/**
 * `YYYY-MM-DD` if the cloud keeps it for reuse.
 */
kept_until: string | null, 
/**
 * Accepted although a check failed, on the clerk's explicit confirmation.
 */
checks_overridden: boolean, };

export type PhotoDecisionArgs = { photo_id: string, accept: boolean, 
/**
 * `YYYY-MM-DD`: keep in the cloud for reuse until then instead of deleting.
 */
keep_until: string | null, 
/**
 * The clerk confirmed accepting a photo that failed a check (operator veto); audited.
 */
override_failed_checks: boolean, };

export type RejectedView = { seq: number, 
/**
 * e.g. `photo.accept`.
 */
kind: string, code: string, 
/**
 * The central's German message.
 */
message: string, 
/**
 * RFC 3339: when the change was made at the desk.
 */
occurred_at: string, };

export type SyncView = { 
/**
 * The central answered the last call.
 */
online: boolean, 
/**
 * `idle`, `uploading`, `pushing`, `pulling`, `running_jobs`, `waiting` (backing off), `needs_login`,
 * `offline` (last round could not reach the central), `failed` (see `last_error_code`), or `closed` (no
 * clerk logged in: no store open).
 */
phase: string, 
/**
 * Changes not yet acknowledged by the central.
 */
pending: number, 
/**
 * Progress of the current phase: `done` of `total` blobs or changes.
 */
done: number, total: number, 
/**
 * RFC 3339 time of the last complete sync, if any.
 */
last_synced_at: string | null, 
/**
 * Why the last round stopped (an error code of `ERROR_CODES`), if it did.
 */
last_error_code: string | null, rejected: Array<RejectedView>, 
/**
 * A scanned photo code waits for the photo cloud to become reachable; it is fetched then (`desk://photo`).
 */
pending_photo_fetch: boolean, };

export type ApplicationDraft = { 
/**
 * A [`DocumentKind`] key: `id_card`, `passport32`, `passport48`, `express_passport32`,
 * `express_passport48`, `temporary_id_card`, `temporary_passport`.
 */
document_kind: string, family_name: string, birth_name: string | null, given_names: string, doctoral_degree: string | null, religious_name: string | null, 
/**
 * `YYYY-MM-DD` or `TT.MM.JJJJ`, `XX` for an unknown day or month.
 */
date_of_birth: string, place_of_birth: string, 
/**
 * `001`, `002`, `003` (or W, M, X); mandatory for a passport.
 */
sex: string | null, 
/**
 * Centimetres or `---`.
 */
height: string, 
/**
 * Free text or `---`.
 */
eye_colour: string, no_residence_in_germany: boolean, street: string | null, postal_code: string | null, place: string | null, nationality: string, 
/**
 * A [`crate::CurrentDocumentKind`] key, or empty / `none` when the applicant holds none.
 */
current_document_kind: string | null, current_document_serial: string | null, custodian_family_name: string | null, custodian_given_names: string | null, 
/**
 * `counter`, `pickup_box` or `direct_delivery`; may stay empty for documents issued on the spot.
 */
pickup: string, mobile_number: string | null, pickup_consent: boolean, photo_in_office: boolean, pin_letter_handed_over: boolean, };

export type FieldErrorView = { 
/**
 * The draft's key of the field, e.g. `family_name`.
 */
field: string, code: string, message: string, message_en: string, };

export type FeeLineView = { label: string, label_en: string, 
/**
 * "37,00 €".
 */
amount: string, amount_cents: number, };

export type FeeView = { lines: Array<FeeLineView>, total: string, total_cents: number, };

export type RulesView = { 
/**
 * Completed years on the application date (a partial birth date counts as late as it can be).
 */
age: number, validity: string, validity_months: number, eid: string, fingerprints: string, signature: string, applies: string, pin_letter: string, };

export type ApplicationCheckView = { errors: Array<FieldErrorView>, fee: FeeView | null, rules: RulesView | null, 
/**
 * The application date the check used (`YYYY-MM-DD`, the office's day).
 */
application_date: string, };

export type ApplicationView = { application_id: string, 
/**
 * The desk's number, given at once (`V-…`).
 */
provisional_number: string, 
/**
 * The central's number, once the sync brought it.
 */
application_number: string | null, 
/**
 * `pending` (not yet at the central, or its correction not yet), `refused` (by the central's check; see
 * `rejection`), or the central's status (`captured`, `sent`, `accepted`, `rejected` by the producer, …).
 */
status: string, 
/**
 * The central's reason beside the status: why the producer rejected it (`<error number>: <text>`), or that a
 * box pickup went back to the counter.
 */
status_reason: string | null, 
/**
 * Rejected by the producer and not corrected yet: the clerk can correct it.
 */
correctable: boolean, rejection: string | null, document_kind: string, family_name: string, given_names: string, date_of_birth: string, total: string, 
/**
 * RFC 3339.
 */
captured_at: string, };

export type ReceiptRow = { label: string, value: string, };

export type ReceiptContent = { office: string, title: string, 
/**
 * Number, date, document, pickup way.
 */
details: Array<ReceiptRow>, 
/**
 * Only under a provisional number: that the final number follows.
 */
number_note: string | null, fee_heading: string, fees: Array<ReceiptRow>, total: ReceiptRow, notes_heading: string, 
/**
 * Pickup, PIN letter, what to bring.
 */
notes: Array<string>, footer: string, };

export type ReceiptView = { application_id: string, 
/**
 * The number on the receipt: the central's, or while it is not known the provisional one.
 */
number: string, provisional: boolean, 
/**
 * `Quittung-<number>.pdf`.
 */
file_name: string, content: ReceiptContent, };

export type SavedReceiptView = { application_id: string, number: string, provisional: boolean, path: string | null, };

export type HandView = { "outcome": "captured", finger: string, quality: number, } | { "outcome": "not_possible" } | { "outcome": "not_required" } | { "outcome": "awaiting_confirmation" };

export type BiometricsView = { left: HandView | null, right: HandView | null, 
/**
 * `data:image/jpeg;base64,…` of the 900 × 132 signature.
 */
signature_preview: string | null, };

export type CompartmentItemView = { number: number, size: string, accessible: boolean, state: string, application_id: string | null, application_number: string | null, 
/**
 * `YYYY-MM-DD`.
 */
last_pickup_day: string | null, };

export type PickupBoxView = { box_id: string, name: string, compartments: Array<CompartmentItemView>, };

export type UncollectedView = { application_id: string, application_number: string, box_id: string, compartment: number | null, state: string, last_pickup_day: string, };

export type PickupOfficeView = { four_eyes_loading: boolean, boxes: Array<PickupBoxView>, uncollected: Array<UncollectedView>, };

export type LoadArgs = { application_number: string, box_id: string, accessible: boolean, };

export type LoadedView = { application_id: string, box_id: string, compartment: number, accessible: boolean, last_pickup_day: string, awaiting_confirmation: boolean, };

export type CompartmentActionView = { application_id: string, box_id: string, compartment: number, state: string, };

export type HandoutCandidateView = { application_id: string, application_number: string, document_kind: string, place: string, box_id: string | null, compartment: number | null, has_old_document: boolean, pin_letter_required: boolean, };

export type HandoutArgs = { application_id: string, old_document: string, pin_letter_confirmed: boolean, };

export type HandoutView = { application_id: string, application_number: string, freed_compartment: number | null, };

export type ArrivalView = { application_id: string, application_number: string, document_kind: string, outcome: string, already_marked: boolean, };

export type QueueTicketView = { id: string, 
/**
 * `W 012`; `W …` until the central numbered a ticket made offline.
 */
display_number: string, kind: string, service_id: string, state: string, call_count: number, place: string | null, 
/**
 * The appointment's time, `HH:MM` German time.
 */
due_time: string | null, 
/**
 * `HH:MM` German time of the check-in.
 */
arrived_time: string, 
/**
 * The appointment's family name (from the pulled booking); none for a walk-in.
 */
family_name: string | null, booking_id: string | null, 
/**
 * A local action not yet confirmed by the central.
 */
pending: boolean, };

export type QueueAppointmentView = { booking_id: string, 
/**
 * `HH:MM` German time.
 */
time: string, family_name: string, service_id: string, };

export type QueueView = { place: string, current: QueueTicketView | null, tickets: Array<QueueTicketView>, appointments: Array<QueueAppointmentView>, };

export type UpdateView = { current: string, version: string, 
/**
 * What is new, as the release manager wrote it.
 */
notes: string, 
/**
 * True: this desk is managed and will not install it (the IT rolls it out).
 */
managed: boolean, 
/**
 * True: the verified package was handed to the installer; it runs from the next start.
 */
installed: boolean, };

/** The events the desk core pushes, by name. */
export const EVENTS = { connection: "desk://connection", session: "desk://session", sync: "desk://sync", photo: "desk://photo", update: "desk://update" } as const;

/** Every error code a command can reject with (desk, photo, scan, camera and central API codes). */
export const ERROR_CODES: readonly string[] = [
  "config_invalid",
  "certificate_invalid",
  "central_unreachable",
  "tls_rejected",
  "missing_credentials",
  "not_logged_in",
  "unexpected_answer",
  "update_signature_invalid",
  "update_unusable",
  "update_install_failed",
  "update_not_found",
  "cloud_unreachable",
  "cloud_tls_rejected",
  "cloud_unexpected_answer",
  "photo_not_found",
  "wrong_category",
  "retention_too_long",
  "no_photo",
  "override_required",
  "answer_too_large",
  "photo_cloud_unreachable",
  "application_invalid",
  "application_photo_missing",
  "application_not_found",
  "receipt_failed",
  "receipt_not_saved",
  "device_signature_empty",
  "device_strokes_invalid",
  "device_encode_failed",
  "queue_still_serving",
  "queue_invalid_place",
  "queue_invalid_service",
  "queue_ticket_taken",
  "queue_not_your_ticket",
  "queue_call_limit",
  "queue_invalid_transition",
  "queue_forward_target_missing",
  "queue_forward_to_self",
  "queue_nobody_waiting",
  "queue_unknown_ticket",
  "queue_unknown_booking",
  "queue_already_checked_in",
  "device_capture_timeout",
  "device_capture_cancelled",
  "device_not_found",
  "device_permission_denied",
  "device_io",
  "device_config_invalid",
  "device_service_unreachable",
  "device_service_failed",
  "device_service_protocol",
  "device_finger_unexpected",
  "offline_login_unknown",
  "offline_login_expired",
  "clock_before_last_login",
  "wrong_data_key",
  "encryption_unavailable",
  "store_exists",
  "store_missing",
  "keyring_invalid",
  "invalid_input",
  "unknown_mutation",
  "mutation_settled",
  "unknown_job",
  "io",
  "sync_needs_login",
  "sync_sequence_behind",
  "sync_unexpected_answer",
  "not_base64",
  "wrong_magic",
  "unknown_version",
  "length_overrun",
  "trailing_bytes",
  "unknown_algorithm",
  "wrong_iv_length",
  "wrong_key_length",
  "url_not_https",
  "url_too_long",
  "invalid_c40",
  "untrusted_cloud",
  "invalid_user_identifier",
  "decryption_failed",
  "seal_invalid",
  "seal_algorithm_unknown",
  "seal_certificate_invalid",
  "seal_key_invalid",
  "seal_form_unknown",
  "photo_too_large",
  "not_jpeg",
  "corrupt_jpeg",
  "decompression_bomb",
  "image_unreadable",
  "image_too_large",
  "no_code_found",
  "invalid_frame",
  "camera_gstreamer_missing",
  "camera_unavailable",
  "camera_stopped",
  "camera_invalid_frame",
  "camera_no_code",
  "invalid_credentials",
  "account_locked",
  "unauthenticated",
  "session_expired",
  "forbidden",
  "invalid_request",
  "body_too_large",
  "unsupported_media_type",
  "server_busy",
  "too_many_attempts",
  "unknown_office",
  "internal",
  "sequence_gap",
  "device_mismatch",
  "invalid_payload",
  "unknown_mutation_kind",
  "unknown_author",
  "application_exists",
  "application_not_correctable",
  "application_fingerprints_missing",
  "application_signature_missing",
  "producer_refused",
  "producer_unavailable",
  "pickup_unknown_box",
  "pickup_not_ready",
  "pickup_not_by_box",
  "pickup_no_third_factor",
  "pickup_box_full",
  "pickup_already_loaded",
  "pickup_not_found",
  "pickup_not_locked",
  "pickup_not_expired",
  "pickup_in_use",
  "pickup_not_awaiting_confirmation",
  "pickup_same_clerk",
  "pickup_pin_letter_unconfirmed",
  "pickup_old_document_unrecorded",
  "pickup_already_handed_out",
  "pickup_not_delivered",
  "pickup_direct_delivery",
  "pickup_not_configured",
  "box_certificate",
  "not_a_box",
  "certificate_revoked",
  "box_session_unknown",
  "box_session_finished",
  "box_invalid_birth_date",
  "appointments_not_configured",
  "slot_unknown",
  "slot_taken",
  "booking_not_found",
  "booking_too_late",
  "too_many_requests",
  "blob_missing",
  "blob_hash_mismatch",
  "offset_mismatch",
  "invalid_username",
  "invalid_password",
  "invalid_display_name",
  "invalid_office_id",
  "invalid_role",
  "invalid_organisation_key",
  "unexpected",
];

/** Every photo check message key `${id}.${reason}` the desk can produce, with its params' names. */
export const PHOTO_CHECK_MESSAGES: readonly { key: string; params: readonly string[] }[] = [
  { key: "min_size.ok", params: ["width", "height", "min_width", "min_height"] },
  { key: "min_size.too_small", params: ["width", "height", "min_width", "min_height"] },
  { key: "colour.ok", params: [] },
  { key: "colour.greyscale", params: [] },
  { key: "colour.cmyk", params: [] },
  { key: "colour.channels", params: ["channels"] },
  { key: "colour.precision", params: ["bits"] },
  { key: "colour.unsupported", params: [] },
  { key: "colour.foreign_profile", params: ["profile"] },
  { key: "colour.grey_content", params: [] },
  { key: "aspect.ok", params: [] },
  { key: "aspect.off", params: ["width", "height", "deviation"] },
  { key: "no_upscaling.ok", params: ["db"] },
  { key: "no_upscaling.no_structure", params: [] },
  { key: "no_upscaling.upscaled", params: ["db"] },
];

export const commands = {
  login: (args: LoginArgs): Promise<SessionView> => invoke("login", { args }),
  logout: (): Promise<null> => invoke("logout"),
  currentSession: (): Promise<SessionView | null> => invoke("current_session"),
  connectionStatus: (): Promise<ConnectionView> => invoke("connection_status"),
  checkConnection: (): Promise<ConnectionView> => invoke("check_connection"),
  fetchPhoto: (code: string): Promise<PhotoView> => invoke("fetch_photo", { code }),
  readCodeImage: (image: Uint8Array): Promise<string> => invoke("read_code_image", image),
  scanCamera: (preview: Channel<ArrayBuffer>): Promise<string | null> => invoke("scan_camera", { preview }),
  stopCamera: (): Promise<null> => invoke("stop_camera"),
  decidePhoto: (args: PhotoDecisionArgs): Promise<PhotoDecisionView> => invoke("decide_photo", { args }),
  touchSession: (): Promise<SessionView | null> => invoke("touch_session"),
  clearPhoto: (): Promise<null> => invoke("clear_photo"),
  syncNow: (): Promise<SyncView> => invoke("sync_now"),
  syncStatus: (): Promise<SyncView> => invoke("sync_status"),
  updateStatus: (): Promise<UpdateView | null> => invoke("update_status"),
  checkApplication: (draft: ApplicationDraft): Promise<ApplicationCheckView> => invoke("check_application", { draft }),
  submitApplication: (draft: ApplicationDraft): Promise<ApplicationView> => invoke("submit_application", { draft }),
  applications: (query: string): Promise<ApplicationView[]> => invoke("applications", { query }),
  applicationDraft: (applicationId: string): Promise<ApplicationDraft> => invoke("application_draft", { applicationId }),
  correctApplication: (applicationId: string, draft: ApplicationDraft): Promise<ApplicationView> => invoke("correct_application", { applicationId, draft }),
  receipt: (applicationId: string): Promise<ReceiptView> => invoke("receipt", { applicationId }),
  saveReceipt: (applicationId: string): Promise<SavedReceiptView> => invoke("save_receipt", { applicationId }),
  biometrics: (): Promise<BiometricsView> => invoke("biometrics"),
  captureFingerprints: (draft: ApplicationDraft): Promise<BiometricsView> => invoke("capture_fingerprints", { draft }),
  recordFingerprintNotPossible: (hand: "left" | "right"): Promise<BiometricsView> => invoke("record_fingerprint_not_possible", { hand }),
  captureSignature: (): Promise<BiometricsView> => invoke("capture_signature"),
  pickupOffice: (): Promise<PickupOfficeView> => invoke("pickup_office"),
  findReadyDocument: (number: string): Promise<HandoutCandidateView> => invoke("find_ready_document", { number }),
  loadIntoBox: (args: LoadArgs): Promise<LoadedView> => invoke("load_into_box", { args }),
  confirmLoad: (applicationId: string): Promise<LoadedView> => invoke("confirm_load", { applicationId }),
  takeBack: (applicationId: string): Promise<CompartmentActionView> => invoke("take_back", { applicationId }),
  clearLock: (applicationId: string): Promise<CompartmentActionView> => invoke("clear_lock", { applicationId }),
  handOut: (args: HandoutArgs): Promise<HandoutView> => invoke("hand_out", { args }),
  markArrived: (number: string): Promise<ArrivalView> => invoke("mark_arrived", { number }),
  queueToday: (): Promise<QueueView> => invoke("queue_today"),
  queueCheckInWalkIn: (serviceId: string): Promise<QueueTicketView> => invoke("queue_check_in_walk_in", { serviceId }),
  queueCheckInAppointment: (bookingId: string): Promise<QueueTicketView> => invoke("queue_check_in_appointment", { bookingId }),
  queueCheckInCode: (code: string): Promise<QueueTicketView> => invoke("queue_check_in_code", { code }),
  queueCallNext: (confirmed: boolean): Promise<QueueTicketView> => invoke("queue_call_next", { confirmed }),
  queueAct: (ticketId: string, action: string, toPlace: string | null, toServiceId: string | null): Promise<QueueTicketView> => invoke("queue_act", { ticketId, action, toPlace, toServiceId }),
};
