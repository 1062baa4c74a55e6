//! The kiosk window of the pickup box: ten-line commands over `schalter_box_terminal::Terminal`,
//! a ticker for the devices and timers that pushes the view as the event `box://view`, the window.

mod startup;

use std::fs::{File, OpenOptions};
use std::path::Path;
use std::time::Duration;

use schalter_box_terminal::serial::{LineCompartments, LineSlotReader};
use schalter_box_terminal::{
    CitizenInput, Clock, CompartmentController, DoorHandle, HttpBoxCentral, SimulatedCompartments, SimulatedSlotReader,
    SlotHandle, SlotReader, Terminal, TerminalConfig, TerminalError, TerminalView,
};
use serde::Serialize;
use tauri::{Emitter, Manager, State};
use tokio::sync::Mutex;

/// How often the devices and timers are looked at.
const TICK_EVERY: Duration = Duration::from_millis(250);
/// How often the welcome screen asks the central whether the box is open.
const STATUS_EVERY: Duration = Duration::from_secs(60);
pub const VIEW_EVENT: &str = "box://view";

/// The simulator's handles: the "Simulator" panel plays the citizen and the box's hardware.
struct Simulator {
    slot: SlotHandle,
    doors: DoorHandle,
}

/// The terminal, or why it could not start: a broken configuration still opens the window, which
/// then says "out of order" with the code for the technician.
pub struct BoxState {
    terminal: Result<Mutex<Terminal<HttpBoxCentral>>, String>,
    simulator: Option<Simulator>,
}

/// What the window renders.
#[derive(Debug, Clone, Serialize)]
pub struct AppView {
    #[serde(flatten)]
    pub view: Option<TerminalView>,
    /// The error code that keeps the terminal out of order.
    pub out_of_order: Option<String>,
    pub simulator: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct UiError {
    pub code: String,
    pub message: String,
}

impl From<TerminalError> for UiError {
    fn from(error: TerminalError) -> Self {
        UiError { code: error.code().to_owned(), message: error.to_string() }
    }
}

impl BoxState {
    async fn view(&self) -> AppView {
        match &self.terminal {
            Ok(terminal) => AppView {
                view: Some(terminal.lock().await.view()),
                out_of_order: None,
                simulator: self.simulator.is_some(),
            },
            Err(code) => AppView { view: None, out_of_order: Some(code.clone()), simulator: false },
        }
    }

    fn terminal(&self) -> Result<&Mutex<Terminal<HttpBoxCentral>>, UiError> {
        self.terminal.as_ref().map_err(|code| UiError { code: code.clone(), message: "außer Betrieb".into() })
    }

