//! Production adapters: the slot reader and the locker controller board as ASCII line protocols
//! over any `Read + Write` port (a serial device opened as a file, its speed set by the
//! installation, e.g. `stty -F /dev/ttyUSB0 115200 raw`; or a TCP socket to a serial server).
//! The protocols are our assumption of a typical board; see README.md.
//!
//! Every request is one line ending in `\n`; every answer is one line; `ERR <text>` is a failure.

use std::io::{Read, Write};

use crate::devices::{CompartmentController, CompartmentSensors, SlotEvent, SlotReader};
use crate::TerminalError;

/// Longest answer line we accept.
const MAX_LINE: usize = 128;

fn request<P: Read + Write>(port: &mut P, device: &'static str, line: &str) -> Result<String, TerminalError> {
    let io = |e: std::io::Error| TerminalError::device(device, e.to_string());
    port.write_all(line.as_bytes()).map_err(io)?;
    port.write_all(b"\n").map_err(io)?;
    port.flush().map_err(io)?;
    let mut answer = Vec::new();
    let mut byte = [0u8; 1];
    loop {
        match port.read(&mut byte).map_err(io)? {
            0 => return Err(TerminalError::device(device, "keine Antwort (Verbindung zu)")),
            _ if byte[0] == b'\n' => break,
            _ if answer.len() >= MAX_LINE => return Err(TerminalError::device(device, "Antwortzeile zu lang")),
            _ => answer.push(byte[0]),
        }
    }
    let answer = String::from_utf8(answer).map_err(|_| TerminalError::device(device, "Antwort kein UTF-8"))?;
    let answer = answer.trim_end_matches('\r').to_owned();
    if let Some(reason) = answer.strip_prefix("ERR") {
        return Err(TerminalError::device(device, format!("meldet Fehler:{reason}")));
    }
    Ok(answer)
}

fn expect_ok<P: Read + Write>(port: &mut P, device: &'static str, line: &str) -> Result<(), TerminalError> {
    match request(port, device, line)?.as_str() {
        "OK" => Ok(()),
        _ => Err(TerminalError::device(device, "unerwartete Antwort")),
    }
}

/// The slot reader: `POLL` → `NONE` | `DOC <serial>` | `JAM`; `RETURN` → `OK`; `DESTROY` → `OK`.
pub struct LineSlotReader<P> {
    port: P,
}

impl<P: Read + Write + Send> LineSlotReader<P> {
    pub fn new(port: P) -> Self {
        Self { port }
    }
}

impl<P: Read + Write + Send> SlotReader for LineSlotReader<P> {
    fn poll(&mut self) -> Result<Option<SlotEvent>, TerminalError> {
        let answer = request(&mut self.port, "slot_reader", "POLL")?;
        match answer.split_once(' ') {
            None if answer == "NONE" => Ok(None),
            None if answer == "JAM" => Ok(Some(SlotEvent::Jammed)),
            Some(("DOC", serial)) if valid_serial(serial) => Ok(Some(SlotEvent::Read { serial: serial.to_owned() })),
            _ => Err(TerminalError::device("slot_reader", "unerwartete Antwort auf POLL")),
        }
    }

    fn return_document(&mut self) -> Result<(), TerminalError> {
        expect_ok(&mut self.port, "slot_reader", "RETURN")
    }

    fn destroy_document(&mut self) -> Result<(), TerminalError> {
        expect_ok(&mut self.port, "slot_reader", "DESTROY")
    }
}

/// A document serial as the reader sends it: 9–10 letters and digits (the central compares it).
fn valid_serial(serial: &str) -> bool {
    (1..=20).contains(&serial.len()) && serial.bytes().all(|b| b.is_ascii_alphanumeric())
}

/// The locker controller board: `OPEN <n>` → `OK` once the lock reports open;
/// `STATUS <n>` → `STATUS <n> DOOR=OPEN|CLOSED SEEN=0|1 EMPTY=0|1` (`SEEN`: the door was open since
/// the last `OPEN`, latched by the board and kept over a power cut).
pub struct LineCompartments<P> {
    port: P,
}

