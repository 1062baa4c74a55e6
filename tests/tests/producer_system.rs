//! Real processes end to end: the desk core captures two applications, the sync takes them to the
//! central API, which orders them from the producer simulator (its own process, mutual TLS); the
//! producer's notices come back through the central's mailbox round and the desk's pull. The
//! passport reaches "delivered" and the desk shows it; the ID card is rejected and the desk shows
//! the producer's reason.

use std::time::{Duration, Instant};

use schalter_application::ApplicationDraft;
use schalter_desk_core::{ApplicationView, Desk, DeskConfig};
use schalter_photo::Algorithm;
use schalter_system_tests::{asset, erika_draft, CentralOptions, Environment, CLERK_PASSWORD, CLERK_USERNAME};

fn passport_draft() -> ApplicationDraft {
    erika_draft("passport32")
}

fn id_card_draft() -> ApplicationDraft {
    ApplicationDraft {
        document_kind: "id_card".into(),
        given_names: "Leon".into(),
        date_of_birth: "03.04.1990".into(),
        pin_letter_handed_over: true,
        ..passport_draft()
    }
}

/// Syncs until `done` holds of the desk's list, or fails after `within`.
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

#[tokio::test(flavor = "multi_thread")]
async fn applications_go_through_the_producer_simulator_and_the_desk_sees_delivered_and_rejected() {
    let env = Environment::new().unwrap();
    // Every second application received is rejected: the passport is ordered first.
    let (_producer, producer_url) = env.start_producer(&["--reject-every", "2"]).unwrap();
    let central = env
        .start_central_with(CentralOptions { producer_url: Some(producer_url), ..CentralOptions::default() })
        .unwrap();
    let (_cloud, cloud_url) = env.start_photo_cloud().unwrap();
    let config =
        env.desk_config_with(central.url(), &Environment::photo_cloud_toml("psb:05111000_00", &cloud_url)).unwrap();
    let desk = Desk::new(&DeskConfig::load(&config).unwrap()).unwrap();
    desk.login(CLERK_USERNAME, CLERK_PASSWORD).await.unwrap();

    for draft in [passport_draft(), id_card_draft()] {
        let code =
            env.studio_upload(&cloud_url, &asset("photos/valid-1244x1600.jpg"), Algorithm::Aes256Gcm).await.unwrap();
        let photo = desk.fetch_photo(&code).await.unwrap();
        desk.decide_photo(&photo.photo_id, true, None, false).await.unwrap();
        // The simulated reader and pad (desk.toml has no [devices]): both index fingers and the signature.
        desk.capture_fingerprints(&draft).await.unwrap();
        desk.capture_signature().await.unwrap();
        let captured = desk.submit_application(&draft).await.unwrap();
        assert!(captured.provisional_number.starts_with("V-"), "{captured:?}");
    }

    let settled = |list: &[ApplicationView]| {
        list.iter().any(|a| a.document_kind == "passport32" && a.status == "delivered")
            && list.iter().any(|a| a.document_kind == "id_card" && a.status == "rejected")
    };
    let list = sync_until(&desk, Duration::from_secs(60), settled).await;
    let passport = list.iter().find(|a| a.document_kind == "passport32").unwrap();
    assert!(passport.application_number.as_deref().is_some_and(|n| n.starts_with("05111000_01-")), "{passport:?}");
    assert_eq!(passport.status_reason, None);
    let id_card = list.iter().find(|a| a.document_kind == "id_card").unwrap();
    let reason = id_card.status_reason.as_deref().expect("the producer's reason reaches the desk");
    assert!(reason.split(": ").next().unwrap().parse::<u32>().is_ok(), "error number first: {reason}");
    assert_eq!(id_card.rejection, None, "rejected by the producer, not by the central's check");
    assert!(id_card.correctable && !passport.correctable, "only the rejected one can be corrected");

    let id_card_number = id_card.application_number.clone();
    assert!(id_card_number.is_some());
    // The clerk corrects it (the delivered passport cannot be); it waits as pending, then is ordered again.
    let not_correctable = desk.correct_application(&passport.application_id, &id_card_draft()).await;
    assert_eq!(not_correctable.unwrap_err().code(), "application_not_correctable");
    let mut corrected = desk.application_draft(&id_card.application_id).await.unwrap();
    assert_eq!(corrected.given_names, "Leon");
    corrected.place_of_birth = "Düsseldorf".into();
    let mut as_passport = corrected.clone();
    as_passport.document_kind = "passport48".into();
    let kind_changed = desk.correct_application(&id_card.application_id, &as_passport).await;
    assert_eq!(kind_changed.unwrap_err().code(), "application_not_correctable", "the document kind stays");
    let pending = desk.correct_application(&id_card.application_id, &corrected).await.unwrap();
    assert_eq!((pending.status.as_str(), pending.correctable), ("pending", false));
    let both_delivered = |list: &[ApplicationView]| list.iter().filter(|a| a.status == "delivered").count() == 2;
    let list = sync_until(&desk, Duration::from_secs(60), both_delivered).await;
    let id_card = list.iter().find(|a| a.document_kind == "id_card").unwrap();
    assert_eq!(id_card.application_number, id_card_number, "the correction keeps the number");
    assert_eq!(id_card.status_reason, None, "no reason once it is delivered");
}
