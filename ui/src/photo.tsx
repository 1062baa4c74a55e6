import { useCallback, useRef, useState } from "preact/hooks";
import { Channel } from "@tauri-apps/api/core";
import type { PhotoDecisionView, PhotoView, commands } from "./bindings";
import { drawPreview } from "./camera";
import { germanToIso, isoToGerman } from "./dates";
import { errorText, t, type Lang } from "./i18n";

type Api = Pick<typeof commands, "fetchPhoto" | "decidePhoto" | "readCodeImage" | "scanCamera" | "stopCamera">;

/** Makes the channel the camera previews arrive on; tests pass their own. */
export type PreviewChannelFactory = (onFrame: (frame: ArrayBuffer) => void) => Channel<ArrayBuffer>;

const tauriChannel: PreviewChannelFactory = (onFrame) => new Channel<ArrayBuffer>(onFrame);

/** Six months is the cloud's limit; four weeks covers a second application. Shown as TT.MM.JJJJ. */
function defaultKeepUntil(now = new Date()): string {
  const date = new Date(now.getTime() + 28 * 24 * 3600 * 1000);
  return isoToGerman(date.toISOString().slice(0, 10));
}

export interface PhotoState {
  busy: boolean;
  error: string | null;
  photo: PhotoView | null;
  decision: PhotoDecisionView | null;
  keep: boolean;
  /** As the clerk typed it, TT.MM.JJJJ. */
  keepUntil: string;
  /** The webcam is looking for a code. */
  camera: boolean;
  /** F8 was pressed once on a photo that failed a check; the next F8 accepts it anyway. */
  confirmAccept: boolean;
}

export function usePhoto(api: Api, lang: Lang, previewChannel: PreviewChannelFactory = tauriChannel) {
  const [state, setState] = useState<PhotoState>({
    camera: false,
    confirmAccept: false,
    busy: false,
    error: null,
    photo: null,
    decision: null,
    keep: false,
    keepUntil: defaultKeepUntil(),
  });
  const busy = useRef(false);
  const cameraOn = useRef(false);

  const stopCamera = useCallback(() => {
    if (cameraOn.current) void api.stopCamera().catch(() => null);
  }, [api]);

  const fetch = useCallback(
    async (code: string) => {
      if (busy.current || !code.trim()) return;
      // A code from the scanner or the keyboard wins over the camera.
      stopCamera();
      busy.current = true;
      setState((s) => ({ ...s, busy: true, error: null, photo: null, decision: null, keep: false, confirmAccept: false }));
      try {
        const photo = await api.fetchPhoto(code.trim());
        setState((s) => ({ ...s, busy: false, photo }));
      } catch (error) {
        setState((s) => ({ ...s, busy: false, error: errorText(lang, error) }));
      } finally {
        busy.current = false;
      }
    },
    [api, lang, stopCamera],
  );

  const decide = useCallback(
    async (accept: boolean) => {
      const photo = state.photo;
      if (busy.current || !photo) return;
      // The clerk may overrule the checks (operator veto), but not by one stray key press.
      if (accept && !photo.all_passed && !state.confirmAccept) {
        setState((s) => ({ ...s, confirmAccept: true }));
        return;
      }
      const keepUntil = accept && state.keep ? germanToIso(state.keepUntil) : null;
      if (accept && state.keep && !keepUntil) {
        setState((s) => ({ ...s, error: t(lang, "photoKeepDateInvalid") }));
        return;
      }
      busy.current = true;
      setState((s) => ({ ...s, busy: true, error: null }));
      try {
        const decision = await api.decidePhoto({ photo_id: photo.photo_id, accept, keep_until: keepUntil });
        setState((s) => ({ ...s, busy: false, decision, photo: null, confirmAccept: false }));
      } catch (error) {
        setState((s) => ({ ...s, busy: false, error: errorText(lang, error) }));
      } finally {
        busy.current = false;
      }
    },
    [api, lang, state.photo, state.keep, state.keepUntil, state.confirmAccept],
  );

  const fetchFromImage = useCallback(
    async (file: File) => {
      if (busy.current) return;
      let code: string;
      try {
        code = await api.readCodeImage(new Uint8Array(await file.arrayBuffer()));
      } catch (error) {
        setState((s) => ({ ...s, error: errorText(lang, error), photo: null, decision: null }));
        return;
      }
      await fetch(code);
    },
    [api, lang, fetch],
  );

  /** Reads frames until the camera sees a code, then fetches it like a scanned one. */
  const startCamera = useCallback(async () => {
    if (busy.current || cameraOn.current) return;
    cameraOn.current = true;
    // A photo on screen stays until the camera has read a new code: F6 by mistake loses nothing.
    setState((s) => ({ ...s, camera: true, error: null }));
    const channel = previewChannel((frame) => {
      const canvas = document.getElementById("camera-preview");
      if (canvas instanceof HTMLCanvasElement) drawPreview(canvas, frame);
    });
    let code: string | null = null;
    try {
      code = await api.scanCamera(channel);
    } catch (error) {
      setState((s) => ({ ...s, error: errorText(lang, error) }));
    } finally {
      cameraOn.current = false;
      setState((s) => ({ ...s, camera: false }));
    }
    if (code) await fetch(code);
  }, [api, lang, fetch, previewChannel]);

  const toggleCamera = useCallback(() => {
    if (cameraOn.current) stopCamera();
    else void startCamera();
  }, [startCamera, stopCamera]);

  const toggleKeep = useCallback(() => setState((s) => ({ ...s, keep: !s.keep })), []);
  const setKeepUntil = useCallback((keepUntil: string) => setState((s) => ({ ...s, keepUntil })), []);

  return { state, fetch, fetchFromImage, decide, toggleKeep, setKeepUntil, toggleCamera, stopCamera };
}

