/** Abholung (F4): a ready document by name (this desk's own store, the matches ready for pickup listed
 * with their birth dates to compare with the ID), by application number or serial (at the counter, or still in a box
 * compartment), and its handout: the old document's invalidation or its return as a souvenir and,
 * for an ID card, the citizen's confirmation of the PIN letter. The status becomes "handed out"
 * for every desk through the sync. */
import { useEffect } from "preact/hooks";
import type { ApplicationView, HandoutCandidateView, UiError } from "../bindings";
import { ErrorText, useOpeningFocus } from "../components";
import { useDesk, useDeskState } from "../desk";
import { keyLabel, type KeyBinding } from "../keys";
import { t, type Lang, type MessageKey } from "../messages";
import { pickupActions, type OldDocumentChoice } from "../pickup";
import { useStore } from "../store";
import { isoToGerman } from "../dates";
import { ArrivalPanel } from "./arrival";

export const PICKUP_KEYS: readonly KeyBinding[] = [
  {
    chords: ["F12"],
    label: "keyHandout",
    run: (desk) => {
      const actions = pickupActions(desk);
      if (!actions.state.candidate) return false;
      void actions.handOut();
    },
  },
];

function Candidate({ lang, candidate }: { lang: Lang; candidate: HandoutCandidateView }) {
  const desk = useDesk();
  const actions = pickupActions(desk);
  const state = useStore(actions.store, (s) => s);
  const choice = (value: OldDocumentChoice, key: MessageKey) => (
    <label class="check">
      <input
        type="radio"
        name="handout-old-document"
        id={`handout-old-${value}`}
        value={value}
        checked={state.oldDocument === value}
        onChange={() => actions.setHandout({ oldDocument: value })}
      />
      {t(lang, key)}
    </label>
  );
  const missingOld = state.handoutIncomplete && !state.oldDocument;
  const missingLetter = state.handoutIncomplete && candidate.pin_letter_required && !state.pinLetterConfirmed;
  return (
    <section class="panel" id="handout-candidate" aria-labelledby="handout-candidate-title">
      <h2 id="handout-candidate-title">
        {t(lang, `docKind.${candidate.document_kind}` as MessageKey)} · {candidate.application_number}
      </h2>
      <p id="handout-place" class="notice compact">
        {candidate.place === "compartment"
          ? t(lang, "handoutInCompartment", { compartment: String(candidate.compartment ?? "") })
          : t(lang, "handoutAtCounter")}
      </p>
      <form
        class="handout-form"
        onSubmit={(event) => {
          event.preventDefault();
          void actions.handOut();
        }}
      >
        {candidate.has_old_document ? (
          <fieldset id="handout-old-document" aria-describedby={missingOld ? "handout-old-missing" : undefined}>
            <legend>{t(lang, "handoutOldDocument")}</legend>
            {choice("invalidated", "handoutOldInvalidated")}
            {choice("souvenir", "handoutOldSouvenir")}
            {missingOld && (
              <p id="handout-old-missing" class="field-error">
                {t(lang, "handoutOldMissing")}
              </p>
            )}
          </fieldset>
        ) : (
          <p id="handout-no-old">{t(lang, "handoutNoOldDocument")}</p>
        )}
        {candidate.pin_letter_required && (
          <div class="check-row">
            <label class="check">
              <input
                type="checkbox"
                id="handout-pin-letter"
                checked={state.pinLetterConfirmed}
                aria-describedby={missingLetter ? "handout-letter-missing" : undefined}
                onChange={(event) => actions.setHandout({ pinLetterConfirmed: (event.target as HTMLInputElement).checked })}
              />
              {t(lang, "handoutPinLetter")}
            </label>
            {missingLetter && (
              <p id="handout-letter-missing" class="field-error">
                {t(lang, "handoutPinLetterMissing")}
              </p>
            )}
          </div>
        )}
        <button type="submit" id="handout-submit" disabled={state.busy}>
          {t(lang, "handoutRecord")} ({keyLabel(lang, "F12")})
        </button>
      </form>
    </section>
  );
}

/** A refusal of the handout in the handout's own words: `pickup_not_ready` is written for loading. */
function HandoutError({ lang, error }: { lang: Lang; error: UiError }) {
  if (error.code === "pickup_not_ready") return <>{t(lang, "handoutNotReady")}</>;
  return <ErrorText lang={lang} error={error} />;
}

