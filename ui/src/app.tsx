import { useCallback, useEffect, useRef, useState } from "preact/hooks";
import type { ComponentChildren } from "preact";
import type { ConnectionView, SessionView, commands } from "./bindings";
import { asUiError, errorText, formatTime, roleLabel, t, type Lang } from "./i18n";
import { PhotoSection, usePhoto, type PreviewChannelFactory } from "./photo";
import { ScanDetector } from "./scanner";
import { SECTIONS, shortcutFor, type Section } from "./shortcuts";

export type DeskApi = typeof commands;

const CONNECTION_POLL_MS = 2000;
const SESSION_POLL_MS = 10000;

function storedLang(): Lang {
  try {
    return localStorage.getItem("schalter.lang") === "en" ? "en" : "de";
  } catch {
    return "de";
  }
}

export function App({ api, previewChannel }: { api: DeskApi; previewChannel?: PreviewChannelFactory }) {
  const [lang, setLang] = useState<Lang>(storedLang);
  const [session, setSession] = useState<SessionView | null>(null);
  const [connection, setConnection] = useState<ConnectionView | null>(null);
  const [startupError, setStartupError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [section, setSection] = useState<Section>("customer");
  const [showHelp, setShowHelp] = useState(false);
  const photo = usePhoto(api, lang, previewChannel);
  const scanner = useRef(new ScanDetector());
  const burstOrigin = useRef<{ field: HTMLInputElement | HTMLTextAreaElement; value: string } | null>(null);

  const toggleLang = useCallback(() => {
    setLang((current) => {
      const next = current === "de" ? "en" : "de";
      try {
        localStorage.setItem("schalter.lang", next);
      } catch {
        // A language that is not remembered is no reason to fail.
      }
      return next;
    });
  }, []);

  const logout = useCallback(async () => {
    try {
      await api.logout();
    } finally {
      setSession(null);
      setSection("customer");
    }
  }, [api]);

  useEffect(() => {
    document.documentElement.lang = lang;
  }, [lang]);

  useEffect(() => {
    let stopped = false;
    const poll = async () => {
      try {
        const view = await api.connectionStatus();
        if (!stopped) {
          setConnection(view);
          setStartupError(null);
        }
      } catch (error) {
        if (!stopped) setStartupError(errorText(lang, error));
      }
    };
    void poll();
    const timer = setInterval(poll, CONNECTION_POLL_MS);
    return () => {
      stopped = true;
      clearInterval(timer);
    };
  }, [api, lang]);

  // The key handler is registered once and reads the latest render's values: re-registering in an
  // effect left a gap after each render (effects run after paint) in which a key pressed right
  // after login still met the logged-out handler and was lost.
  const keyContext = useRef({ session, section, photo, toggleLang, logout });
  keyContext.current = { session, section, photo, toggleLang, logout };

  useEffect(() => {
    if (!session) return;
    const timer = setInterval(async () => {
      const current = await api.currentSession().catch(() => null);
      if (!current) {
        keyContext.current.photo.stopCamera();
        setSession(null);
        setNotice(t(lang, "sessionExpired"));
      }
    }, SESSION_POLL_MS);
    return () => clearInterval(timer);
  }, [api, session, lang]);

  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      const { session, section, photo, toggleLang, logout } = keyContext.current;
      const fed = scanner.current.feed(event.key, performance.now());
      if (fed.burstStart) {
        const active = document.activeElement;
        burstOrigin.current =
          active instanceof HTMLInputElement || active instanceof HTMLTextAreaElement ? { field: active, value: active.value } : null;
      }
      if (fed.scan !== undefined) {
        event.preventDefault();
        event.stopPropagation();
        // The scanner typed into whatever field had focus: take its keystrokes back out.
        const origin = burstOrigin.current;
        if (origin) {
          origin.field.value = origin.value;
          origin.field.dispatchEvent(new Event("input", { bubbles: true }));
        }
        if (session) {
          setSection("customer");
          void photo.fetch(fed.scan);
        }
        return;
      }
      const action = shortcutFor(event);
      if (!action) return;
      if (action.kind === "toggleLanguage") toggleLang();
      else if (action.kind === "toggleHelp") setShowHelp((shown) => !shown);
      else if (!session) return;
      else if (action.kind === "navigate") setSection(action.section);
      else if (action.kind === "logout") {
        photo.stopCamera();
        void logout();
      }
      else if (action.kind === "openCodeImage") {
        setSection("customer");
        // The native file dialog; the input exists once the photo section is shown.
        setTimeout(() => document.getElementById("photo-code-file")?.click(), 0);
      }
      else if (action.kind === "camera") {
        setSection("customer");
        photo.toggleCamera();
      } else if (action.kind === "cancel") {
        if (!photo.state.camera) return;
        photo.stopCamera();
      }
      else if (section !== "customer" || !photo.state.photo) return;
      else if (action.kind === "photoAccept") void photo.decide(true);
      else if (action.kind === "photoReject") void photo.decide(false);
      else if (action.kind === "photoKeep") photo.toggleKeep();
      event.preventDefault();
    };
    window.addEventListener("keydown", onKey, true);
    return () => window.removeEventListener("keydown", onKey, true);
  }, []);

  return (
    <div class="desk">
      {session ? (
        <MainScreen lang={lang} session={session} connection={connection} section={section} onSection={setSection} onLogout={logout} onToggleLang={toggleLang}>
          {section === "customer" ? <PhotoSection lang={lang} photo={photo} /> : <p class="placeholder">{t(lang, "comingSoon")}</p>}
        </MainScreen>
      ) : (
        <LoginScreen
          lang={lang}
          api={api}
          connection={connection}
          startupError={startupError}
          notice={notice}
          onToggleLang={toggleLang}
          onLoggedIn={(view) => {
            setNotice(null);
            setSession(view);
          }}
        />
      )}
      {showHelp && <ShortcutHelp lang={lang} />}
    </div>
  );
}

