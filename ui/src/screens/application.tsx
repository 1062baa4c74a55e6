/** Antrag (F3): the application form with the live check beside it, the summary (F12, then F12 again), and the
 * desk's applications with their search. */
import type { JSX } from "preact";
import { useEffect } from "preact/hooks";
import type { ApplicationCheckView, ApplicationDraft, ApplicationView, BiometricsView, HandView, ReceiptView } from "../bindings";
import type { DraftKey, ReceiptStatus } from "../application";
import { ProblemText } from "../components";
import { useDesk, useDeskState } from "../desk";
import { keyLabel, type KeyBinding } from "../keys";
import { t, type Lang, type MessageKey } from "../messages";

/** Active only while the application screen is shown. */
export const APPLICATION_KEYS: readonly KeyBinding[] = [
  {
    chords: ["F12"],
    label: "keyAppConfirm",
    run: (desk) => {
      void desk.application.confirm();
    },
  },
  {
    // Back from the summary; out of a correction.
    chords: ["Escape"],
    label: "keyAppBack",
    run: (desk) => desk.application.closeSummary(),
  },
  // The receipt of the application recorded last (F12 twice); Strg+S is the sync.
  // The biometric devices (F10 is the global "finish visit").
  { chords: ["F7"], label: "keyAppFingerprints", run: (desk) => desk.application.captureFingerprints() },
  { chords: ["F8"], label: "keyAppSignature", run: (desk) => desk.application.captureSignature() },
  { chords: ["F11"], label: "keyReceiptSave", run: (desk) => desk.application.saveReceipt() },
  { chords: ["Ctrl+P"], label: "keyReceiptPrint", run: (desk) => desk.application.printReceipt() },
];

const DOCUMENT_KINDS = ["id_card", "passport32", "passport48", "express_passport32", "express_passport48", "temporary_id_card", "temporary_passport"];
const CURRENT_DOCUMENTS = ["none", "id_card", "passport", "temporary_id_card", "temporary_passport", "child_passport"];
const SEXES = ["none", "001", "002", "003"];
const PICKUPS = ["counter", "pickup_box", "direct_delivery"];

/** A catalogue key built at run time (document kinds, statuses, rules). */
function tk(lang: Lang, key: string, params?: { [key: string]: string | undefined }): string {
  return t(lang, key as MessageKey, params);
}

type TextKey = {
  [K in DraftKey]: ApplicationDraft[K] extends string | null ? K : never;
}[DraftKey];
type FlagKey = {
  [K in DraftKey]: ApplicationDraft[K] extends boolean ? K : never;
}[DraftKey];

function errorsOf(check: ApplicationCheckView | null, field: DraftKey): string[] {
  return (check?.errors ?? []).filter((e) => e.field === field).map((e) => e.code);
}

