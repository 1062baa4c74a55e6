//! The document producer's interface (Bundesdruckerei), as far as TR-03123 "XhD" is known
//! (domain.md §6.1): an order (`BestellungDokument`) of 1–150 applications of one document type,
//! per application an `Auftragsinformation` (accepted, or rejected with error number and text),
//! a `Lieferinformation` when the documents ship (serial numbers; for ID cards the Sperrkennwort),
//! and the authority's `Quittierung` of every delivery.
//!
//! XhD travels as signed and encrypted XML over OSCI-Transport (TR-03132). Here the same messages
//! go as JSON over mutual TLS: the element names are XhD's (so the XML mapping is one serializer
//! away), the transport is the one this project can run. The producer's answers wait in a mailbox
//! (`Postfach`) the authority reads, as OSCI's intermediary holds one-way messages.
//!
//! Spoken by the central API's adapter (`schalter_central::producer`) and by the simulator
//! (`schalter-producer-sim`); defined only here.

use serde::{Deserialize, Serialize};

/// Every path of the producer interface.
pub mod paths {
    /// `POST` a [`super::BestellungDokument`]; answered with a [`super::Bestellbestaetigung`]. Sending
    /// the same `bestellnummer` again answers the same and orders nothing twice.
    pub const ORDERS: &str = "/xhd/v1/bestellungen";
    /// `GET ?nach=<cursor>`: the messages after `cursor` ([`super::Postfach`]).
    pub const MAILBOX: &str = "/xhd/v1/postfach";
    /// `POST` a [`super::Quittierung`] of a delivery.
    pub const ACKNOWLEDGEMENTS: &str = "/xhd/v1/quittierungen";
}

/// At most this many applications in one order (XhD Tab. 8).
pub use schalter_application::MAX_APPLICATIONS_PER_ORDER;
/// The longest `antragsId` (XhD).
pub const MAX_APPLICATION_ID_LEN: usize = 40;
/// The longest error text of an `Auftragsinformation` (XhD).
pub const MAX_ERROR_TEXT_LEN: usize = 80;

/// An order of documents of one type.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BestellungDokument {
    /// Unique per message, at most 40 characters.
    pub nachricht_id: String,
    /// 28 characters: authority code, running index, check digit, `_`, date and time
    /// (`schalter_application::OrderNumber`).
    pub bestellnummer: String,
    /// The ordering authority (its DVDV identifier; here the office id).
    pub behoerde: String,
    /// One document type per order: a `schalter_application::DocumentKind` key.
    pub dokumentart: String,
    pub express: bool,
    /// The capturing software's certification (XhD: component, version, BSI id).
    pub software: Erfassungssoftware,
    pub antraege: Vec<Antrag>,
}

impl std::fmt::Debug for BestellungDokument {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BestellungDokument")
            .field("bestellnummer", &self.bestellnummer)
            .field("dokumentart", &self.dokumentart)
            .field("antraege", &self.antraege.len())
            .finish_non_exhaustive()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Erfassungssoftware {
    pub komponente: String,
    pub version: String,
    /// `BSI-K-TR-AAAA-YYYY`; a development build has none.
    pub bsi_kennung: Option<String>,
}

/// One application in an order: what the document shows and carries.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Antrag {
    /// Unique within the order, at most 40 characters: the application number.
    pub antrags_id: String,
    pub person: Personendaten,
    pub dokument: Dokumentdaten,
    /// The producer copy of the photo: exactly 622 × 800 JPEG 2000 (TR-03121 COD-FI-PRD), Base64.
    pub lichtbild_jp2: String,
    /// The signature as 900 × 132 JPEG, Base64; none when not required (under 10).
    pub unterschrift_jpeg: Option<String>,
    /// Per hand what was recorded at the counter (the prints themselves go to the chip by the
    /// producer's own capture records; here finger and quality, or why there is none).
    pub fingerabdruecke: Fingerabdruecke,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Fingerabdruecke {
    pub links: Fingerabdruck,
    pub rechts: Fingerabdruck,
}

/// One hand's fingerprint as the order names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "erfassung", rename_all = "snake_case")]
pub enum Fingerabdruck {
    /// `fingerposition`: ISO/IEC 19794-4 finger position code (1 right thumb … 10 left little);
    /// `qualitaet`: 0 to 100.
    Erfasst { fingerposition: u8, qualitaet: u8 },
    /// Medically impossible (confirmed by the clerk).
    NichtMoeglich,
    /// Under 6 or a document without a chip.
    NichtErforderlich,
}

impl From<crate::application::FingerprintOutcome> for Fingerabdruck {
    fn from(outcome: crate::application::FingerprintOutcome) -> Self {
        use crate::application::FingerprintOutcome;
        match outcome {
            FingerprintOutcome::Captured { finger, quality } => {
                Fingerabdruck::Erfasst { fingerposition: finger.position_code(), qualitaet: quality }
            }
            FingerprintOutcome::NotPossible => Fingerabdruck::NichtMoeglich,
            FingerprintOutcome::NotRequired => Fingerabdruck::NichtErforderlich,
        }
    }
}

impl From<crate::application::FingerprintOutcomes> for Fingerabdruecke {
    fn from(outcomes: crate::application::FingerprintOutcomes) -> Self {
        Fingerabdruecke { links: outcomes.left.into(), rechts: outcomes.right.into() }
    }
}

impl std::fmt::Debug for Antrag {
    // Person data and biometrics: only the id is printed.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Antrag").field("antrags_id", &self.antrags_id).finish_non_exhaustive()
    }
}