function ConnectionBadge({ lang, connection }: { lang: Lang; connection: ConnectionView | null }) {
  const online = connection?.online ?? false;
  return (
    <span id="connection-state" class={online ? "badge online" : "badge offline"} role="status">
      <span class="dot" aria-hidden="true" />
      {online ? t(lang, "online") : t(lang, "offline")}
    </span>
  );
}

export function LoginScreen(props: {
  lang: Lang;
  api: DeskApi;
  connection: ConnectionView | null;
  startupError: string | null;
  notice: string | null;
  onToggleLang: () => void;
  onLoggedIn: (session: SessionView) => void;
}) {
  const { lang, api } = props;
  const [username, setUsername] = useState("");
  const [password, setPassword] = useState("");
  const [error, setError] = useState<string | null>(null);
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
      props.onLoggedIn(await api.login({ username, password }));
    } catch (failure) {
      setError(errorText(lang, failure));
      setPassword("");
      // A wrong password is retyped; a missing username is typed first.
      (asUiError(failure).code === "missing_credentials" && !username ? usernameRef : passwordRef).current?.focus();
    } finally {
      setBusy(false);
    }
  };

  return (
    <main class="login">
      <form class="card" onSubmit={submit} aria-labelledby="login-title">
        <div class="brand">{t(lang, "appName")}</div>
        <h1 id="login-title">{t(lang, "loginTitle")}</h1>
        {props.startupError && (
          <p id="startup-error" class="error" role="alert">
            {props.startupError}
          </p>
        )}
        {props.notice && !error && (
          <p id="login-notice" class="notice" role="status">
            {props.notice}
          </p>
        )}
        <label for="username">{t(lang, "username")}</label>
        <input id="username" ref={usernameRef} autocomplete="username" spellcheck={false} value={username} onInput={(e) => setUsername(e.currentTarget.value)} disabled={busy} />
        <label for="password">{t(lang, "password")}</label>
        <input id="password" ref={passwordRef} type="password" autocomplete="current-password" value={password} onInput={(e) => setPassword(e.currentTarget.value)} disabled={busy} />
        {error && (
          <p id="login-error" class="error" role="alert">
            {error}
          </p>
        )}
        <button id="login-submit" type="submit" disabled={busy}>
          {busy ? t(lang, "loggingIn") : t(lang, "login")} <kbd>Enter</kbd>
        </button>
        <footer class="login-footer">
          <span>
            <ConnectionBadge lang={lang} connection={props.connection} />{" "}
            {props.connection?.online ? t(lang, "centralReachable") : t(lang, "centralUnreachable")}
          </span>
          <button type="button" class="link" onClick={props.onToggleLang}>
            {t(lang, "language")} <kbd>Alt+S</kbd>
          </button>
        </footer>
      </form>
    </main>
  );
}

