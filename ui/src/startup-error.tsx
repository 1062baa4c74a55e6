/** The desk core could not start (its configuration or certificate is broken): what is wrong and that IT must
 * fix it, instead of a login form that could only fail. The detail line is focused so that a screen reader
 * reads it and a clerk sees where the keyboard is. */
import { useEffect, useRef } from "preact/hooks";
import type { UiError } from "./bindings";
import { useDeskState } from "./desk";
import { LanguageButton } from "./header";
import { errorDetail, errorText, t } from "./messages";

export function StartupErrorScreen({ error }: { error: UiError }) {
  const lang = useDeskState((s) => s.lang);
  const detail = errorDetail(error) ?? error.message;
  const detailRef = useRef<HTMLParagraphElement>(null);
  useEffect(() => detailRef.current?.focus(), []);
  return (
    <main class="login">
      <section class="card startup-card" aria-labelledby="startup-title">
        <div class="brand">{t(lang, "appName")}</div>
        <h1 id="startup-title">{t(lang, "startupTitle")}</h1>
        <div id="startup-error" class="error" role="alert">
          <p>{errorText(lang, error)}</p>
          <h2 class="startup-detail-title">{t(lang, "startupDetail")}</h2>
          <p id="startup-detail" class="detail" tabIndex={0} ref={detailRef}>
            {detail}
          </p>
        </div>
        <p id="startup-no-login">{t(lang, "startupNoLogin")}</p>
        <p id="startup-what-to-do">{t(lang, "startupWhatToDo")}</p>
        <footer class="login-footer">
          <span />
          <LanguageButton />
        </footer>
      </section>
    </main>
  );
}
