/**
 * The one message catalogue of the desk: every text the clerk can see, chosen by its code, in
 * German (first) and English. Three kinds of keys live in one flat map per language:
 *
 * - UI texts: `login`, `navCustomer`, … (may use `{name}` placeholders, filled by `t`)
 * - error codes from the desk core: `error.<code>` (see `ERROR_CODES` in bindings.ts)
 * - photo check results: `check.<id>.<reason>` with `{param}` placeholders filled from
 *   `PhotoCheckView.params` (see `PHOTO_CHECK_MESSAGES` in bindings.ts)
 *
 * `messages.test.ts` fails when a code or check key lacks either language, a placeholder is
 * missing or unknown, or the German and English key sets differ.
 */
import type { PhotoCheckView, Role, UiError } from "./bindings";

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
  connection: "Verbindung zur Zentrale",
  centralReachable: "Zentrale erreichbar",
  centralUnreachable: "Zentrale nicht erreichbar",
  lastContact: "Letzter Kontakt",
  lastSync: "Letzte Synchronisierung",
  syncUnknown: "Synchronisierung: Stand unbekannt",
  syncNothingPending: "Alle Änderungen übertragen",
  syncPendingOne: "1 Änderung noch nicht übertragen",
  syncPending: "{count} Änderungen noch nicht übertragen",
  syncUploading: "Übertrage Fotos: {done} von {total}",
  syncPushing: "Übertrage Änderungen: {done} von {total}",
  syncNeedsLogin: "{count} Änderungen warten: Anmeldung an der Zentrale nötig",
  syncRejectedOne: "1 Änderung abgelehnt",
  syncRejected: "{count} Änderungen abgelehnt",
  syncRejectionsTitle: "Von der Zentrale abgelehnte Änderungen",
  syncNoRejections: "Keine abgelehnten Änderungen.",
  syncAdviceDefault: "Die Angaben bleiben auf diesem Arbeitsplatz gespeichert. Bitte den Vorgang prüfen und bei Bedarf neu erfassen; bei Fragen die IT informieren.",
  "syncAdvice.unknown_mutation_kind": "Die Zentrale kennt diese Art von Änderung nicht (unterschiedliche Programmversionen). Bitte die IT informieren; nichts ist verloren.",
  "syncAdvice.invalid_payload": "Die Zentrale hält die Angaben für unvollständig oder fehlerhaft. Bitte den Vorgang neu erfassen und die IT informieren.",
  "syncAdvice.unknown_author": "Der Arbeitsplatz-Datenspeicher passt nicht zur Zentrale. Bitte sofort die IT informieren; die Angaben bleiben hier gespeichert.",
  "syncKind.photo_audit.record": "Foto-Protokolleintrag",
  "syncKind.photo.accept": "Angenommenes Foto",
  keySyncNow: "Jetzt synchronisieren",
  logoutPendingOne:
    "1 Änderung ist noch nicht an die Zentrale übertragen. Sie bleibt verschlüsselt auf diesem Arbeitsplatz und wird übertragen, sobald sich hier jemand mit Verbindung zur Zentrale anmeldet. Zum Abmelden erneut {key} drücken.",
  logoutPending:
    "{count} Änderungen sind noch nicht an die Zentrale übertragen. Sie bleiben verschlüsselt auf diesem Arbeitsplatz und werden übertragen, sobald sich hier jemand mit Verbindung zur Zentrale anmeldet. Zum Abmelden erneut {key} drücken.",
  offlineSession: "Offline angemeldet",
  offlineSessionHint: "Ohne Verbindung zur Zentrale angemeldet. Änderungen werden gespeichert und übertragen, sobald die Zentrale erreichbar ist.",
  never: "noch keine",
  sessionUntil: "Sitzung bis",
  sessionExpired: "Die Sitzung ist abgelaufen. Bitte erneut anmelden.",
  sessionEndedByCentral: "Die Zentrale hat die Sitzung beendet (zum Beispiel nach einer Passwortänderung). Bitte erneut anmelden.",
  startupDetail: "Für die IT",
  navCustomer: "Kunde/Foto",
  navApplication: "Antrag",
  navPickup: "Abholung",
  navQueue: "Warteschlange",
  navLabel: "Bereiche",
  comingSoon: "Dieser Bereich ist noch nicht freigeschaltet.",
  shortcuts: "Tastenkürzel",
  shortcutsHint: "F1: Tastenkürzel",
  shortcutsGlobal: "Überall",
  shortcutsScreen: "In diesem Bereich: {screen}",
  close: "Schließen",
  language: "English",
  languageSwitch: "Sprache wechseln (English)",
  roleClerk: "Sachbearbeitung",
  roleSupervisor: "Leitung",
  roleAdmin: "Administration",
  keyNavigate: "Bereich wechseln",
  keyLogout: "Abmelden",
  keyLanguage: "Sprache wechseln",
  keyHelp: "Diese Hilfe ein-/ausblenden",
  keySubmit: "Formular absenden",
  keyScanner: "Foto-Code erkannt: Foto abrufen",
  keyFinishVisit: "Vorgang abschließen",
  keyPhotoKeep: "Foto aufbewahren (an/aus)",
  keyPhotoAccept: "Foto annehmen",
  keyPhotoReject: "Foto ablehnen",
  keyCamera: "Foto-Code mit der Kamera lesen",
  keyCameraStop: "Kamera beenden",
  keyCodeFile: "Foto-Code aus Bilddatei lesen",
  scanner: "Scanner",
  anywhere: "überall",
  visit: "Vorgang",
  visitLabel: "Aktueller Vorgang",
  visitPhotoOpen: "Foto offen",
  visitPhotoPending: "Foto nicht entschieden",
  visitPhotoAccepted: "Foto angenommen",
  visitPhotoAcceptedOverride: "Foto trotz Mängeln angenommen",
  visitPhotoRejected: "Foto abgelehnt",
  visitApplicationOpen: "Antrag offen",
  visitPickupOpen: "Abholung offen",
  visitFinish: "Vorgang abschließen",
  visitConfirmFinish: "Foto noch nicht entschieden: F10 noch einmal drücken, um trotzdem abzuschließen.",
  visitFinished: "Vorgang abgeschlossen. Bereit für die nächste Kundin oder den nächsten Kunden.",
  scannerLayoutNotice:
    "Der Handscanner ist auf eine US-Tastaturbelegung eingestellt; der Code wurde automatisch korrigiert. Bitte die IT bitten, den Scanner auf Deutsch umzustellen.",
  photoScanLabel: "Foto-Code scannen oder einfügen",
  photoScanHint: "Der Scanner wird überall erkannt, egal welches Feld gerade aktiv ist.",
  photoFetch: "Foto abrufen",
  photoFetching: "Foto wird abgerufen und geprüft …",
  photoFile: "Code aus Bilddatei lesen …",
  photoChecks: "Prüfungen (TR-03121)",
  photoCheckPassed: "bestanden",
  photoCheckFailed: "nicht bestanden",
  photoAllPassed: "Alle Prüfungen bestanden",
  photoSomeFailed: "Nicht alle Prüfungen bestanden – bitte genau hinsehen",
  photoStudio: "Lichtbildaufnehmende Stelle (Nutzerkennung)",
  photoId: "Foto-ID",
  photoImage: "Lichtbild {id}",
  photoCloud: "Cloud",
  photoAccept: "Foto annehmen",
  photoReject: "Foto ablehnen",
  photoKeep: "Für weitere Anträge in der Cloud aufbewahren bis",
  photoKeepUntil: "Aufbewahren bis (TT.MM.JJJJ)",
  photoAccepted: "Foto übernommen und in der Cloud gelöscht.",
  photoAcceptedCloudLater: "Foto übernommen. Die Cloud war nicht erreichbar; das Löschen dort wird automatisch nachgeholt.",
  photoAcceptedKeepLater: "Foto übernommen. Die Cloud war nicht erreichbar; das Aufbewahren dort wird automatisch nachgeholt.",
  photoAcceptedKept: "Foto übernommen; die Cloud bewahrt es auf bis {date}.",
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
  unexpected: "Unerwarteter Fehler. Bitte erneut versuchen.",

  // Error codes of the desk core (desk, photo, scan, camera and central API). German texts follow
  // the Rust messages; where those name a value (a file, a URL, a size) the text here is general.
  "error.invalid_credentials": "Benutzername oder Passwort ist falsch.",
  "error.account_locked": "Das Konto ist nach mehreren Fehlversuchen für einige Minuten gesperrt. Bitte später erneut versuchen oder die Leitung ansprechen.",
  "error.unauthenticated": "Bitte anmelden.",
  "error.session_expired": "Die Sitzung ist abgelaufen. Bitte erneut anmelden.",
  "error.forbidden": "Für diese Aktion fehlt die Berechtigung.",
  "error.invalid_request": "Die Anfrage ist ungültig. Bitte erneut versuchen oder die IT verständigen.",
  "error.body_too_large": "Die Anfrage ist zu groß für die Zentrale. Bitte die IT verständigen.",
  "error.unsupported_media_type": "Die Zentrale versteht das Format der Anfrage nicht. Bitte die IT verständigen.",
  "error.server_busy": "Die Zentrale ist gerade ausgelastet. Bitte in einigen Sekunden erneut versuchen.",
  "error.too_many_attempts": "Von diesem Arbeitsplatz kamen zu viele fehlgeschlagene Anmeldungen. Bitte einige Minuten warten oder die Leitung ansprechen.",
  "error.unknown_office": "Die Dienststelle dieses Arbeitsplatzes ist der Zentrale unbekannt. Bitte die IT verständigen.",
  "error.internal": "Interner Fehler. Bitte später erneut versuchen.",
  "error.invalid_username":
    "Der Benutzername muss 3 bis 32 Zeichen lang sein und darf nur Kleinbuchstaben, Ziffern, Punkt, Bindestrich und Unterstrich enthalten.",
  "error.invalid_password": "Das Passwort hat nicht die erlaubte Länge.",
  "error.invalid_display_name": "Der Anzeigename darf nicht leer und höchstens 80 Zeichen lang sein.",
  "error.invalid_role": "Unbekannte Rolle; erlaubt sind clerk, supervisor und admin.",
  "error.invalid_office_id": "Die Dienststellen-Kennung muss aus 8 Ziffern (AGS), Unterstrich und 2 Ziffern bestehen, z. B. 05111000_01.",
  "error.invalid_organisation_key": "Der Organisationsschlüssel ist ungültig. Bitte die IT verständigen.",
  "error.config_invalid": "Die Konfiguration dieses Arbeitsplatzes ist fehlerhaft. Bitte die IT verständigen.",
  "error.certificate_invalid": "Das Zertifikat dieses Arbeitsplatzes ist nicht nutzbar. Bitte die IT verständigen.",
  "error.central_unreachable": "Die Zentrale ist nicht erreichbar. Bitte die Netzwerkverbindung prüfen.",
  "error.photo_cloud_unreachable":
    "Die Foto-Cloud ist gerade nicht erreichbar. Der Code ist beim Vorgang gespeichert; das Foto wird automatisch abgerufen, sobald eine Verbindung besteht. Sie können mit dem Vorgang weitermachen.",
  "error.offline_login_unknown":
    "Die Zentrale ist nicht erreichbar, und an diesem Arbeitsplatz waren Sie noch nie online angemeldet. Eine Offline-Anmeldung ist erst nach einer Online-Anmeldung hier möglich.",
  "error.offline_login_expired":
    "Die Zentrale ist nicht erreichbar, und Ihre letzte Online-Anmeldung an diesem Arbeitsplatz ist zu lange her. Bitte melden Sie sich an, sobald eine Verbindung besteht.",
  "error.clock_before_last_login": "Die Uhr dieses Arbeitsplatzes geht falsch (sie steht vor Ihrer letzten Anmeldung). Bitte die IT verständigen.",
  "error.wrong_data_key": "Der lokale Datenspeicher ließ sich nicht öffnen. Bitte die IT verständigen; es geht nichts verloren.",
  "error.encryption_unavailable": "Die Verschlüsselung des lokalen Datenspeichers fehlt in dieser Programmversion. Bitte die IT verständigen.",
  "error.store_exists": "Der lokale Datenspeicher ist bereits angelegt. Bitte die IT verständigen.",
  "error.store_missing": "Der lokale Datenspeicher fehlt. Bitte einmal online anmelden oder die IT verständigen.",
  "error.keyring_invalid": "Die Anmeldedaten dieses Arbeitsplatzes sind beschädigt. Bitte online anmelden oder die IT verständigen.",
  "error.invalid_input": "Ungültige Eingabe.",
  "error.unknown_mutation": "Diese Änderung ist nicht (mehr) im lokalen Speicher.",
  "error.mutation_settled": "Diese Änderung ist bereits von der Zentrale beantwortet.",
  "error.unknown_job": "Dieser Auftrag ist nicht (mehr) im lokalen Speicher.",
  "error.io": "Der lokale Datenspeicher ist nicht beschreibbar (Datenträger voll oder defekt?). Bitte die IT verständigen.",
  "error.sync_needs_login": "Für die Übertragung an die Zentrale ist eine Anmeldung nötig. Die Änderungen bleiben gespeichert.",
  "error.sync_sequence_behind": "Die Zentrale kennt weniger Änderungen dieses Arbeitsplatzes als er selbst. Bitte die IT verständigen; hier geht nichts verloren.",
  "error.sync_unexpected_answer": "Unerwartete Antwort der Zentrale bei der Übertragung. Sie wird später erneut versucht.",
  "error.sequence_gap": "Die Reihenfolge der Änderungen passt nicht zur Zentrale. Die Übertragung wird neu aufgesetzt.",
  "error.device_mismatch": "Dieser Arbeitsplatz meldet sich mit einem anderen Zertifikat als bisher. Bitte die IT verständigen.",
  "error.invalid_payload": "Die Zentrale hält die Angaben dieser Änderung für ungültig.",
  "error.unknown_author": "Die Änderung nennt eine Person, die sich an diesem Arbeitsplatz nie online angemeldet hat.",
  "error.application_invalid": "Der Antrag ist unvollständig oder fehlerhaft. Bitte die markierten Felder prüfen.",
  "error.application_photo_missing": "Für diesen Besuch ist noch kein Lichtbild angenommen. Bitte zuerst den Foto-Code scannen und das Foto annehmen (F8).",
  "error.application_exists": "Dieser Antrag ist bereits erfasst.",
  "error.unknown_mutation_kind": "Die Zentrale kennt diese Art von Änderung nicht.",
  "error.blob_missing": "Ein Foto fehlt noch bei der Zentrale; es wird zuerst übertragen.",
  "error.blob_hash_mismatch": "Ein Foto kam beschädigt bei der Zentrale an; es wird erneut übertragen.",
  "error.offset_mismatch": "Die Übertragung eines Fotos wird an der richtigen Stelle fortgesetzt.",
  "error.tls_rejected": "Die sichere Verbindung zur Zentrale wurde abgelehnt (Zertifikat). Bitte die IT verständigen.",
  "error.missing_credentials": "Bitte Benutzername und Passwort eingeben.",
  "error.not_logged_in": "Bitte anmelden.",
  "error.unexpected_answer": "Die Zentrale hat unerwartet geantwortet. Bitte später erneut versuchen.",
  "error.cloud_unreachable": "Die Foto-Cloud ist nicht erreichbar (nach mehreren Versuchen). Bitte gleich noch einmal scannen.",
  "error.cloud_tls_rejected":
    "Die Foto-Cloud hat sich nicht mit dem hinterlegten Zertifikat ausgewiesen oder unser Zertifikat abgelehnt. Abruf abgebrochen; bitte die IT verständigen.",
  "error.cloud_unexpected_answer": "Die Foto-Cloud hat unerwartet geantwortet. Bitte erneut versuchen.",
  "error.photo_not_found":
    "Das Foto ist in der Cloud nicht vorhanden: unbekannt, bereits abgerufen und gelöscht oder abgelaufen. Die Kundin oder der Kunde muss sich an das Fotostudio wenden.",
  "error.not_found": "Das Foto ist in der Cloud nicht vorhanden.",
  "error.wrong_category":
    "Die Foto-Cloud verweigert den Abruf: Der Organisationsschlüssel dieses Arbeitsplatzes gehört keiner Pass-, Personalausweis- oder Ausländerbehörde. Bitte die IT verständigen.",
  "error.retention_too_long": "Die Foto-Cloud bewahrt Fotos höchstens sechs Monate nach dem Hochladen auf. Bitte ein früheres Datum wählen.",
  "error.retention_in_past": "Das Aufbewahrungsdatum liegt in der Vergangenheit. Bitte ein späteres Datum wählen.",
  "error.invalid_date": "Das Datum ist ungültig. Bitte als TT.MM.JJJJ eingeben.",
  "error.no_photo": "Es ist kein Foto geöffnet. Bitte zuerst den Code scannen.",
  "error.override_required":
    "Das Foto hat nicht alle Prüfungen bestanden. Es kann nur mit ausdrücklicher Bestätigung trotzdem angenommen werden (F8 zweimal drücken).",
  "error.answer_too_large": "Die Gegenstelle hat eine zu große Antwort geschickt; sie wurde nicht gelesen. Bitte die IT verständigen.",
  "error.not_base64": "Der gescannte Code ist kein gültiger Base64-Text. Bitte erneut scannen.",
  "error.wrong_magic": "Der gescannte Code ist kein E-Passfoto-Code.",
  "error.unknown_version": "Der E-Passfoto-Code hat eine unbekannte Version; unterstützt wird Version 1.",
  "error.length_overrun": "Der E-Passfoto-Code ist unvollständig. Bitte erneut scannen.",
  "error.trailing_bytes": "Der E-Passfoto-Code enthält überzählige Bytes nach dem Schlüssel.",
  "error.unknown_algorithm": "Der E-Passfoto-Code nennt ein nicht unterstütztes Verschlüsselungsverfahren; erlaubt sind AES-256-GCM und AES-256-CBC.",
  "error.wrong_iv_length": "Der Initialisierungsvektor im E-Passfoto-Code hat die falsche Länge.",
  "error.wrong_key_length": "Der Schlüssel im E-Passfoto-Code muss 32 Bytes lang sein.",
  "error.url_not_https": "Die Cloud-Adresse im Code ist keine gültige https-Adresse mit Rechnername.",
  "error.url_too_long": "Die Cloud-Adresse im Code ist zu lang; erlaubt sind höchstens 100 Zeichen.",
  "error.invalid_c40": "Der C40-kodierte Inhalt des Codes ist fehlerhaft.",
  "error.untrusted_cloud": "Die Foto-Cloud im Code ist nicht als vertrauenswürdig eingetragen. Das Foto wird nicht abgerufen.",
  "error.invalid_user_identifier": "Die Nutzerkennung muss aus drei UUIDs bestehen, getrennt durch „:::“.",
  "error.decryption_failed": "Das Foto konnte nicht entschlüsselt werden (falscher Schlüssel oder veränderte Daten).",
  "error.seal_invalid": "Das Siegel der Foto-Cloud ist ungültig: Das Foto wurde verändert oder stammt nicht von dieser Cloud.",
  "error.seal_algorithm_unknown": "Die Foto-Cloud verwendet ein unbekanntes Siegelverfahren.",
  "error.seal_certificate_invalid":
    "Das Siegelzertifikat der Foto-Cloud ist unlesbar oder passt nicht zum Siegelverfahren. Bitte die IT verständigen.",
  "error.seal_form_unknown": "Die Foto-Cloud verwendet eine unbekannte Siegelform. Bitte die IT verständigen.",
  "error.seal_key_invalid": "Der Siegelschlüssel ist kein lesbarer PKCS#8-Schlüssel für ECDSA P-256.",
  "error.photo_too_large": "Die Fotodatei ist zu groß; erlaubt sind höchstens 8 MiB.",
  "error.not_jpeg": "Die Fotodatei ist kein JPEG. Die Cloud muss das Lichtbild als JPEG liefern.",
  "error.corrupt_jpeg": "Die JPEG-Datei ist beschädigt oder unvollständig.",
  "error.decompression_bomb": "Das Foto gibt mehr Pixel an, als erlaubt sind; es wird nicht geöffnet.",
  "error.image_unreadable": "Das Bild kann nicht gelesen werden (nur PNG oder JPEG).",
  "error.image_too_large": "Das Bild ist zu groß.",
  "error.no_code_found": "Im Bild wurde kein Data-Matrix- oder QR-Code gefunden.",
  "error.invalid_frame": "Ungültiges Kamerabild.",
  "error.camera_gstreamer_missing":
    "Die Kamera kann nicht benutzt werden (GStreamer fehlt). Bitte den Code mit dem Handscanner oder als Bilddatei (Strg+O) einlesen.",
  "error.camera_unavailable": "Die Kamera ist nicht verfügbar. Bitte den Code mit dem Handscanner oder als Bilddatei (Strg+O) einlesen.",
  "error.camera_stopped": "Die Kamera liefert keine Bilder mehr. Bitte den Code mit dem Handscanner oder als Bilddatei (Strg+O) einlesen.",
  "error.camera_invalid_frame": "Ungültiges Kamerabild. Bitte den Code mit dem Handscanner oder als Bilddatei (Strg+O) einlesen.",
  "error.camera_no_code": "Kein Code erkannt: Die Kamera wurde nach 60 Sekunden ausgeschaltet. Mit F6 erneut starten.",
  "error.unexpected": "Unerwarteter Fehler. Bitte erneut versuchen.",

  // Photo checks (TR-03121), `check.<id>.<reason>`.
  "check.min_size.ok": "Auflösung {width} × {height} Pixel (mindestens {min_width} × {min_height}).",
  "check.min_size.too_small":
    "Auflösung {width} × {height} Pixel ist zu klein; verlangt sind mindestens {min_width} × {min_height}. Bitte ein neues Foto anfordern.",
  "check.colour.ok": "24-Bit-Farbbild (3 × 8 Bit).",
  "check.colour.greyscale": "Graustufenbild; verlangt ist ein 24-Bit-Farbbild (sRGB).",
  "check.colour.cmyk": "CMYK-Bild (Druckfarben); verlangt ist ein 24-Bit-Farbbild (sRGB).",
  "check.colour.channels": "Bild mit {channels} Farbkanälen; verlangt ist ein 24-Bit-Farbbild (sRGB).",
  "check.colour.precision": "Bild mit {bits} Bit je Kanal; verlangt sind 8 Bit je Kanal (24-Bit-Farbbild).",
  "check.colour.unsupported": "Das Farbformat des Bildes wird nicht unterstützt; verlangt ist ein 24-Bit-Farbbild (sRGB).",
  "check.colour.foreign_profile": "Farbprofil „{profile}“; verlangt ist sRGB.",
  "check.colour.grey_content": "Das Bild ist als Farbbild gespeichert, zeigt aber nur Grautöne.",
  "check.aspect.ok": "Seitenverhältnis 35:45.",
  "check.aspect.off": "Seitenverhältnis {width}:{height} weicht um {deviation} % von 35:45 ab (erlaubt ±1 %).",
  "check.no_upscaling.ok": "Keine Anzeichen für Hochskalierung ({db} dB).",
  "check.no_upscaling.no_structure": "Hochskalierung nicht beurteilbar: Das Bild hat kaum Struktur.",
  "check.no_upscaling.upscaled":
    "Das Bild enthält kaum feine Details ({db} dB) und wurde vermutlich aus einem kleineren Bild hochgerechnet oder ist unscharf. Bitte genau prüfen.",
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
  connection: "Connection to the central office",
  centralReachable: "Central office reachable",
  centralUnreachable: "Central office unreachable",
  lastContact: "Last contact",
  lastSync: "Last sync",
  syncUnknown: "Sync: state unknown",
  syncNothingPending: "All changes sent",
  syncPendingOne: "1 change not yet sent",
  syncPending: "{count} changes not yet sent",
  syncUploading: "Sending photos: {done} of {total}",
  syncPushing: "Sending changes: {done} of {total}",
  syncNeedsLogin: "{count} changes waiting: log in to the central office",
  syncRejectedOne: "1 change rejected",
  syncRejected: "{count} changes rejected",
  syncRejectionsTitle: "Changes rejected by the central office",
  syncNoRejections: "No rejected changes.",
  syncAdviceDefault: "The data stays stored on this desk. Please check the case and enter it again if needed; ask IT if in doubt.",
  "syncAdvice.unknown_mutation_kind": "The central office does not know this kind of change (different program versions). Please tell IT; nothing is lost.",
  "syncAdvice.invalid_payload": "The central office considers the data incomplete or wrong. Please enter the case again and tell IT.",
  "syncAdvice.unknown_author": "This desk's store does not match the central office. Please tell IT at once; the data stays stored here.",
  "syncKind.photo_audit.record": "Photo audit entry",
  "syncKind.photo.accept": "Accepted photo",
  keySyncNow: "Sync now",
  logoutPendingOne:
    "1 change has not reached the central office yet. It stays encrypted on this desk and is sent as soon as anyone logs in here with a connection to the central office. Press {key} again to log out.",
  logoutPending:
    "{count} changes have not reached the central office yet. They stay encrypted on this desk and are sent as soon as anyone logs in here with a connection to the central office. Press {key} again to log out.",
  offlineSession: "Logged in offline",
  offlineSessionHint: "Logged in without a connection to the central office. Changes are stored and sent as soon as it can be reached.",
  never: "none yet",
  sessionUntil: "Session until",
  sessionExpired: "Your session has expired. Please sign in again.",
  sessionEndedByCentral: "The central office ended your session (for example after a password change). Please sign in again.",
  startupDetail: "For IT",
  navCustomer: "Customer/Photo",
  navApplication: "Application",
  navPickup: "Pickup",
  navQueue: "Queue",
  navLabel: "Sections",
  comingSoon: "This section is not enabled yet.",
  shortcuts: "Keyboard shortcuts",
  shortcutsHint: "F1: shortcuts",
  shortcutsGlobal: "Everywhere",
  shortcutsScreen: "In this section: {screen}",
  close: "Close",
  language: "Deutsch",
  languageSwitch: "Switch language (Deutsch)",
  roleClerk: "Clerk",
  roleSupervisor: "Supervisor",
  roleAdmin: "Administrator",
  keyNavigate: "Switch section",
  keyLogout: "Sign out",
  keyLanguage: "Switch language",
  keyHelp: "Show/hide this help",
  keySubmit: "Submit form",
  keyScanner: "Photo code recognised: fetch the photo",
  keyFinishVisit: "Finish the visit",
  keyPhotoKeep: "Keep photo in the cloud (on/off)",
  keyPhotoAccept: "Accept photo",
  keyPhotoReject: "Reject photo",
  keyCamera: "Read the photo code with the camera",
  keyCameraStop: "Stop camera",
  keyCodeFile: "Read the photo code from an image file",
  scanner: "Scanner",
  anywhere: "anywhere",
  visit: "Visit",
  visitLabel: "Current visit",
  visitPhotoOpen: "Photo open",
  visitPhotoPending: "Photo not decided",
  visitPhotoAccepted: "Photo accepted",
  visitPhotoAcceptedOverride: "Photo accepted despite defects",
  visitPhotoRejected: "Photo rejected",
  visitApplicationOpen: "Application open",
  visitPickupOpen: "Pickup open",
  visitFinish: "Finish visit",
  visitConfirmFinish: "Photo not decided yet: press F10 again to finish anyway.",
  visitFinished: "Visit finished. Ready for the next customer.",
  scannerLayoutNotice:
    "The hand scanner is set to a US keyboard layout; the code was corrected automatically. Please ask IT to switch the scanner to German.",
  photoScanLabel: "Scan or paste the photo code",
  photoScanHint: "The scanner is recognised anywhere, whichever field has focus.",
  photoFetch: "Fetch photo",
  photoFetching: "Fetching and checking the photo …",
  photoFile: "Read code from image file …",
  photoChecks: "Checks (TR-03121)",
  photoCheckPassed: "passed",
  photoCheckFailed: "failed",
  photoAllPassed: "All checks passed",
  photoSomeFailed: "Not all checks passed – please look closely",
  photoStudio: "Photo studio (user identifier)",
  photoId: "Photo ID",
  photoImage: "Photo {id}",
  photoCloud: "Cloud",
  photoAccept: "Accept photo",
  photoReject: "Reject photo",
  photoKeep: "Keep in the cloud for further applications until",
  photoKeepUntil: "Keep until (DD.MM.YYYY)",
  photoAccepted: "Photo accepted and deleted in the cloud.",
  photoAcceptedCloudLater: "Photo accepted. The cloud could not be reached; deleting it there is done automatically later.",
  photoAcceptedKeepLater: "Photo accepted. The cloud could not be reached; keeping it there is arranged automatically later.",
  photoAcceptedKept: "Photo accepted; the cloud keeps it until {date}.",
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
  unexpected: "Unexpected error. Please try again.",

  "error.invalid_credentials": "Username or password is wrong.",
  "error.account_locked": "The account is locked for a few minutes after several failed attempts. Please try again later or ask your supervisor.",
  "error.unauthenticated": "Please sign in.",
  "error.session_expired": "Your session has expired. Please sign in again.",
  "error.forbidden": "You are not allowed to do this.",
  "error.invalid_request": "The request is invalid. Please try again or call IT.",
  "error.body_too_large": "The request is too large for the central office. Please call IT.",
  "error.unsupported_media_type": "The central office does not understand the request's format. Please call IT.",
  "error.server_busy": "The central office is busy right now. Please try again in a few seconds.",
  "error.too_many_attempts": "Too many failed sign-ins from this workstation. Please wait a few minutes or ask your supervisor.",
  "error.unknown_office": "The central office does not know this workstation's office. Please call IT.",
  "error.internal": "Internal error. Please try again later.",
  "error.invalid_username": "The username must be 3 to 32 characters: lower-case letters, digits, dot, hyphen and underscore only.",
  "error.invalid_password": "The password does not have an allowed length.",
  "error.invalid_display_name": "The display name must not be empty and at most 80 characters long.",
  "error.invalid_role": "Unknown role; allowed are clerk, supervisor and admin.",
  "error.invalid_office_id": "The office id must be 8 digits (AGS), an underscore and 2 digits, e.g. 05111000_01.",
  "error.invalid_organisation_key": "The organisation key is invalid. Please call IT.",
  "error.config_invalid": "This workstation's configuration is broken. Please call IT.",
  "error.certificate_invalid": "This workstation's certificate cannot be used. Please call IT.",
  "error.central_unreachable": "The central office cannot be reached. Please check the network connection.",
  "error.photo_cloud_unreachable":
    "The photo cloud cannot be reached right now. The code is kept with the case; the photo is fetched automatically as soon as there is a connection. You can go on with the case.",
  "error.offline_login_unknown":
    "The central office cannot be reached, and you have never logged in online at this desk. Offline login needs an online login here first.",
  "error.offline_login_expired":
    "The central office cannot be reached, and your last online login at this desk is too long ago. Please log in as soon as there is a connection.",
  "error.clock_before_last_login": "This desk's clock is wrong (it is before your last login). Please tell IT.",
  "error.wrong_data_key": "The local data store could not be opened. Please tell IT; nothing is lost.",
  "error.encryption_unavailable": "This program version lacks the local data store's encryption. Please tell IT.",
  "error.store_exists": "The local data store exists already. Please tell IT.",
  "error.store_missing": "The local data store is missing. Please log in online once or tell IT.",
  "error.keyring_invalid": "This desk's login data is damaged. Please log in online or tell IT.",
  "error.invalid_input": "Invalid input.",
  "error.unknown_mutation": "This change is not (or no longer) in the local store.",
  "error.mutation_settled": "The central office has answered this change already.",
  "error.unknown_job": "This task is not (or no longer) in the local store.",
  "error.io": "The local data store cannot be written (disk full or broken?). Please tell IT.",
  "error.sync_needs_login": "Sending to the central office needs a login. The changes stay stored.",
  "error.sync_sequence_behind": "The central office knows fewer changes of this desk than the desk itself. Please tell IT; nothing is lost here.",
  "error.sync_unexpected_answer": "Unexpected answer from the central office while sending. It will be tried again later.",
  "error.sequence_gap": "The order of changes does not match the central office. Sending starts over.",
  "error.device_mismatch": "This desk presents a different certificate than before. Please tell IT.",
  "error.invalid_payload": "The central office considers this change's data invalid.",
  "error.unknown_author": "The change names a person who never logged in online at this desk.",
  "error.application_invalid": "The application is incomplete or wrong. Please check the marked fields.",
  "error.application_photo_missing": "No photo has been accepted for this visit yet. Please scan the photo code and accept the photo (F8) first.",
  "error.application_exists": "This application has already been recorded.",
  "error.unknown_mutation_kind": "The central office does not know this kind of change.",
  "error.blob_missing": "A photo has not reached the central office yet; it is sent first.",
  "error.blob_hash_mismatch": "A photo arrived damaged at the central office; it is sent again.",
  "error.offset_mismatch": "Sending a photo resumes at the right position.",
  "error.tls_rejected": "The secure connection to the central office was refused (certificate). Please call IT.",
  "error.missing_credentials": "Please enter username and password.",
  "error.not_logged_in": "Please sign in.",
  "error.unexpected_answer": "The central office gave an unexpected answer. Please try again later.",
  "error.cloud_unreachable": "The photo cloud cannot be reached (after several attempts). Please scan again in a moment.",
  "error.cloud_tls_rejected":
    "The photo cloud did not present the expected certificate or refused ours. Fetch aborted; please call IT.",
  "error.cloud_unexpected_answer": "The photo cloud gave an unexpected answer. Please try again.",
  "error.photo_not_found":
    "The photo is not in the cloud: unknown, already fetched and deleted, or expired. The customer must contact the photo studio.",
  "error.not_found": "The photo is not in the cloud.",
  "error.wrong_category":
    "The photo cloud refuses: this workstation's organisation key does not belong to a passport, ID card or immigration authority. Please call IT.",
  "error.retention_too_long": "The photo cloud keeps photos for at most six months after upload. Please choose an earlier date.",
  "error.retention_in_past": "The keep-until date is in the past. Please choose a later date.",
  "error.invalid_date": "The date is invalid. Please enter it as DD.MM.YYYY.",
  "error.no_photo": "No photo is open. Please scan the code first.",
  "error.override_required": "The photo did not pass every check. It can only be accepted anyway with explicit confirmation (press F8 twice).",
  "error.answer_too_large": "The other side sent an answer that is too large; it was not read. Please call IT.",
  "error.not_base64": "The scanned code is not valid Base64 text. Please scan again.",
  "error.wrong_magic": "The scanned code is not an e-passport photo code.",
  "error.unknown_version": "The e-passport photo code has an unknown version; version 1 is supported.",
  "error.length_overrun": "The e-passport photo code is incomplete. Please scan again.",
  "error.trailing_bytes": "The e-passport photo code has surplus bytes after the key.",
  "error.unknown_algorithm": "The e-passport photo code names an unsupported encryption method; AES-256-GCM and AES-256-CBC are allowed.",
  "error.wrong_iv_length": "The initialisation vector in the e-passport photo code has the wrong length.",
  "error.wrong_key_length": "The key in the e-passport photo code must be 32 bytes long.",
  "error.url_not_https": "The cloud address in the code is not a valid https address with a host name.",
  "error.url_too_long": "The cloud address in the code is too long; at most 100 characters are allowed.",
  "error.invalid_c40": "The C40-encoded content of the code is broken.",
  "error.untrusted_cloud": "The code points to a photo cloud that is not trusted here. The photo is not fetched.",
  "error.invalid_user_identifier": "The user identifier must be three UUIDs separated by “:::”.",
  "error.decryption_failed": "The photo cannot be decrypted (wrong key or altered data).",
  "error.seal_invalid": "The cloud's seal is invalid: the photo was altered or does not come from this cloud. Do not use it.",
  "error.seal_algorithm_unknown": "The photo cloud uses an unknown seal method.",
  "error.seal_certificate_invalid": "The photo cloud's seal certificate is unreadable or does not match the seal method. Please call IT.",
  "error.seal_form_unknown": "The photo cloud uses an unknown seal form. Please call IT.",
  "error.seal_key_invalid": "The seal key is not a readable PKCS#8 key for ECDSA P-256.",
  "error.photo_too_large": "The photo file is too large; at most 8 MiB are allowed.",
  "error.not_jpeg": "The photo file is not a JPEG. The cloud must deliver the photo as JPEG.",
  "error.corrupt_jpeg": "The JPEG file is damaged or incomplete.",
  "error.decompression_bomb": "The photo announces more pixels than allowed; it is not opened.",
  "error.image_unreadable": "The image cannot be read (PNG or JPEG only).",
  "error.image_too_large": "The image is too large.",
  "error.no_code_found": "No Data Matrix or QR code was found in the image.",
  "error.invalid_frame": "Invalid camera image.",
  "error.camera_gstreamer_missing":
    "The camera cannot be used (GStreamer is missing). Please read the code with the hand scanner or from an image file (Ctrl+O).",
  "error.camera_unavailable": "The camera cannot be used. Please read the code with the hand scanner or from an image file (Ctrl+O).",
  "error.camera_stopped": "The camera stopped delivering images. Please read the code with the hand scanner or from an image file (Ctrl+O).",
  "error.camera_invalid_frame": "Invalid camera image. Please read the code with the hand scanner or from an image file (Ctrl+O).",
  "error.camera_no_code": "No code seen: the camera was switched off after 60 seconds. Press F6 to start it again.",
  "error.unexpected": "Unexpected error. Please try again.",

  "check.min_size.ok": "Resolution {width} × {height} pixels (at least {min_width} × {min_height}).",
  "check.min_size.too_small":
    "Resolution {width} × {height} pixels is too small; at least {min_width} × {min_height} are required. Please ask for a new photo.",
  "check.colour.ok": "24-bit colour image (3 × 8 bits).",
  "check.colour.greyscale": "Greyscale image; a 24-bit colour image (sRGB) is required.",
  "check.colour.cmyk": "CMYK image (print colours); a 24-bit colour image (sRGB) is required.",
  "check.colour.channels": "Image with {channels} colour channels; a 24-bit colour image (sRGB) is required.",
  "check.colour.precision": "Image with {bits} bits per channel; 8 bits per channel (24-bit colour) are required.",
  "check.colour.unsupported": "The image's colour format is not supported; a 24-bit colour image (sRGB) is required.",
  "check.colour.foreign_profile": "Colour profile “{profile}”; sRGB is required.",
  "check.colour.grey_content": "The image is stored as colour but shows only shades of grey.",
  "check.aspect.ok": "Aspect ratio 35:45.",
  "check.aspect.off": "Aspect ratio {width}:{height} is {deviation} % off 35:45 (±1 % allowed).",
  "check.no_upscaling.ok": "No signs of upscaling ({db} dB).",
  "check.no_upscaling.no_structure": "Upscaling cannot be judged: the image has hardly any structure.",
  "check.no_upscaling.upscaled":
    "The image has hardly any fine detail ({db} dB) and was probably enlarged from a smaller image or is blurred. Please check closely.",
};

