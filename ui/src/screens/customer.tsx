/** Kunde/Foto: read the customer's photo code, look at the photo and its checks, accept or reject. */
import { useEffect, useRef, useState } from "preact/hooks";
import { isoToGerman } from "../dates";
import { useDesk, useDeskState } from "../desk";
import { ProblemText } from "../components";
import type { KeyBinding } from "../keys";
import { checkText, t } from "../messages";

/** Active only while the photo screen is shown. */
export const CUSTOMER_KEYS: readonly KeyBinding[] = [
  {
    chords: ["F7"],
    label: "keyPhotoKeep",
    run: (desk) => {
      if (!desk.state.photo.photo) return false;
      desk.photo.toggleKeep();
    },
  },
  {
    chords: ["F8"],
    label: "keyPhotoAccept",
    run: (desk) => {
      if (!desk.state.photo.photo) return false;
      void desk.photo.decide(true);
    },
  },
  {
    chords: ["F9"],
    label: "keyPhotoReject",
    run: (desk) => {
      if (!desk.state.photo.photo) return false;
      void desk.photo.decide(false);
    },
  },
  {
    chords: ["Escape"],
    label: "keyCameraStop",
    run: (desk) => {
      if (!desk.state.photo.camera) return false;
      desk.photo.stopCamera();
    },
  },
];

