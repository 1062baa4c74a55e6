//! The Tauri shell of the desk app: command adapters, state, the window. Logic lives in
//! `schalter-desk-core`.

pub mod bindings;
mod commands;
mod receipts;
mod startup;

use std::sync::Arc;
use std::time::Duration;

use schalter_desk_core::{events, Desk, UiError};
use tauri::Emitter;

/// How often the desk asks the central API whether it is there.
const CONNECTION_CHECK_EVERY: Duration = Duration::from_secs(5);
/// How often the desk looks whether the clerk's session has run out.
const SESSION_CHECK_EVERY: Duration = Duration::from_secs(1);
/// How often the desk syncs while a session is open (and retries a photo fetch that waits for the cloud).
const SYNC_EVERY: Duration = Duration::from_secs(10);
/// When the desk first asks the central for a newer release, and how often after that.
const UPDATE_FIRST_CHECK_AFTER: Duration = Duration::from_secs(60);
const UPDATE_CHECK_EVERY: Duration = Duration::from_secs(15 * 60);

/// The desk, or why it could not start: a broken configuration still opens the window,
/// so the clerk sees what to tell IT instead of a program that does not start.
pub struct DeskState(Result<Arc<Desk>, UiError>);

impl DeskState {
    fn desk(&self) -> Result<&Arc<Desk>, UiError> {
        self.0.as_ref().map_err(Clone::clone)
    }
}

/// This desk's place in the counter queue (desk.toml `[queue] place`, checked at load); `None`: from the device id.
pub struct QueuePlace(Option<String>);

/// Where receipts are saved (desk.toml `[receipts]`): the save dialog, or a configured directory.
pub struct ReceiptSaving(Box<dyn receipts::SaveLocation>);

pub fn run() {
    let options = match startup::Options::from_args(std::env::args().skip(1)) {
        Ok(startup::Action::Run(options)) => options,
        Ok(startup::Action::Exit(text)) => {
            println!("{text}");
            return;
        }
        Err(text) => {
            eprintln!("{text}");
            std::process::exit(2);
        }
    };
    startup::init_tracing();
    let config = options.config.load();
    if startup::dmabuf_renderer_disabled(config.as_ref().ok()) {
        // Must happen before WebKitGTK starts; see README "Leeres Fenster".
        std::env::set_var("WEBKIT_DISABLE_DMABUF_RENDERER", "1");
    }
    let place = QueuePlace(config.as_ref().ok().and_then(|c| c.queue.place.clone()));
    let saving = ReceiptSaving(receipts::from_config(&config.as_ref().map(|c| c.receipts.clone()).unwrap_or_default()));
    let desk = config.and_then(|config| Desk::new(&config)).map(Arc::new).map_err(|error| {
        tracing::error!(code = error.code(), %error, "desk not ready");
        UiError::from(error)
    });

    tauri::Builder::default()
        .manage(DeskState(desk.clone()))
        .manage(saving)
        .manage(place)
        .setup(move |app| {
            if let Ok(desk) = desk {
                forward(app.handle().clone(), events::CONNECTION, desk.connection_updates());
                forward(app.handle().clone(), events::SESSION, desk.session_updates());
                forward(app.handle().clone(), events::SYNC, desk.sync_updates());
                forward_some(app.handle().clone(), events::PHOTO, desk.photo_updates());
                forward_some(app.handle().clone(), events::UPDATE, desk.update_updates());
                let updates = desk.clone();
                tauri::async_runtime::spawn(async move {
                    // Not in the first minute: the clerk's start and first sync come first.
                    tokio::time::sleep(UPDATE_FIRST_CHECK_AFTER).await;
                    updates.run_updates(UPDATE_CHECK_EVERY).await
                });
                let monitor = desk.clone();
                tauri::async_runtime::spawn(async move { monitor.monitor_connection(CONNECTION_CHECK_EVERY).await });
                let sync = desk.clone();
                tauri::async_runtime::spawn(async move { sync.run_sync(SYNC_EVERY).await });
                tauri::async_runtime::spawn(async move { desk.watch_session(SESSION_CHECK_EVERY).await });
            }
            Ok(())
        })
        .invoke_handler(commands::handler())
        .run(tauri::generate_context!())
        .expect("the desk window could not be opened");
}

/// Pushes every new value of `updates` to the front end as the event `name`: the UI listens
/// instead of polling.
fn forward<T>(app: tauri::AppHandle, name: &'static str, mut updates: tokio::sync::watch::Receiver<T>)
where
    T: serde::Serialize + Clone + Send + Sync + 'static,
{
    tauri::async_runtime::spawn(async move {
        while updates.changed().await.is_ok() {
            let value = updates.borrow_and_update().clone();
            if let Err(error) = app.emit(name, value) {
                tracing::warn!(event = name, %error, "event not delivered to the window");
            }
        }
    });
}

/// As [`forward`], for channels whose `None` means "nothing to tell" (e.g. no photo arrived).
fn forward_some<T>(app: tauri::AppHandle, name: &'static str, mut updates: tokio::sync::watch::Receiver<Option<T>>)
where
    T: serde::Serialize + Clone + Send + Sync + 'static,
{
    tauri::async_runtime::spawn(async move {
        while updates.changed().await.is_ok() {
            let Some(value) = updates.borrow_and_update().clone() else { continue };
            if let Err(error) = app.emit(name, value) {
                tracing::warn!(event = name, %error, "event not delivered to the window");
            }
        }
    });
}
