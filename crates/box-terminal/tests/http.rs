//! `HttpBoxCentral` and the driver over real mutual TLS, against the stand-in of the central's
//! terminal API (a boundary double; the real central's test is the system test's).

use schalter_box_terminal::standin::{StandInCentral, StandInPickup, StandInPki};
use schalter_box_terminal::*;
use schalter_wire::pickup::TerminalScreen;

fn config(pki: &StandInPki, url: &str) -> TerminalConfig {
    TerminalConfig::parse(&pki.terminal_toml(url)).unwrap()
}

fn rig(config: &TerminalConfig) -> (Terminal<HttpBoxCentral>, SlotHandle, DoorHandle) {
    let (reader, slot) = SimulatedSlotReader::new();
    let (compartments, doors) = SimulatedCompartments::new();
    let central = HttpBoxCentral::new(config).unwrap();
    (Terminal::new(central, Box::new(reader), Box::new(compartments), config.timers(), Clock::system()), slot, doors)
}

#[tokio::test]
async fn a_whole_pickup_goes_over_mtls_and_every_device_report_arrives() {
    let dir = tempfile::tempdir().unwrap();
    let pki = StandInPki::create(dir.path()).unwrap();
    let central = StandInCentral::start(&pki, StandInPickup::default()).await.unwrap();
    let (mut terminal, slot, doors) = rig(&config(&pki, &central.url()));
    assert!(terminal.refresh_status().await.unwrap().open);
    terminal.begin().await.unwrap();
    terminal.input(CitizenInput::PhoneNumber { number: "0171 1234567".into() }).await.unwrap();
    terminal.input(CitizenInput::Pin { pin: "123456".into() }).await.unwrap();
    slot.insert("T22000129");
    terminal.tick().await.unwrap();
    assert_eq!(terminal.view().screen, Some(TerminalScreen::ConfirmPinLetter));
    terminal.input(CitizenInput::PinLetterConfirmed).await.unwrap();
    assert_eq!(terminal.view().screen, Some(TerminalScreen::TakeDocument { compartment: 7 }));
    assert_eq!(doors.take_and_close(), vec![7]);
    terminal.tick().await.unwrap();
    assert_eq!(terminal.view().screen, Some(TerminalScreen::ThankYou));
    assert_eq!(slot.counts(), (0, 1));
    assert_eq!(
        central.state.log(),
        ["start", "phone_number", "pin", "slot_read", "pin_letter_confirmed", "compartment_opened", "door_closed"]
    );
}

#[tokio::test]
async fn a_closed_box_answers_with_its_code_and_a_foreign_certificate_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let pki = StandInPki::create(dir.path()).unwrap();
    let central = StandInCentral::start(&pki, StandInPickup::default()).await.unwrap();
    central.state.set_open(false);
    let (mut terminal, _, _) = rig(&config(&pki, &central.url()));
    assert_eq!(terminal.begin().await.unwrap_err().code(), "pickup_box_closed");
    assert_eq!(terminal.view().error.as_deref(), Some("pickup_box_closed"));

    // A terminal certificate from another CA: the handshake fails, nothing reaches the routes.
    let other = StandInPki::create(&dir.path().join("other")).unwrap();
    let mut foreign = config(&pki, &central.url());
    foreign.terminal_cert = other.terminal_cert.clone();
    foreign.terminal_key = other.terminal_key.clone();
    let (mut terminal, _, _) = rig(&foreign);
    let before = central.state.log().len();
    assert_eq!(terminal.begin().await.unwrap_err().code(), "central_tls_rejected");
    assert_eq!(central.state.log().len(), before);

    // Nobody listening.
    let gone = config(&pki, "https://127.0.0.1:9");
    let (mut terminal, _, _) = rig(&gone);
    assert_eq!(terminal.begin().await.unwrap_err().code(), "central_unreachable");
}
