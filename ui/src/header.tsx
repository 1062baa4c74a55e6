/** The frame around every screen: who and where, the visit, the connection, the navigation. */
import { useDesk, useDeskState, type DeskState } from "./desk";
import { ConnectionBadge } from "./components";
import { keyLabel } from "./keys";
import { SyncStatus } from "./sync";
import { formatTime, roleLabel, t, type Lang, type MessageKey } from "./messages";
import { SCREENS } from "./screens/registry";

/** "Foto angenommen · Antrag offen · Abholung offen": one part per step of the visit. */
export function visitParts(state: Pick<DeskState, "visit" | "photo"> & Partial<Pick<DeskState, "application">>): MessageKey[] {
  const { visit, photo } = state;
  const photoPart: MessageKey = visit.photo
    ? !visit.photo.accepted
      ? "visitPhotoRejected"
      : visit.photo.checks_overridden
        ? "visitPhotoAcceptedOverride"
        : "visitPhotoAccepted"
    : photo.photo || photo.busy
      ? "visitPhotoPending"
      : "visitPhotoOpen";
  const applicationPart: MessageKey = state.application?.last ? "visitApplicationRecorded" : "visitApplicationOpen";
  return [photoPart, applicationPart, "visitPickupOpen"];
}

export function visitSummary(lang: Lang, state: Pick<DeskState, "visit" | "photo"> & Partial<Pick<DeskState, "application">>): string {
  return `${t(lang, "visit")}: ${visitParts(state).map((part) => t(lang, part)).join(" · ")}`;
}

export function Header() {
  const desk = useDesk();
  const lang = useDeskState((s) => s.lang);
  const session = useDeskState((s) => s.session)!;
  const connection = useDeskState((s) => s.connection);
  const visit = useDeskState((s) => s.visit);
  const photo = useDeskState((s) => s.photo);
  const application = useDeskState((s) => s.application);
  const confirmLogout = useDeskState((s) => s.confirmLogout);
  const pending = useDeskState((s) => s.sync?.pending ?? 0);
  return (
    <header class="topbar">
      <div class="topbar-row">
        <div class="brand">{t(lang, "appName")}</div>
        <div class="who">
          <span id="clerk-name" class="clerk">
            {session.display_name}
          </span>
          <span class="role">{roleLabel(lang, session.role)}</span>
          {session.offline && (
            <span id="offline-session" class="badge offline" title={t(lang, "offlineSessionHint")}>
              {t(lang, "offlineSession")}
            </span>
          )}
          <span id="office-name" class="office">
            {session.office_name} ({session.office_id})
          </span>
        </div>
        <div class="status">
          <ConnectionBadge lang={lang} connection={connection} />
          <span>
            {t(lang, "lastContact")}: <span id="last-contact">{formatTime(lang, connection?.last_contact ?? null)}</span>
          </span>
          <SyncStatus />
        </div>
        <div class="actions">
          <LanguageButton />
          <button id="logout" type="button" onClick={() => void desk.logout()}>
            {t(lang, "logout")} <kbd>{keyLabel(lang, "Ctrl+Q")}</kbd>
          </button>
        </div>
      </div>
      {confirmLogout && (
        <p id="logout-confirm" class="notice compact logout-confirm" role="alert">
          {t(lang, pending === 1 ? "logoutPendingOne" : "logoutPending", { count: String(pending), key: keyLabel(lang, "Ctrl+Q") })}
        </p>
      )}
      <div class="visit" role="group" aria-label={t(lang, "visitLabel")}>
        <span id="visit-summary" aria-live="polite">
          {visitSummary(lang, { visit, photo, application })}
        </span>
        <button id="visit-finish" type="button" class="secondary-blue" onClick={() => desk.finishVisit()}>
          {t(lang, "visitFinish")} <kbd>F10</kbd>
        </button>
        {visit.confirmFinish && (
          <span id="visit-confirm" class="visit-confirm" role="alert">
            {t(lang, "visitConfirmFinish")}
          </span>
        )}
      </div>
    </header>
  );
}

export function Navigation() {
  const desk = useDesk();
  const lang = useDeskState((s) => s.lang);
  const screen = useDeskState((s) => s.screen);
  return (
    <nav class="sections" aria-label={t(lang, "navLabel")}>
      {SCREENS.map((s) => (
        <button
          type="button"
          id={`nav-${s.id}`}
          class={s.id === screen ? "active" : ""}
          aria-current={s.id === screen ? "page" : undefined}
          onClick={() => desk.navigate(s.id)}
        >
          {t(lang, s.label)} <kbd>{keyLabel(lang, s.key)}</kbd>
        </button>
      ))}
    </nav>
  );
}

export function StatusBar() {
  const lang = useDeskState((s) => s.lang);
  const expires = useDeskState((s) => s.session?.expires_at ?? null);
  return (
    <footer class="statusbar">
      <span>
        {t(lang, "sessionUntil")} <span id="session-until">{formatTime(lang, expires)}</span>
      </span>
      <UpdateNotice />
      <span>{t(lang, "shortcutsHint")}</span>
    </footer>
  );
}

/** A newer release: what is new, and when it comes (never by itself on a managed desk). */
export function UpdateNotice() {
  const lang = useDeskState((s) => s.lang);
  const update = useDeskState((s) => s.update);
  if (!update) return null;
  const when = update.installed ? "updateInstalled" : update.managed ? "updateManaged" : "updateWhenIdle";
  return (
    <span id="update-notice" role="status" title={update.notes || undefined}>
      {t(lang, "updateAvailable", { version: update.version })} {t(lang, when)}
      {update.notes && <span class="update-notes"> {t(lang, "updateNotes")} {update.notes}</span>}
    </span>
  );
}

/** Names the other language in that language (lang attribute), with what it does as a tooltip. */
export function LanguageButton() {
  const desk = useDesk();
  const lang = useDeskState((s) => s.lang);
  return (
    <button type="button" class="link" onClick={() => desk.toggleLang()} title={t(lang, "languageSwitch")}>
      <span lang={lang === "de" ? "en" : "de"}>{t(lang, "language")}</span> <kbd>Alt+S</kbd>
    </button>
  );
}
