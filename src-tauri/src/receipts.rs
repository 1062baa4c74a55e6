//! Where a receipt's PDF is saved: the clerk picks the place in the native save dialog, or (kiosk set-ups, the
//! WebDriver tests, where no person can answer a GTK dialog) a directory from desk.toml takes it without asking.

use std::future::Future;
use std::path::{Path, PathBuf};
use std::pin::Pin;

use schalter_desk_core::{DeskError, ReceiptsConfig};

pub type Choice<'a> = Pin<Box<dyn Future<Output = Result<Option<PathBuf>, DeskError>> + Send + 'a>>;

/// Runs a closure on the main thread (`AppHandle::run_on_main_thread`), where GTK lives.
pub type MainThread<'a> = &'a (dyn Fn(Box<dyn FnOnce() + Send>) -> Result<(), String> + Sync);

/// Chooses the file a receipt is written to; `None` when the clerk cancelled.
pub trait SaveLocation: Send + Sync {
    fn choose<'a>(&'a self, main_thread: MainThread<'a>, file_name: &'a str) -> Choice<'a>;
}

/// The one the configuration asks for.
pub fn from_config(config: &ReceiptsConfig) -> Box<dyn SaveLocation> {
    match &config.save_directory {
        Some(directory) => Box::new(ConfiguredDirectory(directory.clone())),
        None => Box::new(SaveDialog),
    }
}

/// GTK's file chooser through `rfd` (its GTK 3 backend: no desktop portal is needed). GTK belongs to the main
/// thread, where tao runs its loop: the dialog is made there, and its answer awaited here.
pub struct SaveDialog;

impl SaveLocation for SaveDialog {
    fn choose<'a>(&'a self, main_thread: MainThread<'a>, file_name: &'a str) -> Choice<'a> {
        let file_name = file_name.to_owned();
        Box::pin(async move {
            let (opened, dialog) = tokio::sync::oneshot::channel();
            main_thread(Box::new(move || {
                let dialog = rfd::AsyncFileDialog::new()
                    .set_title("Quittung speichern")
                    .set_file_name(file_name)
                    .add_filter("PDF", &["pdf"])
                    .save_file();
                let _ = opened.send(dialog);
            }))
            .map_err(|e| DeskError::ReceiptNotSaved(format!("Dialog nicht geöffnet: {e}")))?;
            let dialog = dialog.await.map_err(|_| DeskError::ReceiptNotSaved("Dialog nicht geöffnet".into()))?;
            Ok(dialog.await.map(|file| file.path().to_path_buf()))
        })
    }
}

/// desk.toml `[receipts] save_directory`: every receipt goes there under its own name, without asking.
pub struct ConfiguredDirectory(pub PathBuf);

impl SaveLocation for ConfiguredDirectory {
    fn choose<'a>(&'a self, _main_thread: MainThread<'a>, file_name: &'a str) -> Choice<'a> {
        Box::pin(async move {
            tokio::fs::create_dir_all(&self.0)
                .await
                .map_err(|e| DeskError::ReceiptNotSaved(format!("{}: {e}", self.0.display())))?;
            Ok(Some(self.0.join(file_name)))
        })
    }
}

/// Writes the PDF; the file appears whole or not at all (written beside it, then renamed).
pub async fn write(path: &Path, pdf: &[u8]) -> Result<(), DeskError> {
    let failed = |e: std::io::Error| DeskError::ReceiptNotSaved(format!("{}: {e}", path.display()));
    let partial = path.with_extension("pdf.part");
    tokio::fs::write(&partial, pdf).await.map_err(failed)?;
    tokio::fs::rename(&partial, path).await.map_err(failed)
}