export function PhotoSection(props: { lang: Lang; photo: ReturnType<typeof usePhoto> }) {
  const { lang } = props;
  const { state, fetch, fetchFromImage, decide, toggleKeep, setKeepUntil, toggleCamera, stopCamera } = props.photo;
  const [code, setCode] = useState("");

  return (
    <section class="photo">
      <form
        class="scan-row"
        onSubmit={(event) => {
          event.preventDefault();
          void fetch(code);
          setCode("");
        }}
      >
        <label for="photo-code-input">{t(lang, "photoScanLabel")}</label>
        <div class="scan-input">
          <input
            id="photo-code-input"
            autocomplete="off"
            spellcheck={false}
            value={code}
            onInput={(e) => setCode(e.currentTarget.value)}
            disabled={state.busy}
          />
          <button type="submit" disabled={state.busy || !code.trim()}>
            {t(lang, "photoFetch")} <kbd>Enter</kbd>
          </button>
        </div>
        <p class="hint">
          {t(lang, "photoScanHint")}{" "}
          <label class="file-button">
            {t(lang, "photoFile")} <kbd>Strg+O</kbd>
            <input
              id="photo-code-file"
              type="file"
              accept="image/png,image/jpeg"
              disabled={state.busy}
              onChange={(e) => {
                const file = e.currentTarget.files?.[0];
                e.currentTarget.value = "";
                if (file) void fetchFromImage(file);
              }}
            />
          </label>{" "}
          <button id="camera-toggle" type="button" class="link-button" onClick={toggleCamera} disabled={state.busy}>
            {state.camera ? t(lang, "cameraStop") : t(lang, "cameraStart")} <kbd>F6</kbd>
          </button>
        </p>
      </form>

      {state.camera && (
        <div class="camera">
          <canvas id="camera-preview" width={480} height={270} aria-label={t(lang, "cameraPreview")} />
          <p id="camera-status" class="notice" role="status">
            {t(lang, "cameraHint")}{" "}
            <button type="button" class="secondary" onClick={stopCamera}>
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
      {state.error && (
        <p id="photo-error" class="error" role="alert">
          {state.error}
        </p>
      )}
      {state.decision && (
        <p id="photo-status" class="notice" role="status">
          {!state.decision.accepted
            ? t(lang, "photoRejected")
            : state.decision.kept_until
              ? `${t(lang, "photoAcceptedKept")} ${state.decision.kept_until}.`
              : t(lang, "photoAccepted")}
        </p>
      )}
      {!state.photo && !state.busy && !state.error && !state.decision && !state.camera && <p class="placeholder">{t(lang, "photoEmpty")}</p>}

      {state.photo && (
        <div class="photo-result">
          <img id="photo-image" src={state.photo.image_data_url} alt={t(lang, "photoId") + " " + state.photo.photo_id} />
          <div class="photo-facts">
            <p id="photo-verdict" class={state.photo.all_passed ? "verdict ok" : "verdict warn"}>
              {state.photo.all_passed ? t(lang, "photoAllPassed") : t(lang, "photoSomeFailed")}
            </p>
            <h2>{t(lang, "photoChecks")}</h2>
            <ul id="photo-checks" class="checks">
              {state.photo.checks.map((check) => (
                <li class={check.passed ? "passed" : "failed"} data-check={check.id}>
                  <span aria-hidden="true">{check.passed ? "✓" : "✗"}</span> {check.message}
                </li>
              ))}
            </ul>
            <dl class="facts">
              <dt>{t(lang, "photoStudio")}</dt>
              <dd id="photo-user-identifier">{state.photo.user_identifier}</dd>
              <dt>{t(lang, "photoId")}</dt>
              <dd>{state.photo.photo_id}</dd>
              <dt>Cloud</dt>
              <dd>
                {state.photo.cloud_url} · {state.photo.algorithm} · {state.photo.width}×{state.photo.height}
              </dd>
            </dl>
            <label class="keep">
              <input id="photo-keep" type="checkbox" checked={state.keep} onChange={toggleKeep} /> {t(lang, "photoKeep")}{" "}
              <input
                id="photo-keep-until"
                type="text"
                inputMode="numeric"
                size={10}
                placeholder={t(lang, "datePlaceholder")}
                value={state.keepUntil}
                disabled={!state.keep}
                onInput={(e) => setKeepUntil(e.currentTarget.value)}
              />{" "}
              <kbd>F7</kbd>
            </label>
            <div class="decide">
              <button
                id="photo-accept"
                type="button"
                class={state.photo.all_passed ? undefined : "secondary"}
                onClick={() => void decide(true)}
                disabled={state.busy}
              >
                {state.confirmAccept ? t(lang, "photoAcceptAnyway") : t(lang, "photoAccept")} <kbd>F8</kbd>
              </button>
              <button
                id="photo-reject"
                type="button"
                class={state.photo.all_passed ? "secondary" : undefined}
                onClick={() => void decide(false)}
                disabled={state.busy}
              >
                {t(lang, "photoReject")} <kbd>F9</kbd>
              </button>
            </div>
            {state.confirmAccept && (
              <p id="photo-confirm" class="notice" role="alert">
                {t(lang, "photoConfirmAccept")}
              </p>
            )}
          </div>
        </div>
      )}
    </section>
  );
}
