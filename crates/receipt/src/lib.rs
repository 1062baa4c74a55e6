//! The customer's receipt for a captured ID card or passport application: [`Receipt`] (what the office knows of
//! the application, without personal data), its German text [`Receipt::content`] (the same words for the PDF and
//! for the desk's print view), and [`render_pdf`] (PDF/A-2u, fonts embedded, text extractable). No Tauri, HTTP or
//! SQL. See README.md.

mod content;
mod pdf;

pub use content::{PickupWay, Receipt, ReceiptContent, ReceiptNumber, ReceiptRow};
pub use pdf::{render_pdf, ReceiptError};

#[cfg(test)]
mod tests;
