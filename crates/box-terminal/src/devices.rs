//! The box's devices behind blocking traits: the slot reader (old document in, serial read, given
//! back or drawn in for destruction) and the compartment controller with its door sensors.
//! Simulators for the demo and the tests; the serial line adapters are in [`crate::serial`].

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use crate::TerminalError;

/// What the slot reader noticed since the last poll.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SlotEvent {
    /// A document went in and its serial was read.
    Read { serial: String },
    /// The document is stuck inside.
    Jammed,
}

pub trait SlotReader: Send {
    /// The next event, if any (non-blocking or briefly blocking).
    fn poll(&mut self) -> Result<Option<SlotEvent>, TerminalError>;
    /// Gives the inserted document back to the citizen.
    fn return_document(&mut self) -> Result<(), TerminalError>;
    /// Draws the inserted document in for destruction.
    fn destroy_document(&mut self) -> Result<(), TerminalError>;
}

/// A compartment's sensors.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CompartmentSensors {
    pub door_closed: bool,
    /// The door was open at some point since the last open command (the board latches it).
    pub opened_since_command: bool,
    /// The light barrier sees nothing inside.
    pub empty: bool,
}

pub trait CompartmentController: Send {
    /// Unlatches the compartment's door; `Ok` once the lock reports it open.
    fn open(&mut self, compartment: u32) -> Result<(), TerminalError>;
    fn sensors(&mut self, compartment: u32) -> Result<CompartmentSensors, TerminalError>;
}

#[derive(Debug, Default)]
struct SlotState {
    pending: Option<SlotEvent>,
    /// The document in the slot (returned or destroyed later).
    holding: Option<String>,
    returned: u32,
    destroyed: u32,
}

/// A slot reader in memory; the [`SlotHandle`] plays the citizen (insert, jam).
#[derive(Clone, Default)]
pub struct SimulatedSlotReader {
    state: Arc<Mutex<SlotState>>,
}

/// The citizen's side of the [`SimulatedSlotReader`].
#[derive(Clone)]
pub struct SlotHandle {
    state: Arc<Mutex<SlotState>>,
}

impl SimulatedSlotReader {
    pub fn new() -> (Self, SlotHandle) {
        let reader = Self::default();
        let handle = SlotHandle { state: reader.state.clone() };
        (reader, handle)
    }
}

impl SlotHandle {
    pub fn insert(&self, serial: &str) {
        let mut state = self.state.lock().unwrap();
        state.holding = Some(serial.to_owned());
        state.pending = Some(SlotEvent::Read { serial: serial.to_owned() });
    }

    pub fn jam(&self) {
        let mut state = self.state.lock().unwrap();
        state.holding = Some(String::new());
        state.pending = Some(SlotEvent::Jammed);
    }

    /// Documents given back and drawn in so far.
    pub fn counts(&self) -> (u32, u32) {
        let state = self.state.lock().unwrap();
        (state.returned, state.destroyed)
    }
}

impl SlotReader for SimulatedSlotReader {
    fn poll(&mut self) -> Result<Option<SlotEvent>, TerminalError> {
        Ok(self.state.lock().unwrap().pending.take())
    }

    fn return_document(&mut self) -> Result<(), TerminalError> {
        let mut state = self.state.lock().unwrap();
        state.holding = None;
        state.returned += 1;
        Ok(())
    }

    fn destroy_document(&mut self) -> Result<(), TerminalError> {
        let mut state = self.state.lock().unwrap();
        if state.holding.take().is_none() {
            return Err(TerminalError::device("slot_reader", "kein Dokument im Schacht"));
        }
        state.destroyed += 1;
        Ok(())
    }
}

#[derive(Debug, Clone, Copy)]
struct Door {
    open: bool,
    opened_since_command: bool,
    empty: bool,
}

#[derive(Debug, Default)]
struct CompartmentState {
    doors: BTreeMap<u32, Door>,
    /// `open` fails while set (a broken lock).
    lock_broken: bool,
    opened: Vec<u32>,
}

/// Compartments in memory: every compartment starts closed and loaded. The [`DoorHandle`] plays the
/// citizen (take the document, close the door) and the technician (break a lock).
#[derive(Clone, Default)]
pub struct SimulatedCompartments {
    state: Arc<Mutex<CompartmentState>>,
}

#[derive(Clone)]
pub struct DoorHandle {
    state: Arc<Mutex<CompartmentState>>,
}

impl SimulatedCompartments {
    pub fn new() -> (Self, DoorHandle) {
        let controller = Self::default();
        let handle = DoorHandle { state: controller.state.clone() };
        (controller, handle)
    }
}

const LOADED_AND_CLOSED: Door = Door { open: false, opened_since_command: false, empty: false };

impl DoorHandle {
    /// The citizen takes the document and closes the door of every open compartment; the
    /// compartments closed.
    pub fn take_and_close(&self) -> Vec<u32> {
        let mut state = self.state.lock().unwrap();
        let mut closed = Vec::new();
        for (number, door) in state.doors.iter_mut().filter(|(_, d)| d.open) {
            door.open = false;
            door.empty = true;
            closed.push(*number);
        }
        closed
    }

    /// Closes the door without taking the document.
    pub fn close_without_taking(&self, compartment: u32) {
        let mut state = self.state.lock().unwrap();
        state.doors.entry(compartment).or_insert(LOADED_AND_CLOSED).open = false;
    }

    /// Sets a compartment's sensors as a power cut left them.
    pub fn set(&self, compartment: u32, door_open: bool, opened_since_command: bool, empty: bool) {
        let mut state = self.state.lock().unwrap();
        state.doors.insert(compartment, Door { open: door_open, opened_since_command, empty });
    }

    pub fn break_lock(&self) {
        self.state.lock().unwrap().lock_broken = true;
    }

    /// Compartments told to open, in order.
    pub fn opened(&self) -> Vec<u32> {
        self.state.lock().unwrap().opened.clone()
    }

    pub fn is_open(&self, compartment: u32) -> bool {
        self.state.lock().unwrap().doors.get(&compartment).is_some_and(|d| d.open)
    }
}

impl CompartmentController for SimulatedCompartments {
    fn open(&mut self, compartment: u32) -> Result<(), TerminalError> {
        let mut state = self.state.lock().unwrap();
        if state.lock_broken {
            return Err(TerminalError::device("compartments", "Schloss meldet nicht offen"));
        }
        let door = state.doors.entry(compartment).or_insert(LOADED_AND_CLOSED);
        door.open = true;
        door.opened_since_command = true;
        state.opened.push(compartment);
        Ok(())
    }

    fn sensors(&mut self, compartment: u32) -> Result<CompartmentSensors, TerminalError> {
        let state = self.state.lock().unwrap();
        let door = state.doors.get(&compartment).copied().unwrap_or(LOADED_AND_CLOSED);
        Ok(CompartmentSensors {
            door_closed: !door.open,
            opened_since_command: door.opened_since_command,
            empty: door.empty,
        })
    }
}
