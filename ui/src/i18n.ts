import type { Role, UiError } from "./bindings";

export type Lang = "de" | "en";

const de = {
  appName: "Schalter",
  loginTitle: "Anmeldung am Arbeitsplatz",
  username: "Benutzername",
  password: "Passwort",
  login: "Anmelden",
  loggingIn: "Anmeldung läuft …",
  logout: "Abmelden",
  online: "Online",
  offline: "Offline",
  centralReachable: "Zentrale erreichbar",
  centralUnreachable: "Zentrale nicht erreichbar",
  lastContact: "Letzter Kontakt",
  lastSync: "Letzte Synchronisierung",
  never: "noch keine",
  sessionUntil: "Sitzung bis",
  sessionExpired: "Die Sitzung ist abgelaufen. Bitte erneut anmelden.",
  navCustomer: "Kunde/Foto",
  navApplication: "Antrag",
  navPickup: "Abholung",
  navQueue: "Warteschlange",
  comingSoon: "Dieser Bereich ist noch nicht freigeschaltet.",
  shortcuts: "Tastenkürzel",
  shortcutsHint: "F1: Tastenkürzel",
  language: "English",
  roleClerk: "Sachbearbeitung",
  roleSupervisor: "Leitung",
  roleAdmin: "Administration",
  keyNavigate: "Bereich wechseln",
  keyLogout: "Abmelden",
  keyLanguage: "Sprache wechseln",
  keyHelp: "Diese Hilfe ein-/ausblenden",
  keySubmit: "Formular absenden",
  photoScanLabel: "Foto-Code scannen oder einfügen",
  photoScanHint: "Der Scanner wird überall erkannt, egal welches Feld gerade aktiv ist.",
  photoFetch: "Foto abrufen",
  photoFetching: "Foto wird abgerufen und geprüft …",
  photoFile: "Code aus Bilddatei lesen …",
  photoChecks: "Prüfungen (TR-03121)",
  photoAllPassed: "Alle Prüfungen bestanden",
  photoSomeFailed: "Nicht alle Prüfungen bestanden – bitte genau hinsehen",
  photoStudio: "Lichtbildaufnehmende Stelle (Nutzerkennung)",
  photoId: "Foto-ID",
  photoAccept: "Foto annehmen",
  photoReject: "Foto ablehnen",
  photoKeep: "Für weitere Anträge in der Cloud aufbewahren bis",
  photoAccepted: "Foto übernommen und in der Cloud gelöscht.",
  photoAcceptedKept: "Foto übernommen; die Cloud bewahrt es auf bis",
  photoRejected: "Foto abgelehnt. Es bleibt in der Cloud; bitte an das Fotostudio verweisen.",
  photoEmpty: "Noch kein Foto. Code scannen, einfügen und Enter drücken, eine Bilddatei wählen oder die Kamera nutzen.",
  photoKeepDateInvalid: "Bitte das Aufbewahrungsdatum als TT.MM.JJJJ eingeben.",
  photoAcceptAnyway: "Trotz Mängeln annehmen",
  photoConfirmAccept: "Das Foto hat nicht alle Prüfungen bestanden. F8 noch einmal drücken, um es trotzdem anzunehmen, oder F9 zum Ablehnen.",
  datePlaceholder: "TT.MM.JJJJ",
  cameraStart: "Mit der Kamera lesen",
  cameraStop: "Kamera beenden",
  cameraHint: "Den Code vor die Kamera halten …",
  cameraPreview: "Kamerabild",
  keyPhoto: "Foto annehmen / ablehnen / aufbewahren",
};

export type MessageKey = keyof typeof de;

