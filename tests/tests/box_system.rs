//! The pickup box end to end over real processes: the desk core captures an ID card (old ID card on
//! record) and a passport (none) for the box, the sync takes them to the central, the producer simulator
//! delivers them, a clerk loads them, the central's SMS worker writes each PIN into the development sink,
//! and the box terminal's driver (schalter-box-terminal with the simulated slot reader and compartments)
//! collects them over its own client certificate: with the old document into the slot, and with the
//! birth date. The desk then sees both handed out.

use std::time::{Duration, Instant};

use schalter_application::ApplicationDraft;
use schalter_box_terminal::{
    CitizenInput, Clock, HttpBoxCentral, SimulatedCompartments, SimulatedSlotReader, Terminal, TerminalConfig, Timers,
};
use schalter_desk_core::pickup::LoadArgs;
use schalter_desk_core::{ApplicationView, Desk, DeskConfig};
use schalter_photo::Algorithm;
use schalter_system_tests::{asset, erika_draft, CentralOptions, Environment, CLERK_PASSWORD, CLERK_USERNAME};
use schalter_wire::pickup::TerminalScreen;

const BOX: &str = "dlz-box-1";

fn box_draft(kind: &str, mobile: &str) -> ApplicationDraft {
    ApplicationDraft {
        pickup: "pickup_box".into(),
        mobile_number: Some(mobile.into()),
        pickup_consent: true,
        pin_letter_handed_over: kind == "id_card",
        ..erika_draft(kind)
    }
}

