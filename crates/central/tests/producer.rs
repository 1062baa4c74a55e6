//! Applications on their way through the document producer, on both backends: the central's
//! producer rounds against the simulator (`schalter-producer-sim`) over real mutual TLS. Orders of
//! one document type, the producer copy as 622 × 800 JPEG 2000, decisions, production, delivery
//! with a sealed Sperrkennwort, acknowledgement, a rejected application corrected and ordered
//! again, and an unreachable producer that orders nothing twice.

#[macro_use]
mod common;

use std::time::Duration;

use axum::http::StatusCode;
use schalter_central::producer::http::XhdHttpProducer;
use schalter_central::producer::{OrderingAuthority, ProducerWorker, Round};
use schalter_central::secrets::SecretsKey;
use schalter_pki::{CertificateAuthority, Validity};
use schalter_producer_sim::{RunningSimulator, SimulatorConfig};
use serde_json::{json, Value};
use uuid::Uuid;

use common::instance::*;
use common::{Backend, TestDatabase};

const PHOTO: &[u8] = include_bytes!("../../../assets/photos/valid-1244x1600.jpg");

struct ProducerSide {
    simulator: RunningSimulator,
    producer: XhdHttpProducer,
}

/// A simulator with its own CA; the central's client certificate comes from it too.
async fn simulator(config: SimulatorConfig) -> ProducerSide {
    let ca = CertificateAuthority::new("Hersteller-CA (Test)").unwrap();
    let server = ca.issue_server(&["127.0.0.1"], Validity::days(1)).unwrap();
    let central = ca.issue_client("Zentrale Düsseldorf", Validity::days(1)).unwrap();
    let simulator =
        schalter_producer_sim::start(config, "127.0.0.1:0".parse().unwrap(), &server, &ca.cert_pem()).await.unwrap();
    let producer = XhdHttpProducer::new(&simulator.url(), &ca.cert_pem(), &central).unwrap();
    ProducerSide { simulator, producer }
}

fn quick(reject_every: u32) -> SimulatorConfig {
    SimulatorConfig {
        accept_delay: Duration::ZERO,
        production_delay: Duration::ZERO,
        delivery_delay: Duration::ZERO,
        reject_every,
        photo_check: Some(schalter_producer_sim::check_producer_copy),
        ..SimulatorConfig::default()
    }
}

fn worker<P: schalter_central::producer::Producer>(central: &Instance, producer: P) -> ProducerWorker<P> {
    ProducerWorker::new(
        central.db().clone(),
        producer,
        SecretsKey::from_bytes(&[9; 32]),
        OrderingAuthority::new("D111", "Stadt Düsseldorf").unwrap(),
        central.state.clock.clone(),
    )
}

