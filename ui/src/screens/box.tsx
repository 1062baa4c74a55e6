/** Ausgabebox (Umschalt+F4): load a delivered document into the compartment the central chooses,
 * the compartments of the office's boxes with their state in words, the uncollected documents, and
 * per compartment what can be done (take back, clear a lock, confirm another clerk's load). */
import { useEffect } from "preact/hooks";
import type { CompartmentItemView, PickupBoxView, UncollectedView } from "../bindings";
import { ErrorText, useOpeningFocus } from "../components";
import { isoToGerman } from "../dates";
import { useDesk, useDeskState } from "../desk";
import { keyLabel, type KeyBinding } from "../keys";
import { t, type Lang, type MessageKey } from "../messages";
import { pickupActions, type BoxOutcome } from "../pickup";
import { useStore } from "../store";
import { ArrivalPanel } from "./arrival";

export const BOX_KEYS: readonly KeyBinding[] = [
  {
    chords: ["F12"],
    label: "keyBoxLoad",
    run: (desk) => {
      void pickupActions(desk).load();
    },
  },
  {
    chords: ["Alt+R"],
    label: "keyBoxRefresh",
    run: (desk) => {
      void pickupActions(desk).refresh();
    },
  },
];

const stateKey = (state: string) => `boxState.${state}` as MessageKey;
const reasonKey = (state: string) => `boxReason.${state}` as MessageKey;

function day(iso: string | null): string {
  return iso ? isoToGerman(iso) : "–";
}

function Outcome({ lang, outcome }: { lang: Lang; outcome: BoxOutcome }) {
  switch (outcome.kind) {
    case "loaded":
      return (
        <>
          <strong>{t(lang, "boxLoadedInto", { compartment: String(outcome.loaded.compartment) })}</strong>{" "}
          {t(lang, outcome.loaded.awaiting_confirmation ? "boxLoadedAwaiting" : "boxLoadedUntil", {
            number: outcome.number,
            day: day(outcome.loaded.last_pickup_day),
          })}
        </>
      );
    case "confirmed":
      return <>{t(lang, "boxConfirmed", { number: outcome.number, compartment: String(outcome.loaded.compartment), day: day(outcome.loaded.last_pickup_day) })}</>;
    case "taken_back":
      return <>{t(lang, "boxTakenBack", { number: outcome.number, compartment: String(outcome.compartment) })}</>;
    case "lock_cleared":
      return <>{t(lang, "boxLockCleared", { number: outcome.number, compartment: String(outcome.compartment) })}</>;
  }
}

function CompartmentActions({ lang, compartment, supervisor, busy }: { lang: Lang; compartment: CompartmentItemView; supervisor: boolean; busy: boolean }) {
  const desk = useDesk();
  const actions = pickupActions(desk);
  const id = compartment.application_id;
  const number = compartment.application_number ?? "";
  if (!id) return null;
  const label = (key: MessageKey) => t(lang, key, { compartment: String(compartment.number) });
  switch (compartment.state) {
    case "expired":
      return (
        <button type="button" class="secondary" id={`box-take-back-${compartment.number}`} disabled={busy} aria-label={label("boxTakeBackLabel")} onClick={() => void actions.takeBack(id, number)}>
          {t(lang, "boxTakeBack")}
        </button>
      );
    case "locked":
      return supervisor ? (
        <button type="button" class="secondary" id={`box-clear-lock-${compartment.number}`} disabled={busy} aria-label={label("boxClearLockLabel")} onClick={() => void actions.clearLock(id, number)}>
          {t(lang, "boxClearLock")}
        </button>
      ) : (
        <span class="hint">{t(lang, "boxSupervisorOnly")}</span>
      );
    case "awaiting_confirmation":
      return (
        <button type="button" class="secondary" id={`box-confirm-${compartment.number}`} disabled={busy} aria-label={label("boxConfirmLabel")} onClick={() => void actions.confirmLoad(id, number)}>
          {t(lang, "boxConfirm")}
        </button>
      );
    default:
      return null;
  }
}

