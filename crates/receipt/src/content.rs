//! What the receipt says, in German: one [`ReceiptContent`] that the PDF draws and the desk's print view shows, so
//! both carry the same words.

use schalter_application::dates::format_german;
use schalter_application::rules::{pin_letter, PinLetter};
use schalter_application::{format_euro, Application, CurrentDocumentKind, DocumentKind, FeeBreakdown, Pickup};
use serde::Serialize;
use time::Date;

/// The customer's receipt for one captured application.
///
/// It holds **no personal data**: no name, birth date, address, phone number or document serial. The application
/// number identifies the application at the office (for a question, at pickup), so a receipt lost on the way home
/// tells a finder nothing about the person. Keep it that way: a field added here is printed for anyone to read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Receipt {
    /// The office that took the application, e.g. "Bürgerbüro Düsseldorf-Süd".
    pub office_name: String,
    pub number: ReceiptNumber,
    /// The office's day of the application.
    pub application_date: Date,
    pub document: DocumentKind,
    pub fee: FeeBreakdown,
    pub pickup: PickupWay,
    /// The PIN letter of an ID card was handed over with the application (recorded in it).
    pub pin_letter_handed_over: bool,
    /// The kind of document the applicant holds now (never its serial): it is brought to the pickup.
    pub current_document: Option<CurrentDocumentKind>,
}

/// The application's number: the central's, or while the desk could not reach it the desk's provisional one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReceiptNumber {
    /// `<office>-<year>-<6 digits>`, given by the central.
    Final(String),
    /// `V-<desk>-<n>`, given by the desk at once; the final number follows.
    Provisional(String),
}

impl ReceiptNumber {
    pub fn as_str(&self) -> &str {
        match self {
            ReceiptNumber::Final(number) | ReceiptNumber::Provisional(number) => number,
        }
    }
}

/// How the document reaches the customer, without what the way needs to work (the pickup box's mobile number
/// stays off the receipt).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PickupWay {
    Counter,
    PickupBox,
    DirectDelivery,
}

impl From<&Pickup> for PickupWay {
    fn from(pickup: &Pickup) -> Self {
        match pickup {
            Pickup::Counter => PickupWay::Counter,
            Pickup::PickupBox { .. } => PickupWay::PickupBox,
            Pickup::DirectDelivery => PickupWay::DirectDelivery,
        }
    }
}

/// One line of a table: what, and its value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ReceiptRow {
    pub label: String,
    pub value: String,
}

/// The receipt's text, in reading order: what the PDF draws and the print view shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ReceiptContent {
    pub office: String,
    pub title: String,
    /// Number, date, document, pickup way.
    pub details: Vec<ReceiptRow>,
    /// Only under a provisional number: that the final number follows.
    pub number_note: Option<String>,
    pub fee_heading: String,
    pub fees: Vec<ReceiptRow>,
    pub total: ReceiptRow,
    pub notes_heading: String,
    /// Pickup, PIN letter, what to bring.
    pub notes: Vec<String>,
    pub footer: String,
}

/// "Ihren bisherigen …": the kind in the accusative, as the sentence needs it.
fn accusative(kind: CurrentDocumentKind) -> &'static str {
    match kind {
        CurrentDocumentKind::IdCard => "Personalausweis",
        CurrentDocumentKind::Passport => "Reisepass",
        CurrentDocumentKind::TemporaryIdCard => "vorläufigen Personalausweis",
        CurrentDocumentKind::TemporaryPassport => "vorläufigen Reisepass",
        CurrentDocumentKind::ChildPassport => "Kinderreisepass",
    }
}

impl Receipt {
    /// The receipt of a validated application: only what the receipt may say is taken from it.
    pub fn for_application(application: &Application, office_name: &str, number: ReceiptNumber) -> Self {
        Self {
            office_name: office_name.to_owned(),
            number,
            application_date: application.application_date(),
            document: application.document_kind(),
            fee: application.fee().clone(),
            pickup: PickupWay::from(application.pickup()),
            pin_letter_handed_over: application.pin_letter_handed_over(),
            current_document: application.applicant().current_document.as_ref().map(|document| document.kind),
        }
    }

