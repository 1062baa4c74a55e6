//! The Tauri shell of the desk app: command adapters, state, the window. Logic lives in
//! `schalter-desk-core`.

pub mod bindings;
mod commands;
mod startup;

use std::sync::Arc;
use std::time::Duration;

use schalter_desk_core::{Desk, DeskConfig, UiError};

/// How often the desk asks the central API whether it is there.
const CONNECTION_CHECK_EVERY: Duration = Duration::from_secs(5);

/// The desk, or why it could not start: a broken configuration still opens the window,
/// so the clerk sees what to tell IT instead of a program that does not start.
pub struct DeskState(Result<Arc<Desk>, UiError>);

impl DeskState {
    fn desk(&self) -> Result<&Arc<Desk>, UiError> {
        self.0.as_ref().map_err(Clone::clone)
    }
}

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
    let config = DeskConfig::load(&options.config_path);
    if startup::dmabuf_renderer_disabled(config.as_ref().ok()) {
        // Must happen before WebKitGTK starts; see README "Leeres Fenster".
        std::env::set_var("WEBKIT_DISABLE_DMABUF_RENDERER", "1");
    }
    let desk = config.and_then(|config| Desk::new(&config)).map(Arc::new).map_err(|error| {
        tracing::error!(code = error.code(), "desk not ready");
        UiError::from(error)
    });

    tauri::Builder::default()
        .manage(DeskState(desk.clone()))
        .setup(move |_app| {
            if let Ok(desk) = desk {
                tauri::async_runtime::spawn(async move { desk.monitor_connection(CONNECTION_CHECK_EVERY).await });
            }
            Ok(())
        })
        .invoke_handler(commands::handler())
        .run(tauri::generate_context!())
        .expect("the desk window could not be opened");
}