/** The catalogue itself, for the completeness tests. */
export const CATALOGUE: Record<Lang, Record<string, string>> = { de, en };

/** Codes whose German message from the desk names what is broken (a file, a certificate) for IT. */
const DETAIL_CODES = new Set(["config_invalid", "certificate_invalid"]);

/** `{name}` placeholders of a text, in order of appearance. */
export function placeholders(text: string): string[] {
  return [...text.matchAll(/\{([a-z_][a-z0-9_]*)\}/gi)].map((m) => m[1]);
}

/** Replaces `{name}` with `params[name]`; a missing param stays visible as `{name}`. */
export function fill(text: string, params: { [key: string]: string | undefined } = {}): string {
  return text.replace(/\{([a-z_][a-z0-9_]*)\}/gi, (whole, name: string) => params[name] ?? whole);
}

export function t(lang: Lang, key: MessageKey, params?: { [key: string]: string | undefined }): string {
  const text = CATALOGUE[lang][key] ?? CATALOGUE.de[key] ?? key;
  return params ? fill(text, params) : text;
}

export function hasMessage(key: string): boolean {
  return key in CATALOGUE.de;
}

export function asUiError(error: unknown): UiError {
  if (typeof error === "object" && error !== null && "code" in error && "message" in error) {
    return { code: String(error.code), message: String(error.message) };
  }
  return { code: "unexpected", message: de.unexpected };
}

