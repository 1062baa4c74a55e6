/** Anmeldung: username, password, why the last session ended, whether the central API is there. */
import { useEffect, useRef, useState } from "preact/hooks";
import type { UiError } from "./bindings";
import { ConnectionBadge, ErrorText } from "./components";
import { useDesk, useDeskState } from "./desk";
import { LanguageButton } from "./header";
import { asUiError, t } from "./messages";

export function LoginScreen() {
  const desk = useDesk();
  const lang = useDeskState((s) => s.lang);
  const connection = useDeskState((s) => s.connection);
  const notice = useDeskState((s) => s.loginNotice);
  const [username, setUsername] = useState("");
  const [password, setPassword] = useState("");
  const [error, setError] = useState<UiError | null>(null);
  const [busy, setBusy] = useState(false);
  const usernameRef = useRef<HTMLInputElement>(null);
  const passwordRef = useRef<HTMLInputElement>(null);

  useEffect(() => usernameRef.current?.focus(), []);

  const submit = async (event: Event) => {
    event.preventDefault();
    if (busy) return;
    setBusy(true);
    setError(null);
    try {
      const session = await desk.api.login({ username, password });
      desk.loggedIn(session);
    } catch (failure) {
      const uiError = asUiError(failure);
      setError(uiError);
      setPassword("");
      setBusy(false);
      // A wrong password is retyped; a missing username is typed first. Focus after the fields are enabled again.
      setTimeout(() => (uiError.code === "missing_credentials" && !username ? usernameRef : passwordRef).current?.focus(), 0);
    }
  };

  return (
    <main class="login">
      <form class="card" onSubmit={submit} aria-labelledby="login-title">
        <div class="brand">{t(lang, "appName")}</div>
        <h1 id="login-title">{t(lang, "loginTitle")}</h1>
        {notice && !error && (
          <p id="login-notice" class="notice" role="status">
            {t(lang, notice)}
          </p>
        )}
        <label for="username">{t(lang, "username")}</label>
        <input id="username" ref={usernameRef} autocomplete="username" spellcheck={false} value={username} onInput={(e) => setUsername(e.currentTarget.value)} disabled={busy} />
        <label for="password">{t(lang, "password")}</label>
        <input id="password" ref={passwordRef} type="password" autocomplete="current-password" value={password} onInput={(e) => setPassword(e.currentTarget.value)} disabled={busy} />
        {error && (
          <p id="login-error" class="error" role="alert">
            <ErrorText lang={lang} error={error} />
          </p>
        )}
        <button id="login-submit" type="submit" disabled={busy}>
          {busy ? t(lang, "loggingIn") : t(lang, "login")} <kbd>Enter</kbd>
        </button>
        <footer class="login-footer">
          <span>
            <ConnectionBadge lang={lang} connection={connection} /> {connection?.online ? t(lang, "centralReachable") : t(lang, "centralUnreachable")}
          </span>
          <LanguageButton />
        </footer>
      </form>
    </main>
  );
}