/// Rounds until `done` holds of the stored statuses (the simulator answers within milliseconds).
async fn rounds_until<P: schalter_central::producer::Producer>(
    worker: &ProducerWorker<P>,
    central: &Instance,
    done: impl Fn(&[(String, String)]) -> bool,
) -> Vec<(String, String)> {
    for _ in 0..200 {
        worker.run_once().await.unwrap();
        let statuses: Vec<(String, String)> = central
            .db()
            .application_summaries()
            .await
            .unwrap()
            .into_iter()
            .map(|summary| (summary.document_kind, summary.status))
            .collect();
        if done(&statuses) {
            return statuses;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("the applications did not get there");
}

fn correct_mutation(seq: i64, application_id: &Value, draft: Value) -> Value {
    json!({
        "seq": seq, "id": Uuid::now_v7(), "kind": "application.correct", "occurred_at": "2027-01-15T10:40:00Z",
        "payload": { "application_id": application_id, "draft": draft },
    })
}

/// The feed's statuses of one application, in order, with their reasons.
async fn feed_statuses(central: &Instance, token: &str, application_id: &Value) -> Vec<(String, Option<String>)> {
    let desk = desk("Arbeitsplatz 1");
    let pulled = central.pull(&desk, token, 0, 500).await;
    pulled.body["changes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|change| change["entity"] == "application" && change["id"] == application_id.as_str().unwrap())
        .map(|change| {
            (
                change["data"]["status"].as_str().unwrap().to_owned(),
                change["data"]["status_reason"].as_str().map(Into::into),
            )
        })
        .collect()
}

async fn applications_go_through_the_producer_and_a_rejected_one_comes_back_corrected(backend: Backend) {
    let database = TestDatabase::new(backend).await;
    let central = Instance::start(&database, true).await;
    let desk = desk("Arbeitsplatz 1");
    let token = central.login(&desk).await;
    let photo = central.upload(&desk, &token, PHOTO).await;
    let signature = central.upload(&desk, &token, &signature_jpeg()).await;
    let signed = prints_taken(Some(&signature));
    let accept = accept_mutation(1, &photo);
    let (photo_id, visit_id) = (&accept["payload"]["photo_id"], &accept["payload"]["visit_id"]);
    let mut temporary = passport_draft();
    temporary["document_kind"] = json!("temporary_id_card");
    temporary["pickup"] = json!("");
    temporary["current_document_kind"] = json!(null);
    temporary["current_document_serial"] = json!(null);
    let batch = [
        accept.clone(),
        submit_mutation(2, photo_id, visit_id, passport_draft(), signed.clone()),
        submit_mutation(3, photo_id, visit_id, teen_id_card(), signed.clone()),
        submit_mutation(4, photo_id, visit_id, temporary, no_prints(Some(&signature))),
    ];
    let answer = central.push(&desk, &token, "desk-1", &batch).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    assert!(answer.body["results"].as_array().unwrap().iter().all(|r| r["status"] == "applied"), "{}", answer.body);
    let passport_id = &batch[1]["payload"]["application_id"];
    let id_card_id = &batch[2]["payload"]["application_id"];

    // Every second application received is rejected: the passport goes first, the ID card is second.
    let side = simulator(quick(2)).await;
    let worker = worker(&central, side.producer.clone());
    let settled = |statuses: &[(String, String)]| {
        statuses.iter().any(|(kind, status)| kind == "passport32" && status == "delivered")
            && statuses.iter().any(|(kind, status)| kind == "id_card" && status == "rejected")
    };
    let stored = rounds_until(&worker, &central, settled).await;
    assert!(stored.contains(&("temporary_id_card".into(), "captured".into())), "issued on the spot, never ordered");
    let orders = central.db().producer_orders().await.unwrap();
    let kinds: Vec<(&str, &str)> = orders.iter().map(|(_, kind, state)| (kind.as_str(), state.as_str())).collect();
    assert_eq!(kinds, [("passport32", "sent"), ("id_card", "sent")], "one document type per order");
    assert!(orders.iter().all(|(number, _, _)| number.len() == 28 && number.starts_with("D111")));

    // The passport went the whole way; the desks saw each step through the feed.
    let passport = central.db().producer_record(Uuid::parse_str(passport_id.as_str().unwrap()).unwrap()).await.unwrap();
    let passport = passport.unwrap();
    assert!(passport.serial_number.as_deref().unwrap().starts_with('C'), "{passport:?}");
    assert_eq!(passport.sperrkennwort_sealed, None, "passports have no Sperrkennwort");
    let steps: Vec<String> = feed_statuses(&central, &token, passport_id).await.into_iter().map(|(s, _)| s).collect();
    assert_eq!(steps, ["captured", "sent", "accepted", "in_production", "delivered"]);
    // The producer got a real 622 × 800 JPEG 2000 (its check decodes it; so does this one).
    let copy = central.db().stored_producer_copy(Uuid::parse_str(passport_id.as_str().unwrap()).unwrap()).await;
    let image = schalter_portrait::decode_jp2(&copy.unwrap().unwrap()).unwrap();
    assert_eq!((image.width(), image.height()), (622, 800));
    assert_eq!(side.simulator.state.unacknowledged_deliveries(), 0, "every delivery acknowledged");

    // The ID card was rejected with the producer's reason, which the clerk reads.
    let id_card_steps = feed_statuses(&central, &token, id_card_id).await;
    let (last, reason) = id_card_steps.last().unwrap();
    assert_eq!(last, "rejected");
    let reason = reason.as_deref().expect("a reason");
    assert!(reason.chars().next().unwrap().is_ascii_digit() && reason.contains(": "), "{reason}");

    // Only a rejected application can be corrected, and it stays the document it was.
    let mut as_passport = teen_id_card();
    as_passport["document_kind"] = json!("passport32");
    as_passport["sex"] = json!("001");
    let answer = central
        .push(
            &desk,
            &token,
            "desk-1",
            &[correct_mutation(5, passport_id, passport_draft()), correct_mutation(6, id_card_id, as_passport)],
        )
        .await;
    assert_eq!(statuses(&answer), ["rejected", "rejected"], "{}", answer.body);
    assert!(answer.body["results"]
        .as_array()
        .unwrap()
        .iter()
        .all(|r| r["error"]["code"] == "application_not_correctable"));
    // The submit's prints and signature stay: a birth date corrected to a five-year-old's no longer fits them.
    let mut five = teen_id_card();
    five["date_of_birth"] = json!("01.06.2021");
    let mut corrected = teen_id_card();
    corrected["place_of_birth"] = json!("Düsseldorf");
    let batch = [correct_mutation(7, id_card_id, five), correct_mutation(8, id_card_id, corrected)];
    let answer = central.push(&desk, &token, "desk-1", &batch).await;
    assert_eq!(statuses(&answer), ["rejected", "applied"], "{}", answer.body);
    assert_eq!(answer.body["results"][0]["error"]["code"], "application_fingerprints_missing");
    assert_eq!(answer.body["results"][1]["response"]["application_number"], "05111000_01-2027-000002");

    // Corrected, it is ordered again (a new order) and delivered, with its Sperrkennwort sealed.
    let delivered = |statuses: &[(String, String)]| statuses.iter().filter(|(_, s)| s == "delivered").count() == 2;
    rounds_until(&worker, &central, delivered).await;
    let id_card_uuid = Uuid::parse_str(id_card_id.as_str().unwrap()).unwrap();
    let id_card = central.db().producer_record(id_card_uuid).await.unwrap().unwrap();
    assert!(id_card.serial_number.as_deref().unwrap().starts_with('L'));
    let sealed = id_card.sperrkennwort_sealed.expect("sealed");
    let opened: Value = serde_json::from_str(&worker.open_sperrkennwort(id_card_uuid, &sealed).unwrap()).unwrap();
    let word = opened["sperrkennwort"].as_str().unwrap();
    assert_eq!(word.len(), 10);
    assert!(!sealed.contains(word), "never stored in the clear");
    assert!(worker.open_sperrkennwort(Uuid::parse_str(passport_id.as_str().unwrap()).unwrap(), &sealed).is_err());
    let steps: Vec<String> = feed_statuses(&central, &token, id_card_id).await.into_iter().map(|(s, _)| s).collect();
    assert_eq!(steps, ["captured", "sent", "rejected", "captured", "sent", "accepted", "in_production", "delivered"]);
    assert_eq!(central.db().producer_orders().await.unwrap().len(), 3);
}

async fn an_unreachable_producer_orders_nothing_twice(backend: Backend) {
    let database = TestDatabase::new(backend).await;
    let central = Instance::start(&database, true).await;
    let desk = desk("Arbeitsplatz 1");
    let token = central.login(&desk).await;
    let photo = central.upload(&desk, &token, PHOTO).await;
    let signature = central.upload(&desk, &token, &signature_jpeg()).await;
    let accept = accept_mutation(1, &photo);
    let (photo_id, visit_id) = (&accept["payload"]["photo_id"], &accept["payload"]["visit_id"]);
    let batch =
        [accept.clone(), submit_mutation(2, photo_id, visit_id, passport_draft(), prints_taken(Some(&signature)))];
    assert_eq!(central.push(&desk, &token, "desk-1", &batch).await.status, StatusCode::OK);

    // The producer is not there: the order is numbered and waits; the application stays captured.
    let side = simulator(quick(0)).await;
    let gone = {
        let ca = CertificateAuthority::new("Hersteller-CA (weg)").unwrap();
        let central_identity = ca.issue_client("Zentrale", Validity::days(1)).unwrap();
        let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap();
        XhdHttpProducer::new(&format!("https://{closed}"), &ca.cert_pem(), &central_identity).unwrap()
    };
    let offline = worker(&central, gone);
    let round = offline.run_once().await.unwrap_err();
    assert_eq!(round.code(), "producer_unavailable", "the mailbox read fails the round");
    let orders = central.db().producer_orders().await.unwrap();
    assert_eq!(orders.len(), 1);
    assert_eq!(orders[0].2, "prepared");
    assert_eq!(central.db().application_summaries().await.unwrap()[0].status, "captured");

    // Another instance takes over once the first one's lease ran out, and sends the same order.
    let online = worker(&central, side.producer.clone());
    assert_eq!(online.run_once().await.unwrap(), Round::default(), "the lease is the first instance's");
    central.state.clock.advance(3600);
    let round = online.run_once().await.unwrap();
    assert!(round.leased && round.orders_sent == 1, "{round:?}");
    let again = central.db().producer_orders().await.unwrap();
    assert_eq!((again.len(), again[0].0.as_str(), again[0].2.as_str()), (1, orders[0].0.as_str(), "sent"));
    assert_eq!(side.simulator.state.orders_received(), 1);
}

on_both_backends!(
    applications_go_through_the_producer_and_a_rejected_one_comes_back_corrected,
    an_unreachable_producer_orders_nothing_twice,
);