function CompartmentTable({ lang, box, supervisor, busy }: { lang: Lang; box: PickupBoxView; supervisor: boolean; busy: boolean }) {
  const counts = new Map<string, number>();
  for (const c of box.compartments) counts.set(c.state, (counts.get(c.state) ?? 0) + 1);
  return (
    <table class="box-compartments" id={`box-compartments-${box.box_id}`}>
      <caption>
        {box.name}: {[...counts].map(([state, n]) => `${n} × ${t(lang, stateKey(state))}`).join(" · ")}
      </caption>
      <thead>
        <tr>
          <th scope="col">{t(lang, "boxColCompartment")}</th>
          <th scope="col">{t(lang, "boxColSize")}</th>
          <th scope="col">{t(lang, "boxColState")}</th>
          <th scope="col">{t(lang, "boxColNumber")}</th>
          <th scope="col">{t(lang, "boxColUntil")}</th>
          <th scope="col">{t(lang, "boxColAction")}</th>
        </tr>
      </thead>
      <tbody>
        {box.compartments.map((c) => (
          <tr key={c.number} class={`compartment state-${c.state}`} data-compartment={c.number}>
            <th scope="row">{c.number}</th>
            <td>
              {c.size}
              {c.accessible && <> · {t(lang, "boxAccessibleShort")}</>}
            </td>
            <td>
              <span class={`compartment-state state-${c.state}`}>{t(lang, stateKey(c.state))}</span>
            </td>
            <td>{c.application_number ?? "–"}</td>
            <td>{day(c.last_pickup_day)}</td>
            <td>
              <CompartmentActions lang={lang} compartment={c} supervisor={supervisor} busy={busy} />
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function UncollectedTable({ lang, entries }: { lang: Lang; entries: readonly UncollectedView[] }) {
  if (entries.length === 0) return <p id="box-uncollected-empty">{t(lang, "boxUncollectedNone")}</p>;
  return (
    <table id="box-uncollected">
      <thead>
        <tr>
          <th scope="col">{t(lang, "boxColNumber")}</th>
          <th scope="col">{t(lang, "boxColCompartment")}</th>
          <th scope="col">{t(lang, "boxColReason")}</th>
          <th scope="col">{t(lang, "boxColUntil")}</th>
        </tr>
      </thead>
      <tbody>
        {entries.map((e) => (
          <tr key={e.application_id} class={`state-${e.state}`}>
            <th scope="row">{e.application_number}</th>
            <td>{e.compartment ?? t(lang, "boxAtCounter")}</td>
            <td>{t(lang, reasonKey(e.state))}</td>
            <td>{day(e.last_pickup_day)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function BoxScreen() {
  const desk = useDesk();
  const actions = pickupActions(desk);
  const lang = useDeskState((s) => s.lang);
  const supervisor = useDeskState((s) => s.session?.role === "supervisor" || s.session?.role === "admin");
  const state = useStore(actions.store, (s) => s);
  // The screen just opened: the number field first (keyboard-first), then the compartments.
  useOpeningFocus("box-load-number");
  useEffect(() => {
    void actions.refresh();
  }, [actions]);
  const boxes = state.office?.boxes ?? [];
  return (
    <div class="box-screen">
      <section class="panel" aria-labelledby="box-load-title">
        <h2 id="box-load-title">{t(lang, "boxLoadTitle")}</h2>
        <form
          class="box-load"
          onSubmit={(event) => {
            event.preventDefault();
            void actions.load();
          }}
        >
          <label for="box-load-number">{t(lang, "numberOrSerial")}</label>
          <input
            id="box-load-number"
            autoComplete="off"
            spellcheck={false}
            value={state.loadNumber}
            onInput={(event) => actions.setLoad({ loadNumber: (event.target as HTMLInputElement).value })}
          />
          {boxes.length > 1 && (
            <>
              <label for="box-load-box">{t(lang, "boxWhich")}</label>
              <select id="box-load-box" value={state.loadBox} onChange={(event) => actions.setLoad({ loadBox: (event.target as HTMLSelectElement).value })}>
                {boxes.map((b) => (
                  <option key={b.box_id} value={b.box_id}>
                    {b.name}
                  </option>
                ))}
              </select>
            </>
          )}
          <label class="check">
            <input
              type="checkbox"
              id="box-load-accessible"
              checked={state.loadAccessible}
              onChange={(event) => actions.setLoad({ loadAccessible: (event.target as HTMLInputElement).checked })}
            />
            {t(lang, "boxAccessible")}
          </label>
          <button type="submit" id="box-load-submit" disabled={state.busy}>
            {t(lang, "boxLoad")} ({keyLabel(lang, "F12")})
          </button>
        </form>
        <p id="box-outcome" class="outcome" role="status" aria-live="polite">
          {state.boxOutcome && <Outcome lang={lang} outcome={state.boxOutcome} />}
        </p>
        {state.boxError && (
          <p id="box-error" class="error" role="alert">
            <ErrorText lang={lang} error={state.boxError} />
          </p>
        )}
      </section>

      <section class="panel" aria-labelledby="box-overview-title">
        <h2 id="box-overview-title">{t(lang, "boxOverviewTitle")}</h2>
        <p class="hint">
          {state.office?.four_eyes_loading ? t(lang, "boxFourEyesOn") : t(lang, "boxFourEyesOff")}{" "}
          <button type="button" class="link" id="box-refresh" onClick={() => void actions.refresh()}>
            {t(lang, "boxRefresh")} ({keyLabel(lang, "Alt+R")})
          </button>
        </p>
        {state.office === null && state.loadingOffice && <p>{t(lang, "boxLoading")}</p>}
        {state.office !== null && boxes.length === 0 && <p id="box-none">{t(lang, "boxNone")}</p>}
        {boxes.map((b) => (
          <CompartmentTable key={b.box_id} lang={lang} box={b} supervisor={supervisor} busy={state.busy} />
        ))}
      </section>

      <section class="panel" aria-labelledby="box-uncollected-title">
        <h2 id="box-uncollected-title">{t(lang, "boxUncollectedTitle")}</h2>
        {state.office && <UncollectedTable lang={lang} entries={state.office.uncollected} />}
      </section>

      <ArrivalPanel lang={lang} onBoxScreen={true} />
    </div>
  );
}
