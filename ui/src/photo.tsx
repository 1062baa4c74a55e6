import { useCallback, useRef, useState } from "preact/hooks";
import type { PhotoDecisionView, PhotoView, commands } from "./bindings";
import { errorText, t, type Lang } from "./i18n";

type Api = Pick<typeof commands, "fetchPhoto" | "decidePhoto" | "readCodeImage">;

/** Six months is the cloud's limit; four weeks covers a second application. */
function defaultKeepUntil(now = new Date()): string {
  const date = new Date(now.getTime() + 28 * 24 * 3600 * 1000);
  return date.toISOString().slice(0, 10);
}

export interface PhotoState {
  busy: boolean;
  error: string | null;
  photo: PhotoView | null;
  decision: PhotoDecisionView | null;
  keep: boolean;
  keepUntil: string;
}

export function usePhoto(api: Api, lang: Lang) {
  const [state, setState] = useState<PhotoState>({
    busy: false,
    error: null,
    photo: null,
    decision: null,
    keep: false,
    keepUntil: defaultKeepUntil(),
  });
  const busy = useRef(false);

  const fetch = useCallback(
    async (code: string) => {
      if (busy.current || !code.trim()) return;
      busy.current = true;
      setState((s) => ({ ...s, busy: true, error: null, photo: null, decision: null, keep: false }));
      try {
        const photo = await api.fetchPhoto(code.trim());
        setState((s) => ({ ...s, busy: false, photo }));
      } catch (error) {
        setState((s) => ({ ...s, busy: false, error: errorText(lang, error) }));
      } finally {
        busy.current = false;
      }
    },
    [api, lang],
  );

  const decide = useCallback(
    async (accept: boolean) => {
      const photo = state.photo;
      if (busy.current || !photo) return;
      busy.current = true;
      setState((s) => ({ ...s, busy: true, error: null }));
      try {
        const decision = await api.decidePhoto({
          photo_id: photo.photo_id,
          accept,
          keep_until: accept && state.keep ? state.keepUntil : null,
        });
        setState((s) => ({ ...s, busy: false, decision, photo: null }));
      } catch (error) {
        setState((s) => ({ ...s, busy: false, error: errorText(lang, error) }));
      } finally {
        busy.current = false;
      }
    },
    [api, lang, state.photo, state.keep, state.keepUntil],
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

  const toggleKeep = useCallback(() => setState((s) => ({ ...s, keep: !s.keep })), []);
  const setKeepUntil = useCallback((keepUntil: string) => setState((s) => ({ ...s, keepUntil })), []);

  return { state, fetch, fetchFromImage, decide, toggleKeep, setKeepUntil };
}

export function PhotoSection(props: { lang: Lang; photo: ReturnType<typeof usePhoto> }) {
  const { lang } = props;
  const { state, fetch, fetchFromImage, decide, toggleKeep, setKeepUntil } = props.photo;
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
          </label>
        </p>
      </form>

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
      {!state.photo && !state.busy && !state.error && !state.decision && <p class="placeholder">{t(lang, "photoEmpty")}</p>}

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
                type="date"
                value={state.keepUntil}
                disabled={!state.keep}
                onInput={(e) => setKeepUntil(e.currentTarget.value)}
              />{" "}
              <kbd>F7</kbd>
            </label>
            <div class="decide">
              <button id="photo-accept" type="button" onClick={() => void decide(true)} disabled={state.busy}>
                {t(lang, "photoAccept")} <kbd>F8</kbd>
              </button>
              <button id="photo-reject" type="button" class="secondary" onClick={() => void decide(false)} disabled={state.busy}>
                {t(lang, "photoReject")} <kbd>F9</kbd>
              </button>
            </div>
          </div>
        </div>
      )}
    </section>
  );
}
