//! The customer's receipt for an application this desk captured: built from the stored application (validated
//! again with the rules of its day, so fee and rules are the ones it was captured with) and the number the central
//! gave, or the provisional one. The same [`ReceiptView`] is the PDF and the print view (`schalter_receipt`).

use schalter_application::Application;
use schalter_receipt::{render_pdf, Receipt, ReceiptContent, ReceiptNumber};
use schalter_store::DeskStore;
use serde::Serialize;
use ts_rs::TS;

use crate::application;
use crate::DeskError;

/// The receipt as the UI shows it for printing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct ReceiptView {
    pub application_id: String,
    /// The number on the receipt: the central's, or while it is not known the provisional one.
    pub number: String,
    pub provisional: bool,
    /// `Quittung-<number>.pdf`.
    pub file_name: String,
    pub content: ReceiptContent,
}

/// The receipt's PDF beside what it says.
pub struct ReceiptPdf {
    pub view: ReceiptView,
    pub pdf: Vec<u8>,
}

/// Where a saved receipt went; `path` is `None` when the clerk cancelled the save dialog.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct SavedReceiptView {
    pub application_id: String,
    pub number: String,
    pub provisional: bool,
    pub path: Option<String>,
}

impl SavedReceiptView {
    pub fn new(view: &ReceiptView, path: Option<String>) -> Self {
        Self {
            application_id: view.application_id.clone(),
            number: view.number.clone(),
            provisional: view.provisional,
            path,
        }
    }
}

/// Whether the application still waits for the central's number (then a sync is worth trying first).
pub(crate) async fn has_final_number(store: &DeskStore, application_id: &str) -> Result<bool, DeskError> {
    let (_, view) = application::find(store, application_id).await?.ok_or(DeskError::ApplicationNotFound)?;
    Ok(view.application_number.is_some())
}

pub(crate) async fn receipt(store: &DeskStore, application_id: &str, office_name: &str) -> Result<Receipt, DeskError> {
    let (submitted, view) = application::find(store, application_id).await?.ok_or(DeskError::ApplicationNotFound)?;
    let application = Application::validate(&submitted.draft, submitted.application_date)
        .map_err(|errors| DeskError::ApplicationInvalid(schalter_application::ApplicationError::Invalid(errors)))?;
    let number = match view.application_number {
        Some(number) => ReceiptNumber::Final(number),
        None => ReceiptNumber::Provisional(view.provisional_number),
    };
    Ok(Receipt::for_application(&application, office_name, number))
}

pub(crate) fn view_of(application_id: &str, receipt: &Receipt) -> ReceiptView {
    ReceiptView {
        application_id: application_id.to_owned(),
        number: receipt.number.as_str().to_owned(),
        provisional: matches!(receipt.number, ReceiptNumber::Provisional(_)),
        file_name: receipt.file_name(),
        content: receipt.content(),
    }
}

pub(crate) fn pdf_of(application_id: &str, receipt: &Receipt) -> Result<ReceiptPdf, DeskError> {
    let pdf = render_pdf(receipt).map_err(DeskError::Receipt)?;
    Ok(ReceiptPdf { view: view_of(application_id, receipt), pdf })
}