    /// The suggested file name: `Quittung-<number>.pdf` (numbers hold letters, digits, `-` and `_` only).
    pub fn file_name(&self) -> String {
        let number: String = self
            .number
            .as_str()
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() || c == '-' || c == '_' { c } else { '_' })
            .collect();
        format!("Quittung-{number}.pdf")
    }

    pub fn content(&self) -> ReceiptContent {
        let row = |label: &str, value: String| ReceiptRow { label: label.to_owned(), value };
        let (number_label, number_note) = match &self.number {
            ReceiptNumber::Final(_) => ("Antragsnummer", None),
            ReceiptNumber::Provisional(_) => (
                "Vorläufige Antragsnummer",
                Some(
                    "Die endgültige Antragsnummer folgt, sobald der Antrag bei der Zentrale eingegangen ist. \
                     Bis dahin finden wir Ihren Antrag unter der vorläufigen Nummer."
                        .to_owned(),
                ),
            ),
        };
        let on_the_spot = self.document.is_temporary();
        let pickup = match (self.pickup, on_the_spot) {
            (_, true) => "Sofort am Schalter",
            (PickupWay::Counter, false) => "Am Schalter",
            (PickupWay::PickupBox, false) => "An der Ausgabebox",
            (PickupWay::DirectDelivery, false) => "Direktversand",
        };
        let details = vec![
            row(number_label, self.number.as_str().to_owned()),
            row("Antragsdatum", format_german(self.application_date)),
            row("Dokument", self.document.label_de().to_owned()),
            row("Abholung", pickup.to_owned()),
        ];
        let fees =
            self.fee.lines.iter().map(|line| row(line.item.label_de(), format_euro(line.amount_cents))).collect();

        let mut notes = Vec::new();
        match (self.pickup, on_the_spot) {
            (_, true) => {
                notes.push("Ihr Dokument wird heute ausgestellt und Ihnen am Schalter ausgehändigt.".to_owned())
            }
            (PickupWay::Counter, false) => {
                notes.push("Bitte holen Sie Ihr Dokument am Schalter ab, sobald es fertig ist.".to_owned());
                notes.push(match self.current_document {
                    Some(kind) => format!(
                        "Bitte bringen Sie zur Abholung diese Quittung und Ihren bisherigen {} mit; er wird bei \
                         der Ausgabe entwertet.",
                        accusative(kind)
                    ),
                    None => "Bitte bringen Sie zur Abholung diese Quittung mit.".to_owned(),
                });
            }
            (PickupWay::PickupBox, false) => {
                notes.push(
                    "Sie erhalten eine SMS mit einer PIN, sobald Ihr Dokument in der Ausgabebox bereitliegt."
                        .to_owned(),
                );
                notes.push(match self.current_document {
                    Some(kind) => format!(
                        "Bitte bringen Sie Ihren bisherigen {} zur Ausgabebox mit: Sie zieht ihn ein und entwertet ihn.",
                        accusative(kind)
                    ),
                    None => "Ohne bisheriges Dokument weisen Sie sich an der Ausgabebox mit Ihrem Geburtsdatum aus."
                        .to_owned(),
                });
            }
            (PickupWay::DirectDelivery, false) => notes.push(
                "Die Deutsche Post stellt Ihr Dokument zu und übergibt es nur Ihnen persönlich, gegen Vorlage eines \
                 Ausweises."
                    .to_owned(),
            ),
        }
        if self.document == DocumentKind::IdCard {
            if self.pin_letter_handed_over {
                notes.push(
                    "Den PIN-Brief zu Ihrem Personalausweis haben Sie heute erhalten. Bitte bewahren Sie ihn sicher \
                     und getrennt vom Ausweis auf."
                        .to_owned(),
                );
            } else if pin_letter(self.document, self.application_date) == PinLetter::SentByProducer {
                notes.push("Den PIN-Brief zu Ihrem Personalausweis erhalten Sie per Post.".to_owned());
            }
        }

        ReceiptContent {
            office: self.office_name.clone(),
            title: "Quittung über Ihren Antrag".to_owned(),
            details,
            number_note,
            fee_heading: "Gebühren".to_owned(),
            fees,
            total: row("Summe", format_euro(self.fee.total_cents)),
            notes_heading: "Hinweise".to_owned(),
            notes,
            footer:
                "Diese Quittung enthält keine persönlichen Daten: Die Antragsnummer bezeichnet Ihren Antrag. Bitte \
                     geben Sie sie bei Rückfragen an."
                    .to_owned(),
        }
    }
}