function MainScreen(props: {
  lang: Lang;
  session: SessionView;
  connection: ConnectionView | null;
  section: Section;
  onSection: (section: Section) => void;
  onLogout: () => void;
  onToggleLang: () => void;
  children: ComponentChildren;
}) {
  const { lang, session, connection } = props;
  const current = SECTIONS.find((s) => s.id === props.section)!;
  return (
    <div class="main">
      <header class="topbar">
        <div class="brand">{t(lang, "appName")}</div>
        <div class="who">
          <span id="clerk-name" class="clerk">{session.display_name}</span>
          <span class="role">{roleLabel(lang, session.role)}</span>
          <span id="office-name" class="office">
            {session.office_name} ({session.office_id})
          </span>
        </div>
        <div class="status">
          <ConnectionBadge lang={lang} connection={connection} />
          <span>
            {t(lang, "lastContact")}: <span id="last-contact">{formatTime(lang, connection?.last_contact ?? null)}</span>
          </span>
          <span>
            {t(lang, "lastSync")}: <span id="last-sync">{formatTime(lang, connection?.last_sync ?? null)}</span>
          </span>
        </div>
        <div class="actions">
          <button type="button" class="link" onClick={props.onToggleLang}>
            {t(lang, "language")} <kbd>Alt+S</kbd>
          </button>
          <button id="logout" type="button" onClick={props.onLogout}>
            {t(lang, "logout")} <kbd>Strg+Q</kbd>
          </button>
        </div>
      </header>
      <nav class="sections" aria-label="Bereiche">
        {SECTIONS.map((s) => (
          <button type="button" id={`nav-${s.id}`} class={s.id === props.section ? "active" : ""} aria-current={s.id === props.section ? "page" : undefined} onClick={() => props.onSection(s.id)}>
            {t(lang, s.label)} <kbd>{s.key}</kbd>
          </button>
        ))}
      </nav>
      <main class="content" id="section-content">
        <h1>{t(lang, current.label)}</h1>
        {props.children}
      </main>
      <footer class="statusbar">
        <span>
          {t(lang, "sessionUntil")} {formatTime(lang, session.expires_at)}
        </span>
        <span>{t(lang, "shortcutsHint")}</span>
      </footer>
    </div>
  );
}

function ShortcutHelp({ lang }: { lang: Lang }) {
  const rows: [string, string][] = [
    ["F2 – F5", t(lang, "keyNavigate")],
    ["Enter", t(lang, "keySubmit")],
    ["F7 / F8 / F9", t(lang, "keyPhoto")],
    ["Strg+O", t(lang, "photoFile")],
    ["F6 / Esc", `${t(lang, "cameraStart")} / ${t(lang, "cameraStop")}`],
    ["Strg+Q", t(lang, "keyLogout")],
    ["Alt+S", t(lang, "keyLanguage")],
    ["F1", t(lang, "keyHelp")],
  ];
  return (
    <aside id="shortcut-help" class="help" role="dialog" aria-label={t(lang, "shortcuts")}>
      <h2>{t(lang, "shortcuts")}</h2>
      <dl>
        {rows.map(([key, label]) => (
          <>
            <dt>
              <kbd>{key}</kbd>
            </dt>
            <dd>{label}</dd>
          </>
        ))}
      </dl>
    </aside>
  );
}