const en: Record<MessageKey, string> = {
  appName: "Schalter",
  loginTitle: "Sign in to this workstation",
  username: "Username",
  password: "Password",
  login: "Sign in",
  loggingIn: "Signing in …",
  logout: "Sign out",
  online: "Online",
  offline: "Offline",
  centralReachable: "Central office reachable",
  centralUnreachable: "Central office unreachable",
  lastContact: "Last contact",
  lastSync: "Last sync",
  never: "none yet",
  sessionUntil: "Session until",
  sessionExpired: "Your session has expired. Please sign in again.",
  navCustomer: "Customer/Photo",
  navApplication: "Application",
  navPickup: "Pickup",
  navQueue: "Queue",
  comingSoon: "This section is not enabled yet.",
  shortcuts: "Keyboard shortcuts",
  shortcutsHint: "F1: shortcuts",
  language: "Deutsch",
  roleClerk: "Clerk",
  roleSupervisor: "Supervisor",
  roleAdmin: "Administrator",
  keyNavigate: "Switch section",
  keyLogout: "Sign out",
  keyLanguage: "Switch language",
  keyHelp: "Show/hide this help",
  keySubmit: "Submit form",
  photoScanLabel: "Scan or paste the photo code",
  photoScanHint: "The scanner is recognised anywhere, whichever field has focus.",
  photoFetch: "Fetch photo",
  photoFetching: "Fetching and checking the photo …",
  photoFile: "Read code from image file …",
  photoChecks: "Checks (TR-03121)",
  photoAllPassed: "All checks passed",
  photoSomeFailed: "Not all checks passed – please look closely",
  photoStudio: "Photo studio (user identifier)",
  photoId: "Photo ID",
  photoAccept: "Accept photo",
  photoReject: "Reject photo",
  photoKeep: "Keep in the cloud for further applications until",
  photoAccepted: "Photo accepted and deleted in the cloud.",
  photoAcceptedKept: "Photo accepted; the cloud keeps it until",
  photoRejected: "Photo rejected. It stays in the cloud; please refer the customer to the studio.",
  photoEmpty: "No photo yet. Scan or paste the code and press Enter, choose an image file or use the camera.",
  photoKeepDateInvalid: "Please enter the keep-until date as DD.MM.YYYY.",
  photoAcceptAnyway: "Accept despite defects",
  photoConfirmAccept: "The photo did not pass every check. Press F8 again to accept it anyway, or F9 to reject it.",
  datePlaceholder: "DD.MM.YYYY",
  cameraStart: "Read with the camera",
  cameraStop: "Stop camera",
  cameraHint: "Hold the code up to the camera …",
  cameraPreview: "Camera image",
  keyPhoto: "Accept / reject / keep photo",
};

/** English texts for the error codes; German comes from the desk itself. */
const errorsEn: Record<string, string> = {
  invalid_credentials: "Username or password is wrong.",
  account_locked: "The account is locked for a few minutes after several failed attempts.",
  missing_credentials: "Please enter username and password.",
  central_unreachable: "The central office cannot be reached. Please check the network connection.",
  tls_rejected: "The secure connection to the central office was refused (certificate). Please call IT.",
  config_invalid: "This workstation's configuration is broken. Please call IT.",
  certificate_invalid: "This workstation's certificate cannot be used. Please call IT.",
  session_expired: "Your session has expired. Please sign in again.",
  unauthenticated: "Please sign in.",
  not_logged_in: "Please sign in.",
  photo_not_found: "The photo is not in the cloud: unknown, already fetched and deleted, or expired.",
  cloud_unreachable: "The photo cloud cannot be reached. Please scan again in a moment.",
  cloud_tls_rejected: "The photo cloud did not present the expected certificate. Fetch aborted; please call IT.",
  wrong_category: "The photo cloud refuses: this workstation's organisation key is not a passport/ID authority.",
  untrusted_cloud: "The code points to a photo cloud that is not trusted here.",
  not_base64: "This is not a photo code (not Base64).",
  seal_invalid: "The cloud's seal does not match: the photo may have been altered. Do not use it.",
  decryption_failed: "The photo cannot be decrypted with the key in the code.",
  camera_unavailable: "The camera cannot be used. Please read the code with the hand scanner or from an image file (Ctrl+O).",
  camera_no_code: "No code seen: the camera was switched off after 60 seconds. Press F6 to start it again.",
  camera_stopped: "The camera stopped delivering images. Please read the code with the hand scanner or from an image file (Ctrl+O).",
};

const dictionaries: Record<Lang, Record<MessageKey, string>> = { de, en };

export function t(lang: Lang, key: MessageKey): string {
  return dictionaries[lang][key];
}

/** The text to show for an error from the desk, in the clerk's language. */
export function errorText(lang: Lang, error: unknown): string {
  const uiError = asUiError(error);
  if (lang === "en" && errorsEn[uiError.code]) {
    return errorsEn[uiError.code];
  }
  return uiError.message;
}

export function asUiError(error: unknown): UiError {
  if (typeof error === "object" && error !== null && "code" in error && "message" in error) {
    return { code: String(error.code), message: String(error.message) };
  }
  return { code: "unexpected", message: "Unerwarteter Fehler. Bitte erneut versuchen." };
}

export function roleLabel(lang: Lang, role: Role): string {
  const key: Record<Role, MessageKey> = { clerk: "roleClerk", supervisor: "roleSupervisor", admin: "roleAdmin" };
  return t(lang, key[role]);
}

export function formatTime(lang: Lang, rfc3339: string | null): string {
  if (!rfc3339) {
    return t(lang, "never");
  }
  const date = new Date(rfc3339);
  if (Number.isNaN(date.getTime())) {
    return t(lang, "never");
  }
  return date.toLocaleTimeString(lang === "de" ? "de-DE" : "en-GB", { hour: "2-digit", minute: "2-digit", second: "2-digit" });
}
