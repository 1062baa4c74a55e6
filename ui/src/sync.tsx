/** The outbox in words: pending changes, progress, the last successful sync, and every change the
 * central API refused with what the clerk can do about it. */
import type { SyncView } from "./bindings";
import { useDesk, useDeskState } from "./desk";
import { errorText, formatDateTime, formatTime, hasMessage, t, type Lang, type MessageKey } from "./messages";

/** "3 Änderungen ausstehend" / "Synchronisiere 2 von 5" / "Alles synchronisiert". */
export function syncLine(lang: Lang, sync: SyncView | null): string {
  if (!sync) return t(lang, "syncUnknown");
  // Without the central there is nothing to log in to yet: the desk logs in there by itself when it returns.
  if (sync.phase === "needs_login" && sync.online) return t(lang, "syncNeedsLogin", { count: String(sync.pending) });
  if ((sync.phase === "uploading" || sync.phase === "pushing") && sync.total > 0) {
    return t(lang, sync.phase === "uploading" ? "syncUploading" : "syncPushing", { done: String(sync.done), total: String(sync.total) });
  }
  if (sync.pending === 0) return t(lang, "syncNothingPending");
  return t(lang, sync.pending === 1 ? "syncPendingOne" : "syncPending", { count: String(sync.pending) });
}

/** A change's kind as the clerk knows it. */
export function kindLabel(lang: Lang, kind: string): string {
  const key = `syncKind.${kind}`;
  return hasMessage(key) ? t(lang, key as MessageKey) : kind;
}

/** What the clerk can do about a rejection: the advice for its code, or the general one. */
export function adviceText(lang: Lang, code: string): string {
  const key = `syncAdvice.${code}`;
  return t(lang, (hasMessage(key) ? key : "syncAdviceDefault") as MessageKey);
}

export function SyncStatus() {
  const desk = useDesk();
  const lang = useDeskState((s) => s.lang);
  const sync = useDeskState((s) => s.sync);
  const open = useDeskState((s) => s.rejectionsOpen);
  const rejected = sync?.rejected.length ?? 0;
  return (
    <>
      <span>
        {t(lang, "lastSync")}: <span id="last-sync">{formatTime(lang, sync?.last_synced_at ?? null)}</span>
      </span>
      <span id="sync-state" role="status" aria-live="polite" data-pending={sync?.pending ?? ""} data-phase={sync?.phase ?? ""}>
        {syncLine(lang, sync)}
      </span>
      {rejected > 0 && (
        <button id="sync-rejected-toggle" type="button" class="link warn" aria-expanded={open} aria-controls="sync-rejections" onClick={() => desk.toggleRejections()}>
          {t(lang, rejected === 1 ? "syncRejectedOne" : "syncRejected", { count: String(rejected) })}
        </button>
      )}
    </>
  );
}

/** Every rejected change: what it was, when, why, and what to do. Esc or the button closes it. */
export function RejectionsPanel() {
  const desk = useDesk();
  const lang = useDeskState((s) => s.lang);
  const rejected = useDeskState((s) => s.sync?.rejected ?? []);
  return (
    <section id="sync-rejections" class="notice rejections" aria-labelledby="sync-rejections-title">
      <h2 id="sync-rejections-title">{t(lang, "syncRejectionsTitle")}</h2>
      {rejected.length === 0 ? (
        <p>{t(lang, "syncNoRejections")}</p>
      ) : (
        <ul>
          {rejected.map((r) => (
            <li key={r.seq} data-seq={r.seq}>
              <strong>{kindLabel(lang, r.kind)}</strong> ({formatDateTime(lang, r.occurred_at)}):{" "}
              {errorText(lang, { code: r.code, message: r.message })} <span class="advice">{adviceText(lang, r.code)}</span>
            </li>
          ))}
        </ul>
      )}
      <button type="button" class="secondary-blue" onClick={() => desk.toggleRejections(false)}>
        {t(lang, "close")} <kbd>Esc</kbd>
      </button>
    </section>
  );
}