export function ApplicationScreen() {
  const desk = useDesk();
  const lang = useDeskState((s) => s.lang);
  const state = useDeskState((s) => s.application);
  const photoAccepted = useDeskState((s) => s.visit.photo?.accepted === true || s.photo.decision?.accepted === true);
  // The clerk compares the citizen with the photo the application will carry.
  const acceptedImage = useDeskState((s) => (s.visit.photo?.accepted === true ? s.visit.photoImage : null));
  const actions = desk.application;
  const { draft, check } = state;
  const passport = draft.document_kind.includes("passport");
  const custodian = check?.rules?.applies === "custodian";
  const idCard = draft.document_kind === "id_card";

  // Keyboard first: just recorded, the receipt is next (Enter or F11 saves it); otherwise the form starts at its
  // first field unless the clerk is somewhere already.
  useEffect(() => {
    void actions.refreshBiometrics();
  }, []);
  const recordedId = state.last?.application_id ?? null;
  useEffect(() => {
    if (recordedId) document.getElementById("receipt-save")?.focus();
    else if (!document.activeElement || document.activeElement === document.body) document.getElementById("app-document_kind")?.focus();
  }, [recordedId]);

  const shown = (field: DraftKey) => state.showAll || state.touched.includes(field);
  const messageOf = (field: DraftKey): string | null => {
    if (!shown(field)) return null;
    const error = (check?.errors ?? []).find((e) => e.field === field);
    return error ? (lang === "de" ? error.message : error.message_en) : null;
  };

  const text = (field: TextKey, opts: { optional?: boolean; placeholder?: string; inputMode?: JSX.HTMLAttributes["inputMode"]; size?: number } = {}) => {
    const message = messageOf(field);
    const id = `app-${field}`;
    return (
      <div class={message ? "field invalid" : "field"}>
        <label for={id}>
          {tk(lang, `appField.${field}`)} {opts.optional && <span class="optional">{t(lang, "appOptional")}</span>}
        </label>
        <input
          id={id}
          name={field}
          autocomplete="off"
          spellcheck={false}
          size={opts.size}
          inputMode={opts.inputMode}
          placeholder={opts.placeholder}
          value={draft[field] ?? ""}
          aria-invalid={message ? "true" : undefined}
          aria-describedby={message ? `${id}-error` : undefined}
          onInput={(e) => actions.setField(field, opts.optional && e.currentTarget.value === "" ? null : e.currentTarget.value)}
          onBlur={() => actions.touch(field)}
        />
        {message && (
          <p id={`${id}-error`} class="field-error" data-code={errorsOf(check, field)[0]}>
            {message}
          </p>
        )}
      </div>
    );
  };

  const flag = (field: FlagKey) => {
    const message = messageOf(field);
    const id = `app-${field}`;
    return (
      <div class={message ? "field check invalid" : "field check"}>
        <input
          id={id}
          type="checkbox"
          checked={draft[field]}
          aria-invalid={message ? "true" : undefined}
          aria-describedby={message ? `${id}-error` : undefined}
          onChange={(e) => actions.setField(field, e.currentTarget.checked)}
        />
        <label for={id}>{tk(lang, `appField.${field}`)}</label>
        {message && (
          <p id={`${id}-error`} class="field-error">
            {message}
          </p>
        )}
      </div>
    );
  };

  const select = (field: "document_kind" | "sex" | "current_document_kind" | "pickup", options: string[], prefix: string, none: string | null) => {
    const message = messageOf(field);
    const id = `app-${field}`;
    const value = draft[field] ?? none ?? "";
    // A correction stays the document it was.
    const locked = field === "document_kind" && state.correcting !== null;
    return (
      <div class={message ? "field invalid" : "field"}>
        <label for={id}>{tk(lang, `appField.${field}`)}</label>
        <select
          id={id}
          value={value}
          disabled={locked}
          aria-invalid={message ? "true" : undefined}
          aria-describedby={message ? `${id}-error` : undefined}
          onChange={(e) => actions.setField(field, e.currentTarget.value === none ? null : e.currentTarget.value)}
        >
          {options.map((option) => (
            <option value={option}>{tk(lang, `${prefix}.${option}`)}</option>
          ))}
        </select>
        {message && (
          <p id={`${id}-error`} class="field-error">
            {message}
          </p>
        )}
      </div>
    );
  };

  return (
    <section class="application" aria-labelledby="section-title">
      {/* First: after F12 the form starts anew at the top, and the clerk sees what was recorded and its receipt. */}
      {state.last && (
        <div class="notice recorded">
          <p id="application-recorded" role="status">
            {state.lastCorrected
              ? t(lang, "appCorrected", { number: state.last.application_number ?? state.last.provisional_number })
              : state.last.application_number
                ? t(lang, "appRecordedFinal", { number: state.last.application_number })
                : t(lang, "appRecorded", { number: state.last.provisional_number })}
          </p>
          <p class="receipt-actions">
            <button id="receipt-save" type="button" onClick={() => actions.saveReceipt()}>
              {t(lang, "receiptSave")} <kbd>F11</kbd>
            </button>{" "}
            <button id="receipt-print-button" type="button" class="secondary-blue" onClick={() => actions.printReceipt()}>
              {t(lang, "receiptPrint")} <kbd>{keyLabel(lang, "Ctrl+P")}</kbd>
            </button>
          </p>
        </div>
      )}
      <p id="receipt-status" class="receipt-status" role="status" aria-live="polite">
        {state.receiptStatus && receiptStatusText(lang, state.receiptStatus)}
      </p>
      {state.correcting && (
        <div id="application-correcting" class="notice correcting" role="status">
          <p>{t(lang, "appCorrecting", { number: state.correcting.number })}</p>
          {state.correcting.reason && <p class="rejection">{t(lang, "appRejectionReason", { reason: state.correcting.reason })}</p>}
        </div>
      )}
      <form
        id="application-form"
        class="application-form"
        onSubmit={(event) => {
          event.preventDefault();
          void actions.confirm();
        }}
      >
        <fieldset>
          <legend>{t(lang, "appDocument")}</legend>
          {select("document_kind", DOCUMENT_KINDS, "docKind", null)}
        </fieldset>
        <fieldset>
          <legend>{t(lang, "appPerson")}</legend>
          <div class="field-row">
            {text("family_name")}
            {text("given_names")}
          </div>
          <div class="field-row">
            {text("birth_name", { optional: true })}
            {text("doctoral_degree", { optional: true, size: 8 })}
            {text("religious_name", { optional: true })}
          </div>
          <div class="field-row">
            {text("date_of_birth", { placeholder: t(lang, "appDatePlaceholder"), size: 12 })}
            {text("place_of_birth")}
            {select("sex", SEXES, "sex", "none")}
          </div>
          <div class="field-row">
            {text("height", { inputMode: "numeric", size: 6 })}
            {text("eye_colour", { size: 12 })}
            {text("nationality", { size: 12 })}
          </div>
        </fieldset>
        <fieldset>
          <legend>{t(lang, "appAddress")}</legend>
          {flag("no_residence_in_germany")}
          {!draft.no_residence_in_germany && (
            <div class="field-row">
              {text("street")}
              {text("postal_code", { inputMode: "numeric", size: 6 })}
              {text("place")}
            </div>
          )}
        </fieldset>
        <fieldset>
          <legend>{t(lang, "appCurrentDocument")}</legend>
          <div class="field-row">
            {select("current_document_kind", CURRENT_DOCUMENTS, "currentDoc", "none")}
            {draft.current_document_kind && text("current_document_serial", { size: 12 })}
          </div>
        </fieldset>
        {custodian && (
          <fieldset id="app-custodian">
            <legend>{t(lang, "appCustodian")}</legend>
            <div class="field-row">
              {text("custodian_family_name")}
              {text("custodian_given_names")}
            </div>
          </fieldset>
        )}
        <fieldset>
          <legend>{t(lang, "appPickup")}</legend>
          {select("pickup", PICKUPS, "pickup", null)}
          {draft.pickup === "pickup_box" && (
            <div class="field-row">
              {text("mobile_number", { inputMode: "tel", placeholder: "+49 …" })}
              {flag("pickup_consent")}
            </div>
          )}
          {flag("photo_in_office")}
          {idCard && flag("pin_letter_handed_over")}
        </fieldset>
        {!state.correcting && (
          <Biometrics
            lang={lang}
            check={check}
            biometrics={state.biometrics}
            capturing={state.capturing}
            onFingerprints={() => actions.captureFingerprints()}
            onSignature={() => actions.captureSignature()}
            onNotPossible={(hand) => void actions.confirmNotPossible(hand)}
          />
        )}
        <p class="form-actions">
          <button id="application-confirm" type="submit" disabled={state.busy}>
            {t(lang, state.summary ? "appSummaryConfirm" : "appConfirm")} <kbd>F12</kbd>
          </button>
        </p>
      </form>

      <aside class="application-facts" aria-labelledby="app-facts-title">
        <h2 id="app-facts-title">{t(lang, "appFacts")}</h2>
        <p id="app-photo" class={photoAccepted ? "verdict ok" : "verdict warn"}>
          {t(lang, photoAccepted ? "appPhotoAccepted" : "appPhotoMissing")}
        </p>
        {acceptedImage && <img id="app-photo-image" class="app-photo" src={acceptedImage} alt={t(lang, "appPhotoImage")} />}
        <Facts lang={lang} check={check} passport={passport} />
      </aside>

      {state.showAll && (check?.errors.length ?? 0) > 0 && !state.summary && (
        <div id="application-errors" class="error" role="alert">
          <p>{t(lang, "appErrorsTitle")}</p>
          <ul>
            {check?.errors.map((error) => (
              <li data-field={error.field}>{lang === "de" ? error.message : error.message_en}</li>
            ))}
          </ul>
        </div>
      )}
      {state.summary && <Summary lang={lang} draft={draft} check={check} onConfirm={() => void actions.confirm()} onBack={() => actions.closeSummary()} busy={state.busy} />}
      {state.problem && (
        <p id="application-problem" class="error" role="alert">
          <ProblemText lang={lang} problem={state.problem} />
        </p>
      )}
      <ApplicationList
        lang={lang}
        query={state.query}
        list={state.list}
        onSearch={(q) => void actions.search(q)}
        onSave={(id) => actions.saveReceipt(id)}
        onPrint={(id) => actions.printReceipt(id)}
        onCorrect={(application) => void actions.startCorrection(application)}
      />
    </section>
  );
}

