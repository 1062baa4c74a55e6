/** Warteschlange (F5): today's appointments of the office with their check-in (per row, or by the booking
 * code the citizen shows), walk-ins by service, the waiting list with display numbers, and this place's
 * call: »Nächste aufrufen« (F12; asks first while someone is still at this place), then for the current
 * ticket appeared, call again, not appeared, park, forward, finish. A refusal by the central (another desk
 * was faster) is said as such; the list then shows the central's state. */
import { useEffect, useLayoutEffect, useRef } from "preact/hooks";
import type { QueueAppointmentView, QueueTicketView } from "../bindings";
import { ErrorText, useOpeningFocus } from "../components";
import { useDesk, useDeskState } from "../desk";
import { keyLabel, type KeyBinding } from "../keys";
import { t, type Lang, type MessageKey } from "../messages";
import { queueActions, serviceKey, WALK_IN_SERVICES, type QueueActionName, type QueueOutcome } from "../queue";
import { useStore } from "../store";

/** The most calls of one ticket (`schalter_appointments::queue::CALL_COUNT_MAX`). */
const CALLS_MAX = 3;

export const QUEUE_KEYS: readonly KeyBinding[] = [
  {
    chords: ["F12"],
    label: "keyQueueCallNext",
    run: (desk) => {
      const actions = queueActions(desk);
      if (actions.state.confirmCall) return false;
      void actions.callNext();
    },
  },
  {
    chords: ["Escape"],
    label: "close",
    hidden: true,
    run: (desk) => {
      const actions = queueActions(desk);
      if (actions.state.confirmCall) {
        actions.cancelCall();
        document.getElementById("queue-call-next")?.focus();
      } else if (actions.state.forwardOpen) {
        actions.openForward(false);
        document.getElementById("queue-forward")?.focus();
      } else return false;
    },
  },
];

function service(lang: Lang, serviceId: string): string {
  const key = serviceKey(serviceId);
  return key ? t(lang, key) : serviceId;
}

function stateText(lang: Lang, ticket: QueueTicketView): string {
  const state = t(lang, `queueState.${ticket.state}` as MessageKey);
  return ticket.pending ? `${state} (${t(lang, "queuePending")})` : state;
}

function OutcomeText({ lang, outcome }: { lang: Lang; outcome: QueueOutcome }) {
  const { ticket } = outcome;
  const params = { number: ticket.display_number, place: ticket.place ?? "", count: String(ticket.call_count) };
  if (outcome.kind === "missed" && ticket.state === "missed") return <>{t(lang, "queueOutcome.missedFinal", params)}</>;
  return <>{t(lang, `queueOutcome.${outcome.kind}` as MessageKey, params)}</>;
}

/** The confirmation before calling while this place still has someone: Enter calls, Escape cancels. */
function ConfirmCall({ lang, current }: { lang: Lang; current: QueueTicketView | null }) {
  const desk = useDesk();
  const actions = queueActions(desk);
  const yes = useRef<HTMLButtonElement>(null);
  // Focused in the same task as the dialog appears: an Enter typed right after F12 answers it, not the page.
  useLayoutEffect(() => yes.current?.focus(), []);
  const cancel = () => {
    actions.cancelCall();
    document.getElementById("queue-call-next")?.focus();
  };
  const trap = (event: KeyboardEvent) => {
    if (event.key !== "Tab") return;
    const buttons = [...document.querySelectorAll<HTMLButtonElement>("#queue-confirm button")];
    const at = buttons.indexOf(document.activeElement as HTMLButtonElement);
    const next = buttons[(at + (event.shiftKey ? buttons.length - 1 : 1)) % buttons.length];
    next?.focus();
    event.preventDefault();
  };
  return (
    <div class="queue-backdrop">
      <div id="queue-confirm" class="queue-dialog" role="alertdialog" aria-modal="true" aria-labelledby="queue-confirm-title" aria-describedby="queue-confirm-text" onKeyDown={trap}>
        <h2 id="queue-confirm-title">{t(lang, "queueConfirmTitle")}</h2>
        <p id="queue-confirm-text">
          {t(lang, "queueConfirmText", {
            number: current?.display_number ?? "",
            state: current ? t(lang, `queueState.${current.state}` as MessageKey) : "",
          })}
        </p>
        <div class="queue-actions">
          <button type="button" id="queue-confirm-yes" ref={yes} onClick={() => void actions.callNext(true)}>
            {t(lang, "queueConfirmYes")}
          </button>
          <button type="button" id="queue-confirm-no" class="secondary-blue" onClick={cancel}>
            {t(lang, "queueConfirmNo")} ({keyLabel(lang, "Escape")})
          </button>
        </div>
      </div>
    </div>
  );
}