export function CustomerScreen() {
  const desk = useDesk();
  const lang = useDeskState((s) => s.lang);
  const state = useDeskState((s) => s.photo);
  const visitFinished = useDeskState((s) => s.visitFinished);
  const [code, setCode] = useState("");
  const photo = desk.photo;
  const input = useRef<HTMLInputElement>(null);

  // Keyboard first: a pasted or typed code goes straight into the field, unless the clerk is elsewhere.
  useEffect(() => {
    if (!document.activeElement || document.activeElement === document.body) input.current?.focus();
  }, [visitFinished]);

  return (
    <section class="photo" aria-labelledby="section-title">
      <form
        class="scan-row"
        onSubmit={(event) => {
          event.preventDefault();
          void photo.fetch(code);
          setCode("");
        }}
      >
        <label for="photo-code-input">{t(lang, "photoScanLabel")}</label>
        <div class="scan-input">
          <input
            id="photo-code-input"
            ref={input}
            autocomplete="off"
            spellcheck={false}
            value={code}
            onInput={(e) => setCode(e.currentTarget.value)}
            disabled={state.busy}
          />
          <button type="submit" disabled={state.busy}>
            {t(lang, "photoFetch")} <kbd>Enter</kbd>
          </button>
        </div>
        <p class="hint">
          {t(lang, "photoScanHint")}{" "}
          <label class="file-button">
            {t(lang, "photoFile")} <kbd>{lang === "de" ? "Strg+O" : "Ctrl+O"}</kbd>
            <input
              id="photo-code-file"
              type="file"
              accept="image/png,image/jpeg"
              disabled={state.busy}
              onChange={(e) => {
                const file = e.currentTarget.files?.[0];
                e.currentTarget.value = "";
                if (file) void photo.fetchFromImage(file);
              }}
            />
          </label>{" "}
          <button id="camera-toggle" type="button" class="link-button" onClick={() => photo.toggleCamera()} disabled={state.busy}>
            {state.camera ? t(lang, "cameraStop") : t(lang, "cameraStart")} <kbd>F6</kbd>
          </button>
        </p>
      </form>

      {state.camera && (
        <div class="camera">
          <canvas id="camera-preview" role="img" width={480} height={270} aria-label={t(lang, "cameraPreview")} />
          <p id="camera-status" class="notice" role="status">
            {t(lang, "cameraHint")}{" "}
            <button type="button" class="secondary" onClick={() => photo.stopCamera()}>
              {t(lang, "cameraStop")} <kbd>Esc</kbd>
            </button>
          </p>
        </div>
      )}

      {state.busy && (
        <p id="photo-busy" class="notice" role="status">
          {t(lang, "photoFetching")}
        </p>
      )}
      {state.problem && (
        <p id="photo-error" class="error" role="alert">
          <ProblemText lang={lang} problem={state.problem} />
        </p>
      )}
      {state.decision && (
        <p id="photo-status" class="notice" role="status">
          {!state.decision.accepted
            ? t(lang, "photoRejected")
            : state.decision.kept_until
              ? t(lang, "photoAcceptedKept", { date: isoToGerman(state.decision.kept_until) })
              : state.decision.deleted_in_cloud
                ? t(lang, "photoAccepted")
                : t(lang, state.keep ? "photoAcceptedKeepLater" : "photoAcceptedCloudLater")}
        </p>
      )}
      {visitFinished && !state.busy && !state.photo && (
        <p id="visit-status" class="notice" role="status">
          {t(lang, "visitFinished")}
        </p>
      )}
      {!state.photo && !state.busy && !state.problem && !state.decision && !state.camera && <p class="placeholder">{t(lang, "photoEmpty")}</p>}

      {state.photo && (
        <div class="photo-result">
          <img id="photo-image" src={state.photo.image_data_url} alt={t(lang, "photoImage", { id: state.photo.photo_id })} />
          <div class="photo-facts">
            <p id="photo-verdict" class={state.photo.all_passed ? "verdict ok" : "verdict warn"}>
              {state.photo.all_passed ? t(lang, "photoAllPassed") : t(lang, "photoSomeFailed")}
            </p>
            <h2>{t(lang, "photoChecks")}</h2>
            <ul id="photo-checks" class="checks">
              {state.photo.checks.map((check) => (
                <li class={check.passed ? "passed" : "failed"} data-check={check.id}>
                  <span class="mark" aria-hidden="true">
                    {check.passed ? "✓" : "✗"}
                  </span>{" "}
                  <span class="visually-hidden">{check.passed ? t(lang, "photoCheckPassed") : t(lang, "photoCheckFailed")}: </span>
                  {checkText(lang, check)}
                </li>
              ))}
            </ul>
            <div class="keep">
              <input id="photo-keep" type="checkbox" checked={state.keep} onChange={() => photo.toggleKeep()} />
              <label for="photo-keep">{t(lang, "photoKeep")}</label>
              <input
                id="photo-keep-until"
                type="text"
                inputMode="numeric"
                size={10}
                aria-label={t(lang, "photoKeepUntil")}
                placeholder={t(lang, "datePlaceholder")}
                value={state.keepUntil}
                disabled={!state.keep}
                onInput={(e) => photo.setKeepUntil(e.currentTarget.value)}
              />
              <kbd>F7</kbd>
            </div>
            <div class="decide">
              <button id="photo-accept" type="button" class={state.photo.all_passed ? undefined : "secondary"} onClick={() => void photo.decide(true)} disabled={state.busy}>
                {state.confirmAccept ? t(lang, "photoAcceptAnyway") : t(lang, "photoAccept")} <kbd>F8</kbd>
              </button>
              <button id="photo-reject" type="button" class={state.photo.all_passed ? "secondary" : undefined} onClick={() => void photo.decide(false)} disabled={state.busy}>
                {t(lang, "photoReject")} <kbd>F9</kbd>
              </button>
            </div>
            {state.confirmAccept && (
              <p id="photo-confirm" class="notice" role="alert">
                {t(lang, "photoConfirmAccept")}
              </p>
            )}
            <dl class="facts">
              <dt>{t(lang, "photoStudio")}</dt>
              <dd id="photo-user-identifier">{state.photo.user_identifier}</dd>
              <dt>{t(lang, "photoId")}</dt>
              <dd>{state.photo.photo_id}</dd>
              <dt>{t(lang, "photoCloud")}</dt>
              <dd>
                {state.photo.cloud_url} · {state.photo.algorithm} · {state.photo.width}×{state.photo.height}
              </dd>
            </dl>
          </div>
        </div>
      )}
    </section>
  );
}