function Facts({ lang, check, passport }: { lang: Lang; check: ApplicationCheckView | null; passport: boolean }) {
  const rules = check?.rules;
  return (
    <div id="app-fee">
      {check?.fee && (
        <table class="fee">
          <tbody>
            {check.fee.lines.map((line) => (
              <tr>
                <td>{lang === "de" ? line.label : line.label_en}</td>
                <td class="amount">{line.amount}</td>
              </tr>
            ))}
            <tr class="total">
              <th scope="row">{t(lang, "appTotal")}</th>
              <td id="app-fee-total" class="amount">
                {check.fee.total}
              </td>
            </tr>
          </tbody>
        </table>
      )}
      {rules && (
        <ul id="app-rules" class="rules">
          <li>{t(lang, "appAge", { age: String(rules.age) })}</li>
          <li id="app-validity">{t(lang, "appValidity", { months: String(rules.validity_months) })}</li>
          {!passport && <li id="app-eid">{tk(lang, `eid.${rules.eid}`)}</li>}
          <li>{tk(lang, `fingerprints.${rules.fingerprints}`)}</li>
          <li>{tk(lang, `signature.${rules.signature}`)}</li>
          <li id="app-applies">{tk(lang, `applies.${rules.applies}`)}</li>
          <li>{tk(lang, `pinLetter.${rules.pin_letter}`)}</li>
        </ul>
      )}
    </div>
  );
}

