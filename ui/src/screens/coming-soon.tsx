import { useDeskState } from "../desk";
import { t } from "../messages";

export function ComingSoon() {
  const lang = useDeskState((s) => s.lang);
  return <p class="placeholder">{t(lang, "comingSoon")}</p>;
}