/** The name search's matches from this desk's store, ready for pickup: chosen with the arrow keys and Enter. */
function Matches({ lang, query, matches }: { lang: Lang; query: string; matches: readonly ApplicationView[] }) {
  const desk = useDesk();
  const actions = pickupActions(desk);
  useEffect(() => {
    document.querySelector<HTMLButtonElement>("#handout-matches button")?.focus();
  }, [matches]);
  if (matches.length === 0) {
    return (
      <p id="handout-matches-none" class="notice compact">
        {t(lang, "handoutMatchesNone", { query })}
      </p>
    );
  }
  const move = (event: KeyboardEvent) => {
    if (event.key !== "ArrowDown" && event.key !== "ArrowUp") return;
    const buttons = [...document.querySelectorAll<HTMLButtonElement>("#handout-matches button")];
    const at = buttons.indexOf(document.activeElement as HTMLButtonElement);
    const next = buttons[Math.max(0, Math.min(buttons.length - 1, at + (event.key === "ArrowDown" ? 1 : -1)))];
    next?.focus();
    event.preventDefault();
  };
  return (
    <div id="handout-matches-box">
      <p class="hint" id="handout-matches-hint">
        {t(lang, "handoutMatchesHint")}
      </p>
      <table id="handout-matches" aria-describedby="handout-matches-hint" onKeyDown={move}>
        <caption>{t(lang, "handoutMatchesTitle", { query })}</caption>
        <thead>
          <tr>
            <th scope="col">{t(lang, "boxColNumber")}</th>
            <th scope="col">{t(lang, "handoutColKind")}</th>
            <th scope="col">{t(lang, "handoutColName")}</th>
            <th scope="col">{t(lang, "handoutColBirth")}</th>
            <th scope="col">{t(lang, "boxColAction")}</th>
          </tr>
        </thead>
        <tbody>
          {matches.map((m) => {
            const name = `${m.family_name}, ${m.given_names}`;
            const birth = isoToGerman(m.date_of_birth);
            return (
              <tr key={m.application_id} data-application={m.application_number ?? ""}>
                <th scope="row">{m.application_number}</th>
                <td>{t(lang, `docKind.${m.document_kind}` as MessageKey)}</td>
                <td>{name}</td>
                <td>{birth}</td>
                <td>
                  <button
                    type="button"
                    class="secondary"
                    aria-label={t(lang, "handoutChooseLabel", { name, birth, number: m.application_number ?? "" })}
                    onClick={() => void actions.choose(m)}
                  >
                    {t(lang, "handoutChoose")}
                  </button>
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}

export function PickupScreen() {
  const desk = useDesk();
  const actions = pickupActions(desk);
  const lang = useDeskState((s) => s.lang);
  const state = useStore(actions.store, (s) => s);
  // The screen just opened: the number field first (keyboard-first).
  useOpeningFocus("handout-number");
  return (
    <div class="handout-screen">
      <section class="panel" aria-labelledby="handout-search-title">
        <h2 id="handout-search-title">{t(lang, "handoutSearchTitle")}</h2>
        <form
          class="handout-search"
          role="search"
          onSubmit={(event) => {
            event.preventDefault();
            void actions.search();
          }}
        >
          <label for="handout-number">{t(lang, "nameOrNumber")}</label>
          <input
            id="handout-number"
            autoComplete="off"
            spellcheck={false}
            value={state.searchNumber}
            onInput={(event) => actions.setSearch((event.target as HTMLInputElement).value)}
          />
          <button type="submit" id="handout-find" disabled={state.busy}>
            {t(lang, "handoutFind")}
          </button>
        </form>
        {state.handoutError && (
          <p id="handout-error" class="error" role="alert">
            <HandoutError lang={lang} error={state.handoutError} />
          </p>
        )}
        <p id="handout-outcome" class="outcome" role="status" aria-live="polite">
          {state.handedOut &&
            (state.handedOut.freed_compartment !== null
              ? t(lang, "handoutDoneFreed", { number: state.handedOut.application_number, compartment: String(state.handedOut.freed_compartment) })
              : t(lang, "handoutDone", { number: state.handedOut.application_number }))}
        </p>
        {state.matches && <Matches lang={lang} query={state.matchesQuery} matches={state.matches} />}
      </section>
      {state.candidate && <Candidate lang={lang} candidate={state.candidate} />}
      <ArrivalPanel lang={lang} onBoxScreen={false} />
    </div>
  );
}
