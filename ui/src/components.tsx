/** Small pieces several screens use. */
import { useLayoutEffect } from "preact/hooks";
import type { ConnectionView, UiError } from "./bindings";
import type { Problem } from "./desk";
import { errorDetail, errorText, t, type Lang } from "./messages";

/** An error from the desk in the clerk's language; for IT, the desk's own message as a second line
 * when it names the broken part (configuration file, certificate). */
export function ErrorText({ lang, error }: { lang: Lang; error: UiError }) {
  const detail = errorDetail(error);
  return (
    <>
      {errorText(lang, error)}
      {detail && (
        <span class="detail">
          {t(lang, "startupDetail")}: {detail}
        </span>
      )}
    </>
  );
}

export function ProblemText({ lang, problem }: { lang: Lang; problem: Problem }) {
  return "error" in problem ? <ErrorText lang={lang} error={problem.error} /> : <>{t(lang, problem.message)}</>;
}

/** "Online"/"Offline" in words, not only in colour. */
export function ConnectionBadge({ lang, connection }: { lang: Lang; connection: ConnectionView | null }) {
  const online = connection?.online ?? false;
  return (
    <span id="connection-state" class={online ? "badge online" : "badge offline"} role="status" aria-label={`${t(lang, "connection")}: ${online ? t(lang, "online") : t(lang, "offline")}`}>
      <span class="dot" aria-hidden="true" />
      {online ? t(lang, "online") : t(lang, "offline")}
    </span>
  );
}

/** A screen's first field gets the focus when the screen opens: in the same commit as the screen's DOM,
 * so no key typed after the screen appears can land before it, and never taken from a field of the screen
 * the clerk (or a scanner) is already typing into. A later effect once moved the focus between a serial's
 * last character and its Enter, and the Enter went to another form. */
export function useOpeningFocus(id: string) {
  useLayoutEffect(() => {
    const target = document.getElementById(id);
    const active = document.activeElement;
    const screen = target?.closest("#section-content");
    if (!target || (active && active !== document.body && screen?.contains(active))) return;
    target.focus();
  }, [id]);
}