function Summary(props: { lang: Lang; draft: ApplicationDraft; check: ApplicationCheckView | null; busy: boolean; onConfirm: () => void; onBack: () => void }) {
  const { lang, draft, check } = props;
  const rows: [string, string][] = [
    [tk(lang, "appField.document_kind"), tk(lang, `docKind.${draft.document_kind}`)],
    [tk(lang, "appField.family_name"), draft.family_name],
    [tk(lang, "appField.given_names"), draft.given_names],
    [tk(lang, "appField.date_of_birth"), draft.date_of_birth],
    [tk(lang, "appField.place_of_birth"), draft.place_of_birth],
    [tk(lang, "appField.pickup"), tk(lang, `pickup.${draft.pickup}`)],
    [t(lang, "appTotal"), check?.fee?.total ?? ""],
  ];
  return (
    <div id="application-summary" class="summary" role="region" aria-labelledby="app-summary-title">
      <h2 id="app-summary-title">{t(lang, "appSummaryTitle")}</h2>
      <dl class="facts">
        {rows.map(([label, value]) => (
          <>
            <dt>{label}</dt>
            <dd>{value}</dd>
          </>
        ))}
      </dl>
      <p class="form-actions">
        <button id="application-record" type="button" onClick={props.onConfirm} disabled={props.busy}>
          {t(lang, "appSummaryConfirm")} <kbd>F12</kbd>
        </button>{" "}
        <button type="button" class="secondary" onClick={props.onBack}>
          {t(lang, "appSummaryBack")} <kbd>Esc</kbd>
        </button>
      </p>
    </div>
  );
}