/** The text to show for an error from the desk, in the clerk's language, chosen by its code.
 * The desk's German message is shown only for a code the catalogue does not know. */
export function errorText(lang: Lang, error: unknown): string {
  const uiError = asUiError(error);
  const key = `error.${uiError.code}`;
  if (hasMessage(key)) return CATALOGUE[lang][key];
  return uiError.message || CATALOGUE[lang]["error.unexpected"];
}

/** The desk's own message as a second line for IT, for errors whose message names the broken part. */
export function errorDetail(error: unknown): string | null {
  const uiError = asUiError(error);
  return DETAIL_CODES.has(uiError.code) && uiError.message ? uiError.message : null;
}

/** A number as the desk core sends it ("-8.2", "1244") as the clerk's language writes it. */
export function localNumber(lang: Lang, value: string): string {
  if (!/^-?\d+(\.\d+)?$/.test(value)) return value;
  return lang === "de" ? value.replace(".", ",").replace("-", "−") : value.replace("-", "−");
}

/** A photo check's line in the clerk's language; the desk's German text for an unknown key. */
export function checkText(lang: Lang, check: Pick<PhotoCheckView, "id" | "reason" | "params" | "message">): string {
  const key = `check.${check.id}.${check.reason}`;
  if (!hasMessage(key)) return check.message;
  const params: { [key: string]: string } = {};
  for (const [name, value] of Object.entries(check.params ?? {})) if (value !== undefined) params[name] = localNumber(lang, value);
  return fill(CATALOGUE[lang][key], params);
}

export function roleLabel(lang: Lang, role: Role): string {
  const key: Record<Role, MessageKey> = { clerk: "roleClerk", supervisor: "roleSupervisor", admin: "roleAdmin" };
  return t(lang, key[role]);
}

/** Date and time, for things that may lie days back (an offline week). */
export function formatDateTime(lang: Lang, rfc3339: string | null): string {
  if (!rfc3339) return t(lang, "never");
  const date = new Date(rfc3339);
  if (Number.isNaN(date.getTime())) return t(lang, "never");
  return date.toLocaleString(lang === "de" ? "de-DE" : "en-GB", { day: "2-digit", month: "2-digit", year: "numeric", hour: "2-digit", minute: "2-digit" });
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