function Forward({ lang, ticket }: { lang: Lang; ticket: QueueTicketView }) {
  const desk = useDesk();
  const actions = queueActions(desk);
  const state = useStore(actions.store, (s) => s);
  useEffect(() => document.getElementById("queue-forward-place")?.focus(), []);
  return (
    <form
      id="queue-forward-form"
      class="queue-form"
      aria-labelledby="queue-forward-title"
      onSubmit={(event) => {
        event.preventDefault();
        void actions.forward(ticket.id);
      }}
    >
      <h3 id="queue-forward-title">{t(lang, "queueForwardTitle", { number: ticket.display_number })}</h3>
      <p class="hint" id="queue-forward-hint">
        {t(lang, "queueForwardHint")}
      </p>
      <label for="queue-forward-place">{t(lang, "queueForwardPlace")}</label>
      <input
        id="queue-forward-place"
        autoComplete="off"
        maxLength={8}
        aria-describedby="queue-forward-hint"
        value={state.forwardPlace}
        onInput={(event) => actions.set({ forwardPlace: (event.target as HTMLInputElement).value })}
      />
      <label for="queue-forward-service">{t(lang, "queueForwardService")}</label>
      <select id="queue-forward-service" value={state.forwardService} onChange={(event) => actions.set({ forwardService: (event.target as HTMLSelectElement).value })}>
        <option value="">{t(lang, "queueForwardSameService")}</option>
        {WALK_IN_SERVICES.map((id) => (
          <option value={id} key={id}>
            {service(lang, id)}
          </option>
        ))}
      </select>
      <button type="submit" id="queue-forward-send" disabled={state.busy}>
        {t(lang, "queueForwardSend")}
      </button>
      <button type="button" class="secondary-blue" id="queue-forward-cancel" onClick={() => actions.openForward(false)}>
        {t(lang, "queueConfirmNo")} ({keyLabel(lang, "Escape")})
      </button>
    </form>
  );
}

/** Whom this place calls or serves now, and what can be done with them. */
function Current({ lang, ticket }: { lang: Lang; ticket: QueueTicketView }) {
  const desk = useDesk();
  const actions = queueActions(desk);
  const state = useStore(actions.store, (s) => s);
  const button = (action: QueueActionName, key: MessageKey, primary = false) => (
    <button type="button" id={`queue-${action}`} class={primary ? undefined : "secondary-blue"} disabled={state.busy} onClick={() => (action === "forward" ? actions.openForward() : void actions.act(ticket.id, action))}>
      {t(lang, key)}
    </button>
  );
  const called = ticket.state === "called";
  return (
    <div id="queue-current" class="queue-current" data-state={ticket.state}>
      <p class="queue-number" id="queue-current-number">
        {ticket.display_number}
      </p>
      <dl class="queue-facts">
        <dt>{t(lang, "queueColState")}</dt>
        <dd id="queue-current-state">{stateText(lang, ticket)}</dd>
        <dt>{t(lang, "queueColService")}</dt>
        <dd>{service(lang, ticket.service_id)}</dd>
        {ticket.family_name && (
          <>
            <dt>{t(lang, "queueColName")}</dt>
            <dd>{ticket.family_name}</dd>
          </>
        )}
        {ticket.due_time && (
          <>
            <dt>{t(lang, "queueColTime")}</dt>
            <dd>{ticket.due_time}</dd>
          </>
        )}
        <dt>{t(lang, "queueColCalls")}</dt>
        <dd id="queue-current-calls">{t(lang, "queueCallCount", { count: String(ticket.call_count), max: String(CALLS_MAX) })}</dd>
      </dl>
      <div class="queue-actions" role="group" aria-label={t(lang, "queueActionsLabel", { number: ticket.display_number })}>
        {called && button("serve", "queueServe", true)}
        {called && ticket.call_count < CALLS_MAX && button("recall", "queueRecall")}
        {called && button("missed", "queueMissed")}
        {ticket.state === "serving" && button("finish", "queueFinish", true)}
        {ticket.state === "serving" && button("park", "queuePark")}
        {button("forward", "queueForward")}
        {called && button("finish", "queueFinish")}
      </div>
      {state.forwardOpen && <Forward lang={lang} ticket={ticket} />}
    </div>
  );
}