function receiptStatusText(lang: Lang, status: ReceiptStatus): string {
  switch (status.kind) {
    case "saving":
      return t(lang, "receiptSaving");
    case "printing":
      return t(lang, "receiptPreparing");
    case "saved":
      return t(lang, "receiptSaved", { number: status.number, path: status.path });
    case "cancelled":
      return t(lang, "receiptCancelled", { number: status.number });
    case "print_opened":
      return t(lang, "receiptPrintOpened", { number: status.number });
  }
}

/** The receipt as printed: the desk core's `ReceiptView`, the same text as its PDF. Shown only by `@media print`. */
export function ReceiptPrint() {
  const receipt: ReceiptView | null = useDeskState((s) => (s.session ? s.application.printReceipt : null));
  if (!receipt) return null;
  const { content } = receipt;
  return (
    <article id="receipt-print" class="receipt-print" lang="de" aria-hidden="true">
      <p class="receipt-office">{content.office}</p>
      <h1>{content.title}</h1>
      <dl class="receipt-details">
        {content.details.map((row) => (
          <>
            <dt>{row.label}</dt>
            <dd>{row.value}</dd>
          </>
        ))}
      </dl>
      {content.number_note && <p class="receipt-note">{content.number_note}</p>}
      <h2>{content.fee_heading}</h2>
      <table class="receipt-fees">
        <tbody>
          {content.fees.map((row) => (
            <tr>
              <td>{row.label}</td>
              <td class="amount">{row.value}</td>
            </tr>
          ))}
          <tr class="total">
            <th scope="row">{content.total.label}</th>
            <td class="amount">{content.total.value}</td>
          </tr>
        </tbody>
      </table>
      {content.notes.length > 0 && (
        <>
          <h2>{content.notes_heading}</h2>
          <ul>
            {content.notes.map((note) => (
              <li>{note}</li>
            ))}
          </ul>
        </>
      )}
      <p class="receipt-footer">{content.footer}</p>
    </article>
  );
}

