//! The pickup box's panel software without Tauri (issue 10): the central's terminal API over mTLS
//! ([`BoxCentral`], [`HttpBoxCentral`]), the slot reader and the compartment controller behind
//! traits ([`devices`]: simulators; [`serial`]: line protocols for real boards), and the
//! [`Terminal`] driver. The kiosk window (`box-app/`) is a thin shell over this crate.

pub mod central;
pub mod config;
pub mod devices;
pub mod error;
pub mod serial;
#[cfg(feature = "standin")]
pub mod standin;
pub mod terminal;

pub use central::{BoxCentral, HttpBoxCentral};
pub use config::{DevicesConfig, TerminalConfig, Timers};
pub use devices::{
    CompartmentController, CompartmentSensors, DoorHandle, SimulatedCompartments, SimulatedSlotReader, SlotEvent,
    SlotHandle, SlotReader,
};
pub use error::{TerminalError, ERROR_CODES};
pub use terminal::{birth_date_to_iso, CitizenInput, Clock, Terminal, TerminalView, FINAL_SCREEN};