/** Today's appointments: those not yet here (to check in) and those checked in (with their ticket's state). */
function Appointments({ lang, open, checkedIn }: { lang: Lang; open: readonly QueueAppointmentView[]; checkedIn: readonly QueueTicketView[] }) {
  const desk = useDesk();
  const actions = queueActions(desk);
  const busy = useStore(actions.store, (s) => s.busy);
  type Row = { time: string; key: string; service: string; name: string; open?: QueueAppointmentView; ticket?: QueueTicketView };
  const rows: Row[] = [
    ...open.map((a) => ({ time: a.time, key: a.booking_id, service: a.service_id, name: a.family_name, open: a })),
    ...checkedIn.map((ticket) => ({ time: ticket.due_time ?? "", key: ticket.id, service: ticket.service_id, name: ticket.family_name ?? "", ticket })),
  ].sort((a, b) => a.time.localeCompare(b.time));
  if (rows.length === 0) return <p id="queue-no-appointments">{t(lang, "queueNoAppointments")}</p>;
  return (
    <table id="queue-appointments">
      <caption>{t(lang, "queueAppointmentsTitle")}</caption>
      <thead>
        <tr>
          <th scope="col">{t(lang, "queueColTime")}</th>
          <th scope="col">{t(lang, "queueColService")}</th>
          <th scope="col">{t(lang, "queueColName")}</th>
          <th scope="col">{t(lang, "queueColState")}</th>
          <th scope="col">{t(lang, "queueColAction")}</th>
        </tr>
      </thead>
      <tbody>
        {rows.map((row) => (
          <tr key={row.key} data-booking={row.open?.booking_id ?? row.ticket?.booking_id ?? ""}>
            <th scope="row">{row.time}</th>
            <td>{service(lang, row.service)}</td>
            <td>{row.name}</td>
            <td>{row.ticket ? `${row.ticket.display_number} · ${stateText(lang, row.ticket)}` : t(lang, "queueAppointmentBooked")}</td>
            <td>
              {row.open && (
                <button
                  type="button"
                  class="secondary-blue"
                  disabled={busy}
                  aria-label={t(lang, "queueCheckInLabel", { time: row.time, name: row.name })}
                  onClick={() => void actions.checkInAppointment(row.open!.booking_id)}
                >
                  {t(lang, "queueCheckIn")}
                </button>
              )}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function WaitingList({ lang, tickets, canResume }: { lang: Lang; tickets: readonly QueueTicketView[]; canResume: boolean }) {
  const desk = useDesk();
  const actions = queueActions(desk);
  const busy = useStore(actions.store, (s) => s.busy);
  if (tickets.length === 0) return <p id="queue-list-empty">{t(lang, "queueListEmpty")}</p>;
  return (
    <table id="queue-list">
      <caption>{t(lang, "queueListTitle")}</caption>
      <thead>
        <tr>
          <th scope="col">{t(lang, "queueColNumber")}</th>
          <th scope="col">{t(lang, "queueColService")}</th>
          <th scope="col">{t(lang, "queueColArrived")}</th>
          <th scope="col">{t(lang, "queueColState")}</th>
          <th scope="col">{t(lang, "queueColCalls")}</th>
          <th scope="col">{t(lang, "queueColPlace")}</th>
          <th scope="col">{t(lang, "queueColAction")}</th>
        </tr>
      </thead>
      <tbody>
        {tickets.map((ticket) => (
          <tr key={ticket.id} data-ticket={ticket.display_number} data-state={ticket.state}>
            <th scope="row">{ticket.display_number}</th>
            <td>
              {service(lang, ticket.service_id)}
              {ticket.due_time && ` · ${t(lang, "queueDue", { time: ticket.due_time })}`}
            </td>
            <td>{ticket.arrived_time}</td>
            <td>{ticket.state === "missed" ? t(lang, "queueMissedAfter", { count: String(ticket.call_count) }) : stateText(lang, ticket)}</td>
            <td>{ticket.call_count}</td>
            <td>{ticket.place ?? "–"}</td>
            <td>
              {ticket.state === "parked" && canResume && (
                <button type="button" class="secondary-blue" disabled={busy} aria-label={t(lang, "queueResumeLabel", { number: ticket.display_number })} onClick={() => void actions.act(ticket.id, "resume")}>
                  {t(lang, "queueResume")}
                </button>
              )}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function QueueScreen() {
  const desk = useDesk();
  const actions = queueActions(desk);
  const lang = useDeskState((s) => s.lang);
  const lastSync = useDeskState((s) => s.sync?.last_synced_at ?? null);
  const state = useStore(actions.store, (s) => s);
  // The screen just opened: the booking-code field first (a scanner types into it).
  useOpeningFocus("queue-code");
  useEffect(() => {
    // Opened, and after every sync round: what the other desks did arrives with the pull.
    void actions.refresh();
  }, [lastSync]);
  const view = state.view;
  const current = view?.current ?? null;
  const calledNow = state.outcome?.kind === "called" && state.outcome.ticket.id === current?.id;
  useLayoutEffect(() => {
    // Someone was just called (and the list read again): the next key press is »Erschienen«.
    if (calledNow) document.querySelector<HTMLButtonElement>("#queue-current button")?.focus();
  }, [state.outcome, calledNow]);
  const tickets = view?.tickets ?? [];
  const listed = tickets.filter((ticket) => ticket.state !== "finished" && ticket.id !== current?.id);
  const appointmentTickets = tickets.filter((ticket) => ticket.kind === "appointment");
  return (
    <div class="queue-screen">
      <section class="panel queue-call" aria-labelledby="queue-call-title">
        <h2 id="queue-call-title">{t(lang, "queueCallTitle", { place: view?.place ?? "…" })}</h2>
        <button type="button" id="queue-call-next" disabled={state.busy} onClick={() => void actions.callNext()}>
          {t(lang, "queueCallNext")} ({keyLabel(lang, "F12")})
        </button>
        {state.error && (
          <div id="queue-error" class="error" role="alert">
            {state.refusedByCentral && <strong id="queue-refused">{t(lang, "queueRefused")} </strong>}
            <ErrorText lang={lang} error={state.error} />
          </div>
        )}
        <p id="queue-outcome" class="outcome" role="status" aria-live="polite">
          {state.outcome && <OutcomeText lang={lang} outcome={state.outcome} />}
        </p>
        {current ? <Current lang={lang} ticket={current} /> : <p id="queue-no-current">{t(lang, "queueNobodyCurrent")}</p>}
      </section>
      <section class="panel" aria-labelledby="queue-checkin-title">
        <h2 id="queue-checkin-title">{t(lang, "queueCheckInTitle")}</h2>
        <form
          class="queue-form"
          id="queue-code-form"
          onSubmit={(event) => {
            event.preventDefault();
            void actions.checkInCode();
          }}
        >
          <label for="queue-code">{t(lang, "queueCodeLabel")}</label>
          <input
            id="queue-code"
            autoComplete="off"
            spellcheck={false}
            aria-describedby="queue-code-hint"
            value={state.code}
            onInput={(event) => actions.set({ code: (event.target as HTMLInputElement).value })}
          />
          <button type="submit" id="queue-code-submit" disabled={state.busy}>
            {t(lang, "queueCodeSubmit")}
          </button>
          <span class="hint" id="queue-code-hint">
            {t(lang, "queueCodeHint")}
          </span>
        </form>
        <form
          class="queue-form"
          id="queue-walk-in-form"
          onSubmit={(event) => {
            event.preventDefault();
            void actions.checkInWalkIn();
          }}
        >
          <label for="queue-walk-in-service">{t(lang, "queueWalkInService")}</label>
          <select id="queue-walk-in-service" value={state.walkInService} onChange={(event) => actions.set({ walkInService: (event.target as HTMLSelectElement).value })}>
            {WALK_IN_SERVICES.map((id) => (
              <option value={id} key={id}>
                {service(lang, id)}
              </option>
            ))}
          </select>
          <button type="submit" id="queue-walk-in" disabled={state.busy}>
            {t(lang, "queueWalkInSubmit")}
          </button>
        </form>
        <Appointments lang={lang} open={view?.appointments ?? []} checkedIn={appointmentTickets} />
      </section>
      <section class="panel" aria-labelledby="queue-list-title">
        <h2 id="queue-list-title">{t(lang, "queueWaitingTitle", { count: String(listed.filter((ticket) => ticket.state === "waiting").length) })}</h2>
        {state.loading && !view ? <p>{t(lang, "queueLoading")}</p> : <WaitingList lang={lang} tickets={listed} canResume={!current} />}
      </section>
      {state.confirmCall && <ConfirmCall lang={lang} current={current} />}
    </div>
  );
}