/// The person data printed and stored on the document (XhD PA/ePass profile, domain.md §3.2).
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Personendaten {
    pub familienname: String,
    pub geburtsname: Option<String>,
    pub vornamen: String,
    pub doktorgrad: Option<String>,
    pub ordens_oder_kuenstlername: Option<String>,
    /// `JJJJ-MM-TT`, `XX` for an unknown day or month.
    pub geburtsdatum: String,
    pub geburtsort: String,
    /// `001`, `002`, `003` or none (ID card).
    pub geschlecht: Option<String>,
    /// Centimetres; none when unknown.
    pub groesse_cm: Option<u16>,
    pub augenfarbe: Option<String>,
    /// Street, postal code and place; none for "no residence in Germany".
    pub anschrift: Option<Anschrift>,
    pub staatsangehoerigkeit: String,
}

#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Anschrift {
    pub strasse: String,
    pub postleitzahl: String,
    pub ort: String,
}

/// The document's own data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Dokumentdaten {
    /// `JJJJ-MM-TT`: valid to (valid from is the day of issue at the producer).
    pub gueltig_bis: String,
    /// The issuing authority as printed.
    pub behoerde: String,
    /// ID cards: whether the eID function starts switched on (off under 16).
    pub eid_eingeschaltet: Option<bool>,
    /// The PIN letter was handed over at the application (since 17.02.2025).
    pub pin_brief_ausgehaendigt: bool,
}

/// The producer's receipt of an order (not yet its decision on the applications).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Bestellbestaetigung {
    pub bestellnummer: String,
    pub antraege: usize,
}

/// An order refused as a whole (XhD `Fehlerinformation`): malformed, more than 150 applications,
/// more than one document type.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Fehlerinformation {
    pub fehlernummer: u32,
    pub fehlertext: String,
}

/// `GET` [`paths::MAILBOX`]: messages in the order the producer wrote them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Postfach {
    pub nachrichten: Vec<Postfacheintrag>,
    /// Whether more messages wait after the last one.
    pub weitere: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Postfacheintrag {
    /// Ascending; the next read asks for what comes after the last one it handled.
    pub cursor: i64,
    pub nachricht: Nachricht,
}

/// A message from the producer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "typ")]
pub enum Nachricht {
    /// The decision on each application of an order.
    Auftragsinformation {
        #[serde(rename = "nachrichtId")]
        nachricht_id: String,
        bestellnummer: String,
        ergebnisse: Vec<Auftragsergebnis>,
    },
    /// Production of these applications started. Not an XhD message: Bundesdruckerei reports it
    /// through its status service, which this mailbox stands in for.
    Produktionsinformation {
        #[serde(rename = "nachrichtId")]
        nachricht_id: String,
        bestellnummer: String,
        #[serde(rename = "antragsIds")]
        antrags_ids: Vec<String>,
    },
    /// Documents shipped to the authority; needs a [`Quittierung`].
    Lieferinformation {
        #[serde(rename = "nachrichtId")]
        nachricht_id: String,
        #[serde(rename = "lieferungId")]
        lieferung_id: String,
        bestellnummer: String,
        dokumente: Vec<GeliefertesDokument>,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Auftragsergebnis {
    pub antrags_id: String,
    pub angenommen: bool,
    /// At most 6 digits, with a rejection.
    pub fehlernummer: Option<u32>,
    /// At most 80 characters, with a rejection.
    pub fehlertext: Option<String>,
}

/// One shipped document.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GeliefertesDokument {
    pub antrags_id: String,
    /// The document's serial number (9 characters and a check digit).
    pub seriennummer: String,
    /// ID cards: the password for blocking the eID by phone. Secret: stored encrypted, never logged.
    pub sperrkennwort: Option<String>,
    /// ID cards: the checksum that goes with the Sperrkennwort.
    pub sperrsumme: Option<String>,
}

impl std::fmt::Debug for GeliefertesDokument {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GeliefertesDokument")
            .field("antrags_id", &self.antrags_id)
            .field("seriennummer", &self.seriennummer)
            .finish_non_exhaustive()
    }
}

/// The authority confirms a delivery's data arrived (always required for ID cards).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Quittierung {
    pub nachricht_id: String,
    pub lieferung_id: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_carry_their_xhd_type_and_names() {
        let message = Nachricht::Auftragsinformation {
            nachricht_id: "n-1".into(),
            bestellnummer: "D111001X_2026-12-02_09:15:00".into(),
            ergebnisse: vec![Auftragsergebnis {
                antrags_id: "05111000_01-2026-000001".into(),
                angenommen: false,
                fehlernummer: Some(4711),
                fehlertext: Some("Lichtbild nicht verwendbar".into()),
            }],
        };
        let json = serde_json::to_value(&message).unwrap();
        assert_eq!(json["typ"], "Auftragsinformation");
        assert_eq!(json["nachrichtId"], "n-1");
        assert_eq!(json["ergebnisse"][0]["antragsId"], "05111000_01-2026-000001");
        assert_eq!(serde_json::from_value::<Nachricht>(json).unwrap(), message);
    }

    #[test]
    fn a_delivered_document_never_prints_its_sperrkennwort() {
        let document = GeliefertesDokument {
            antrags_id: "a".into(),
            seriennummer: "L01X00T471".into(),
            sperrkennwort: Some("SONNE-4711".into()),
            sperrsumme: Some("1234".into()),
        };
        let printed = format!("{document:?}");
        assert!(printed.contains("L01X00T471"));
        assert!(!printed.contains("SONNE") && !printed.contains("1234"));
    }
}