impl<P: Read + Write + Send> LineCompartments<P> {
    pub fn new(port: P) -> Self {
        Self { port }
    }
}

impl<P: Read + Write + Send> CompartmentController for LineCompartments<P> {
    fn open(&mut self, compartment: u32) -> Result<(), TerminalError> {
        expect_ok(&mut self.port, "compartments", &format!("OPEN {compartment}"))
    }

    fn sensors(&mut self, compartment: u32) -> Result<CompartmentSensors, TerminalError> {
        let answer = request(&mut self.port, "compartments", &format!("STATUS {compartment}"))?;
        parse_status(&answer, compartment)
            .ok_or_else(|| TerminalError::device("compartments", "unerwartete Antwort auf STATUS"))
    }
}

fn parse_status(answer: &str, compartment: u32) -> Option<CompartmentSensors> {
    let mut words = answer.split(' ');
    if words.next()? != "STATUS" || words.next()?.parse::<u32>().ok()? != compartment {
        return None;
    }
    let door_closed = match words.next()? {
        "DOOR=OPEN" => false,
        "DOOR=CLOSED" => true,
        _ => return None,
    };
    let flag = |word: Option<&str>, name: &str| match word?.strip_prefix(name)? {
        "0" => Some(false),
        "1" => Some(true),
        _ => None,
    };
    let opened_since_command = flag(words.next(), "SEEN=")?;
    let empty = flag(words.next(), "EMPTY=")?;
    words.next().is_none().then_some(CompartmentSensors { door_closed, opened_since_command, empty })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Cursor;

    /// A port that answers from a script and records what was written.
    struct Port {
        answers: Cursor<Vec<u8>>,
        written: Vec<u8>,
    }

    impl Port {
        fn new(answers: &str) -> Self {
            Self { answers: Cursor::new(answers.as_bytes().to_vec()), written: Vec::new() }
        }
    }

    impl Read for Port {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            self.answers.read(buf)
        }
    }

    impl Write for Port {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.written.extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn the_slot_reader_reports_a_serial_a_jam_and_nothing() {
        let mut reader = LineSlotReader::new(Port::new("NONE\nDOC T22000129\r\nJAM\nOK\n"));
        assert_eq!(reader.poll().unwrap(), None);
        assert_eq!(reader.poll().unwrap(), Some(SlotEvent::Read { serial: "T22000129".into() }));
        assert_eq!(reader.poll().unwrap(), Some(SlotEvent::Jammed));
        reader.return_document().unwrap();
        assert_eq!(String::from_utf8(reader.port.written).unwrap(), "POLL\nPOLL\nPOLL\nRETURN\n");
    }

    #[test]
    fn garbage_errors_a_silent_port_and_an_endless_line_fail() {
        let mut reader = LineSlotReader::new(Port::new("DOC T2200-0129\nERR jammed motor\n"));
        assert_eq!(reader.poll().unwrap_err().code(), "terminal_device_failed");
        assert_eq!(reader.destroy_document().unwrap_err().code(), "terminal_device_failed");
        assert!(reader.poll().is_err(), "the port is silent now");
        let long = "X".repeat(500);
        assert!(LineSlotReader::new(Port::new(&long)).poll().is_err());
    }

    #[test]
    fn the_board_opens_and_reports_sensors_of_the_asked_compartment_only() {
        let mut board = LineCompartments::new(Port::new(
            "OK\nSTATUS 7 DOOR=OPEN SEEN=1 EMPTY=0\nSTATUS 8 DOOR=CLOSED SEEN=1 EMPTY=1\nSTATUS 7 DOOR=CLOSED SEEN=2 EMPTY=1\n",
        ));
        board.open(7).unwrap();
        let sensors = board.sensors(7).unwrap();
        assert_eq!(sensors, CompartmentSensors { door_closed: false, opened_since_command: true, empty: false });
        assert!(board.sensors(7).is_err(), "an answer for compartment 8");
        assert!(board.sensors(7).is_err(), "SEEN=2");
        assert_eq!(String::from_utf8(board.port.written).unwrap(), "OPEN 7\nSTATUS 7\nSTATUS 7\nSTATUS 7\n");
    }
}
