/** F1: the keys in force, from the global key map and the current screen's key map. */
import { useDesk, useDeskState } from "./desk";
import { GLOBAL_KEYS, keyLabel, type KeyBinding } from "./keys";
import { t, type Lang } from "./messages";
import { SCREENS, screenById } from "./screens/registry";

type Row = [key: string, label: string];

function row(lang: Lang, binding: KeyBinding): Row {
  return [keyLabel(lang, binding.chords[0]), t(lang, binding.label)];
}

/** Every key in force, for the help: global keys, then the current screen's. */
export function helpRows(lang: Lang, loggedIn: boolean, screenKeys: readonly KeyBinding[]): { global: Row[]; screen: Row[] } {
  const navigation: Row = [
    `${SCREENS[0].key} – ${SCREENS[SCREENS.length - 1].key}`,
    // A screen on a modified key (Ausgabebox: Umschalt+F4) names it.
    `${t(lang, "keyNavigate")}: ${SCREENS.map((s) => (s.key.includes("+") ? `${t(lang, s.label)} (${keyLabel(lang, s.key)})` : t(lang, s.label))).join(" · ")}`,
  ];
  const all: { row: Row; loggedOut: boolean }[] = [
    { row: navigation, loggedOut: false },
    { row: ["Enter", t(lang, "keySubmit")], loggedOut: true },
    { row: [t(lang, "scanner"), `${t(lang, "keyScanner")} (${t(lang, "anywhere")})`], loggedOut: false },
    ...GLOBAL_KEYS.filter((b) => !b.hidden).map((b) => ({ row: row(lang, b), loggedOut: Boolean(b.loggedOut) })),
  ];
  return {
    global: all.filter((r) => loggedIn || r.loggedOut).map((r) => r.row),
    screen: loggedIn ? screenKeys.filter((b) => !b.hidden).map((b) => row(lang, b)) : [],
  };
}

function Rows({ rows }: { rows: Row[] }) {
  return (
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
  );
}

export function ShortcutHelp() {
  const desk = useDesk();
  const lang = useDeskState((s) => s.lang);
  const loggedIn = useDeskState((s) => s.session !== null);
  const screen = screenById(useDeskState((s) => s.screen));
  const { global, screen: screenRows } = helpRows(lang, loggedIn, screen.keys);
  return (
    <aside id="shortcut-help" class="help" aria-labelledby="shortcut-help-title">
      <h2 id="shortcut-help-title">{t(lang, "shortcuts")}</h2>
      <h3>{t(lang, "shortcutsGlobal")}</h3>
      <Rows rows={global} />
      {screenRows.length > 0 && (
        <>
          <h3>{t(lang, "shortcutsScreen", { screen: t(lang, screen.label) })}</h3>
          <Rows rows={screenRows} />
        </>
      )}
      <button type="button" class="link" onClick={() => desk.toggleHelp(false)}>
        {t(lang, "close")} <kbd>Esc</kbd>
      </button>
    </aside>
  );
}