    fn simulator(&self) -> Result<&Simulator, UiError> {
        self.simulator.as_ref().ok_or_else(|| TerminalError::SimulatorDisabled.into())
    }
}

fn open_port(path: &Path) -> Result<File, TerminalError> {
    OpenOptions::new()
        .read(true)
        .write(true)
        .open(path)
        .map_err(|e| TerminalError::Config(format!("{}: {e}", path.display())))
}

type Devices = (Box<dyn SlotReader>, Box<dyn CompartmentController>, Option<Simulator>);

fn devices(config: &TerminalConfig) -> Result<Devices, TerminalError> {
    if config.devices.simulator {
        let (reader, slot) = SimulatedSlotReader::new();
        let (compartments, doors) = SimulatedCompartments::new();
        return Ok((Box::new(reader), Box::new(compartments), Some(Simulator { slot, doors })));
    }
    let missing = || TerminalError::Config("[devices] ohne Anschluss".into());
    let slot = open_port(config.devices.slot_reader.as_deref().ok_or_else(missing)?)?;
    let board = open_port(config.devices.compartments.as_deref().ok_or_else(missing)?)?;
    Ok((Box::new(LineSlotReader::new(slot)), Box::new(LineCompartments::new(board)), None))
}

fn build(config: &TerminalConfig) -> Result<BoxState, TerminalError> {
    let central = HttpBoxCentral::new(config)?;
    let (slot, compartments, simulator) = devices(config)?;
    let terminal = Terminal::new(central, slot, compartments, config.timers(), Clock::system());
    Ok(BoxState { terminal: Ok(Mutex::new(terminal)), simulator })
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
    let config = TerminalConfig::load(&options.config_path);
    let dmabuf_off = std::env::var("SCHALTER_DISABLE_DMABUF").is_ok_and(|v| v == "1")
        || config.as_ref().is_ok_and(|c| c.disable_dmabuf_renderer);
    if dmabuf_off {
        // Must happen before WebKitGTK starts.
        std::env::set_var("WEBKIT_DISABLE_DMABUF_RENDERER", "1");
    }
    let fullscreen = config.as_ref().is_ok_and(|c| c.fullscreen);
    let state = config.and_then(|config| build(&config)).unwrap_or_else(|error| {
        tracing::error!(code = error.code(), %error, "terminal out of order");
        BoxState { terminal: Err(error.code().to_owned()), simulator: None }
    });

    tauri::Builder::default()
        .manage(state)
        .setup(move |app| {
            if fullscreen {
                if let Some(window) = app.get_webview_window("main") {
                    window.set_fullscreen(true)?;
                }
            }
            let handle = app.handle().clone();
            tauri::async_runtime::spawn(async move { ticker(handle).await });
            Ok(())
        })
        .invoke_handler(tauri::generate_handler![
            view,
            start,
            input,
            finish,
            touch,
            sim_insert,
            sim_jam,
            sim_close_door
        ])
        .run(tauri::generate_context!())
        .expect("the box window could not be opened");
}

/// The devices and the timers, and the box's status on the welcome screen; every change goes to
/// the window as [`VIEW_EVENT`].
async fn ticker(app: tauri::AppHandle) {
    let state = app.state::<BoxState>();
    let Ok(terminal) = &state.terminal else { return };
    let mut last_status: Option<tokio::time::Instant> = None;
    loop {
        let changed = {
            let mut terminal = terminal.lock().await;
            let mut changed = terminal.tick().await.unwrap_or(true);
            let idle = terminal.view().screen.is_none();
            if idle && last_status.is_none_or(|at| at.elapsed() >= STATUS_EVERY) {
                last_status = Some(tokio::time::Instant::now());
                let before = terminal.view();
                let _ = terminal.refresh_status().await;
                changed |= terminal.view() != before;
            }
            changed
        };
        if changed {
            if let Err(error) = app.emit(VIEW_EVENT, state.view().await) {
                tracing::warn!(%error, "view not delivered to the window");
            }
        }
        tokio::time::sleep(TICK_EVERY).await;
    }
}

#[tauri::command]
async fn view(state: State<'_, BoxState>) -> Result<AppView, UiError> {
    Ok(state.view().await)
}

/// Errors of the central or of an input show in the view (`error`); the window renders it.
#[tauri::command]
async fn start(state: State<'_, BoxState>) -> Result<AppView, UiError> {
    let _ = state.terminal()?.lock().await.begin().await;
    Ok(state.view().await)
}

#[tauri::command]
async fn input(state: State<'_, BoxState>, input: CitizenInput) -> Result<AppView, UiError> {
    let _ = state.terminal()?.lock().await.input(input).await;
    Ok(state.view().await)
}

#[tauri::command]
async fn finish(state: State<'_, BoxState>) -> Result<AppView, UiError> {
    state.terminal()?.lock().await.finish();
    Ok(state.view().await)
}

#[tauri::command]
async fn touch(state: State<'_, BoxState>) -> Result<(), UiError> {
    state.terminal()?.lock().await.touch();
    Ok(())
}

#[tauri::command]
fn sim_insert(state: State<'_, BoxState>, serial: String) -> Result<(), UiError> {
    state.simulator()?.slot.insert(serial.trim());
    Ok(())
}

#[tauri::command]
fn sim_jam(state: State<'_, BoxState>) -> Result<(), UiError> {
    state.simulator()?.slot.jam();
    Ok(())
}

#[tauri::command]
fn sim_close_door(state: State<'_, BoxState>) -> Result<(), UiError> {
    state.simulator()?.doors.take_and_close();
    Ok(())
}