async fn sync_until(desk: &Desk, within: Duration, done: impl Fn(&[ApplicationView]) -> bool) -> Vec<ApplicationView> {
    let deadline = Instant::now() + within;
    loop {
        desk.sync_now().await.unwrap();
        let list = desk.applications("").await.unwrap();
        if done(&list) {
            return list;
        }
        let seen: Vec<(&str, &str)> = list.iter().map(|a| (a.document_kind.as_str(), a.status.as_str())).collect();
        assert!(Instant::now() < deadline, "the applications stopped at {seen:?}");
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
}

/// The PIN the SMS to `to` carries, once the central's worker has written it.
async fn pin_for(sms_file: &std::path::Path, to: &str) -> String {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let text = std::fs::read_to_string(sms_file).unwrap_or_default();
        for line in text.lines() {
            let sms: serde_json::Value = serde_json::from_str(line).unwrap();
            if sms["to"] == to {
                let text = sms["text"].as_str().unwrap();
                assert!(!text.contains("Mustermann") && !text.contains("Erika"), "no name in the SMS: {text}");
                return text.split("PIN: ").nth(1).unwrap().chars().take(6).collect();
            }
        }
        assert!(Instant::now() < deadline, "no SMS to {to} in {}", sms_file.display());
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// Lets the terminal's devices and timers run until its screen is `wanted`.
async fn tick_until(terminal: &mut Terminal<HttpBoxCentral>, wanted: impl Fn(&TerminalScreen) -> bool) {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        terminal.tick().await.unwrap();
        if terminal.view().screen.as_ref().is_some_and(&wanted) {
            return;
        }
        assert!(Instant::now() < deadline, "the terminal stopped at {:?}", terminal.view());
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn screen(terminal: &Terminal<HttpBoxCentral>) -> TerminalScreen {
    terminal.view().screen.expect("a session")
}

#[tokio::test(flavor = "multi_thread")]
async fn box_documents_go_from_capture_through_the_producer_into_the_box_and_out_by_old_document_or_birth_date() {
    let env = Environment::new().unwrap();
    let (_producer, producer_url) = env.start_producer(&[]).unwrap();
    let sms_file = env.dir.path().join("sms.jsonl");
    let path = |p: std::path::PathBuf| p.display().to_string();
    let extra_args = [
        "--pin-pepper-file".to_owned(),
        path(env.dir.path().join("pin-pepper.key")),
        "--sms-gateway".to_owned(),
        "file".to_owned(),
        "--sms-file".to_owned(),
        path(sms_file.clone()),
        "--sms-poll-seconds".to_owned(),
        "1".to_owned(),
    ];
    let central = env
        .start_central_with(CentralOptions {
            producer_url: Some(producer_url),
            extra_args: extra_args.to_vec(),
            ..CentralOptions::default()
        })
        .unwrap();
    // Around the clock: the test runs at any hour.
    let added = env
        .central_command(&[
            "add-box",
            "--id",
            BOX,
            "--office",
            "05111000_01",
            "--name",
            "Dienstleistungszentrum",
            "--compartments",
            "S,S,M,Ma,L",
            "--around-the-clock",
            "--terminal-cert",
            &path(env.pki.box_terminal_cert()),
        ])
        .output()
        .unwrap();
    assert!(added.status.success(), "{}", String::from_utf8_lossy(&added.stderr));

    let (_cloud, cloud_url) = env.start_photo_cloud().unwrap();
    let config =
        env.desk_config_with(central.url(), &Environment::photo_cloud_toml("psb:05111000_00", &cloud_url)).unwrap();
    let desk = Desk::new(&DeskConfig::load(&config).unwrap()).unwrap();
    desk.login(CLERK_USERNAME, CLERK_PASSWORD).await.unwrap();
    let mut id_card = box_draft("id_card", "0151 11111111");
    id_card.current_document_kind = Some("id_card".into());
    id_card.current_document_serial = Some("L01X00T47".into());
    let passport = box_draft("passport32", "0151 22222222");
    for draft in [&id_card, &passport] {
        let code =
            env.studio_upload(&cloud_url, &asset("photos/valid-1244x1600.jpg"), Algorithm::Aes256Gcm).await.unwrap();
        let photo = desk.fetch_photo(&code).await.unwrap();
        desk.decide_photo(&photo.photo_id, true, None, false).await.unwrap();
        desk.capture_fingerprints(draft).await.unwrap();
        desk.capture_signature().await.unwrap();
        desk.submit_application(draft).await.unwrap();
    }
    let delivered = |list: &[ApplicationView]| list.len() == 2 && list.iter().all(|a| a.status == "delivered");
    let list = sync_until(&desk, Duration::from_secs(60), delivered).await;

    // The clerk loads both; the central chooses the compartments and sends the PINs.
    for application in &list {
        let number = application.application_number.clone().unwrap();
        let loaded = desk
            .load_into_box(&LoadArgs { application_number: number, box_id: BOX.into(), accessible: false })
            .await
            .unwrap();
        assert!(!loaded.awaiting_confirmation, "{loaded:?}");
    }
    let id_card_pin = pin_for(&sms_file, "+4915111111111").await;
    let passport_pin = pin_for(&sms_file, "+4915122222222").await;

    let terminal_config = TerminalConfig::parse(&format!(
        "central_url = {:?}\ncentral_ca = {:?}\nterminal_cert = {:?}\nterminal_key = {:?}\n[devices]\nsimulator = true\n",
        central.url(),
        path(env.pki.ca_cert()),
        path(env.pki.box_terminal_cert()),
        path(env.pki.box_terminal_key()),
    ))
    .unwrap();
    let (slot, slot_handle) = SimulatedSlotReader::new();
    let (compartments, doors) = SimulatedCompartments::new();
    let mut terminal = Terminal::new(
        HttpBoxCentral::new(&terminal_config).unwrap(),
        Box::new(slot),
        Box::new(compartments),
        Timers::default(),
        Clock::system(),
    );
    assert!(terminal.refresh_status().await.unwrap().open, "around the clock");

    // The ID card: phone, PIN, the old ID card into the slot, the PIN letter, the door.
    terminal.begin().await.unwrap();
    assert_eq!(screen(&terminal), TerminalScreen::EnterPhoneNumber);
    terminal.input(CitizenInput::PhoneNumber { number: "0151 11111111".into() }).await.unwrap();
    terminal.input(CitizenInput::Pin { pin: id_card_pin }).await.unwrap();
    assert_eq!(screen(&terminal), TerminalScreen::InsertOldDocument { returned_before: 0 });
    slot_handle.insert("L01X00T47");
    tick_until(&mut terminal, |s| *s == TerminalScreen::ConfirmPinLetter).await;
    terminal.input(CitizenInput::PinLetterConfirmed).await.unwrap();
    tick_until(&mut terminal, |s| matches!(s, TerminalScreen::TakeDocument { .. })).await;
    assert_eq!(doors.opened().len(), 1);
    doors.take_and_close();
    tick_until(&mut terminal, |s| *s == TerminalScreen::ThankYou).await;
    assert_eq!(slot_handle.counts().1, 1, "the old ID card was drawn in for destruction");
    terminal.finish();

    // The passport: phone, PIN, the birth date as typed on the pad.
    terminal.begin().await.unwrap();
    terminal.input(CitizenInput::PhoneNumber { number: "+49 151 22222222".into() }).await.unwrap();
    terminal.input(CitizenInput::Pin { pin: passport_pin }).await.unwrap();
    assert_eq!(screen(&terminal), TerminalScreen::EnterBirthDate { wrong_before: 0 });
    terminal.input(CitizenInput::BirthDate { date: "12.08.1964".into() }).await.unwrap();
    tick_until(&mut terminal, |s| matches!(s, TerminalScreen::TakeDocument { .. })).await;
    doors.take_and_close();
    tick_until(&mut terminal, |s| *s == TerminalScreen::ThankYou).await;

    // Handed out everywhere: the desk sees it through the sync.
    let handed_out = |list: &[ApplicationView]| list.iter().all(|a| a.status == "handed_out");
    sync_until(&desk, Duration::from_secs(30), handed_out).await;
}