function ApplicationList(props: {
  lang: Lang;
  query: string;
  list: ApplicationView[];
  onSearch: (query: string) => void;
  onSave: (applicationId: string) => void;
  onPrint: (applicationId: string) => void;
  onCorrect: (application: ApplicationView) => void;
}) {
  const { lang, list } = props;
  return (
    <section class="application-list" aria-labelledby="app-list-title">
      <h2 id="app-list-title">{t(lang, "appListTitle")}</h2>
      <label for="application-search">{t(lang, "appSearch")}</label>
      <input id="application-search" type="search" autocomplete="off" value={props.query} onInput={(e) => props.onSearch(e.currentTarget.value)} />
      {list.length === 0 ? (
        <p class="placeholder">{t(lang, "appListEmpty")}</p>
      ) : (
        <table id="application-list">
          <thead>
            <tr>
              <th scope="col">{t(lang, "appColNumber")}</th>
              <th scope="col">{t(lang, "appColProvisional")}</th>
              <th scope="col">{t(lang, "appColName")}</th>
              <th scope="col">{t(lang, "appColDocument")}</th>
              <th scope="col">{t(lang, "appColFee")}</th>
              <th scope="col">{t(lang, "appColStatus")}</th>
              <th scope="col">{t(lang, "appColReceipt")}</th>
            </tr>
          </thead>
          <tbody>
            {list.map((application) => (
              <tr data-id={application.application_id} data-status={application.status}>
                <td class="number">{application.application_number ?? t(lang, "appNumberPending")}</td>
                <td>{application.provisional_number}</td>
                <td>
                  {application.family_name}, {application.given_names}
                </td>
                <td>{tk(lang, `docKind.${application.document_kind}`)}</td>
                <td class="amount">{application.total}</td>
                <td>
                  {tk(lang, `appStatus.${application.status}`)}
                  {application.rejection && <span class="rejection">: {application.rejection}</span>}
                  {application.status_reason && <span class="rejection">: {application.status_reason}</span>}
                  {application.correctable && (
                    <>
                      {" "}
                      <button type="button" data-correct={application.application_id} aria-label={t(lang, "appCorrectFor", { number: application.application_number ?? application.provisional_number })} onClick={() => props.onCorrect(application)}>
                        {t(lang, "appCorrect")}
                      </button>
                    </>
                  )}
                </td>
                <td class="receipt-buttons">
                  <button type="button" class="secondary-blue" data-receipt="save" aria-label={t(lang, "receiptSaveFor", { number: application.application_number ?? application.provisional_number })} onClick={() => props.onSave(application.application_id)}>
                    {t(lang, "receiptSaveShort")}
                  </button>{" "}
                  <button type="button" class="secondary-blue" data-receipt="print" aria-label={t(lang, "receiptPrintFor", { number: application.application_number ?? application.provisional_number })} onClick={() => props.onPrint(application.application_id)}>
                    {t(lang, "receiptPrintShort")}
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

function handText(lang: Lang, hand: HandView | null): string {
  if (!hand) return t(lang, "appHandPending");
  switch (hand.outcome) {
    case "captured":
      return t(lang, "appHandCaptured", { finger: tk(lang, `finger.${hand.finger}`), quality: String(hand.quality) });
    case "not_possible":
      return t(lang, "appHandNotPossible");
    case "not_required":
      return t(lang, "appHandNotRequired");
    case "awaiting_confirmation":
      return t(lang, "appHandAwaiting");
  }
}

/** Fingerprints (F7) and signature (F8) of the visit, or what the rules say when none is taken. */
function Biometrics(props: {
  lang: Lang;
  check: ApplicationCheckView | null;
  biometrics: BiometricsView;
  capturing: "fingerprints" | "signature" | null;
  onFingerprints: () => void;
  onSignature: () => void;
  onNotPossible: (hand: "left" | "right") => void;
}) {
  const { lang, biometrics, capturing } = props;
  const rules = props.check?.rules ?? null;
  const printsTaken = rules === null || rules.fingerprints === "required";
  const signatureTaken = rules === null || rules.signature === "required";
  const hands = [
    ["left", "appHandLeft", biometrics.left],
    ["right", "appHandRight", biometrics.right],
  ] as const;
  return (
    <fieldset id="app-biometrics">
      <legend>{t(lang, "appBiometrics")}</legend>
      <div class="field-row biometrics">
        <div class="biometric" id="app-fingerprints">
          {printsTaken ? (
            <>
              <button id="app-capture-fingerprints" type="button" disabled={capturing !== null} onClick={props.onFingerprints}>
                {t(lang, capturing === "fingerprints" ? "appCapturing" : "appCaptureFingerprints")} <kbd>F7</kbd>
              </button>
              <ul id="app-fingerprints-status" aria-live="polite">
                {hands.map(([hand, label, view]) => (
                  <li id={`app-fingerprint-${hand}`}>
                    {t(lang, label)}: {handText(lang, view)}
                    {view?.outcome === "awaiting_confirmation" && (
                      <>
                        {" "}
                        <button id={`app-not-possible-${hand}`} type="button" onClick={() => props.onNotPossible(hand)}>
                          {t(lang, "appConfirmNotPossible", { hand: t(lang, label) })}
                        </button>
                      </>
                    )}
                  </li>
                ))}
              </ul>
            </>
          ) : (
            <p id="app-fingerprints-not-required" class="verdict ok">
              {tk(lang, `fingerprints.${rules?.fingerprints}`)}
            </p>
          )}
        </div>
        <div class="biometric" id="app-signature">
          {signatureTaken ? (
            <>
              <button id="app-capture-signature" type="button" disabled={capturing !== null} onClick={props.onSignature}>
                {t(lang, capturing === "signature" ? "appCapturing" : "appCaptureSignature")} <kbd>F8</kbd>
              </button>
              <p id="app-signature-status" aria-live="polite">
                {biometrics.signature_preview ? (
                  <img id="app-signature-preview" src={biometrics.signature_preview} alt={t(lang, "appSignaturePreview")} width={450} height={66} />
                ) : (
                  t(lang, "appSignaturePending")
                )}
              </p>
            </>
          ) : (
            <p id="app-signature-not-required" class="verdict ok">
              {tk(lang, `signature.${rules?.signature}`)}
            </p>
          )}
        </div>
      </div>
    </fieldset>
  );
}
