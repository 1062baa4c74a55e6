/** Eingang vom Hersteller (on »Abholung« and »Ausgabebox«): the clerk scans the delivered document's
 * serial (or types its application number). A counter document becomes ready for pickup at once; a
 * box document becomes ready only when it is loaded, so its number goes into the load form. */
import { ErrorText } from "../components";
import { useDesk } from "../desk";
import { keyLabel } from "../keys";
import { t, type Lang, type MessageKey } from "../messages";
import { pickupActions } from "../pickup";
import { useStore } from "../store";

export function ArrivalPanel({ lang, onBoxScreen }: { lang: Lang; onBoxScreen: boolean }) {
  const desk = useDesk();
  const actions = pickupActions(desk);
  const state = useStore(actions.store, (s) => s);
  const arrival = state.arrival;
  const outcomeKey: MessageKey | null = !arrival
    ? null
    : arrival.outcome === "load_into_box"
      ? "arrivalLoad"
      : arrival.already_marked
        ? "arrivalAlready"
        : "arrivalReady";
  return (
    <section class="panel" aria-labelledby="arrival-title">
      <h2 id="arrival-title">{t(lang, "arrivalTitle")}</h2>
      <form
        class="arrival-form"
        onSubmit={(event) => {
          event.preventDefault();
          void actions.markArrived().then((done) => {
            if (done?.outcome === "load_into_box" && onBoxScreen) document.getElementById("box-load-number")?.focus();
          });
        }}
      >
        <label for="arrival-number">{t(lang, "arrivalNumber")}</label>
        <input
          id="arrival-number"
          autoComplete="off"
          spellcheck={false}
          value={state.arrivalNumber}
          onInput={(event) => actions.setArrival((event.target as HTMLInputElement).value)}
        />
        {/* Not disabled for an empty field: a scanner's Enter comes before the re-render that would enable it,
            and a disabled default button swallows implicit submission. markArrived ignores an empty field. */}
        <button type="submit" id="arrival-submit" class="secondary" disabled={state.busy}>
          {t(lang, "arrivalMark")}
        </button>
      </form>
      <p id="arrival-outcome" class="outcome" role="status" aria-live="polite">
        {arrival && outcomeKey && t(lang, outcomeKey, { number: arrival.application_number })}
        {arrival?.outcome === "load_into_box" && !onBoxScreen && (
          <>
            {" "}
            <button type="button" class="link" id="arrival-to-load" onClick={() => desk.navigate("box")}>
              {t(lang, "arrivalToLoad")} ({keyLabel(lang, "Shift+F4")})
            </button>
          </>
        )}
      </p>
      {state.arrivalError && (
        <p id="arrival-error" class="error" role="alert">
          <ErrorText lang={lang} error={state.arrivalError} />
        </p>
      )}
    </section>
  );
}
