//! The sync endpoints (DESIGN §4) through the real router, on both backends: push exactly once
//! per device and sequence (also under concurrent pushes and across two API instances on one
//! database), the device bound to its desk certificate, the clerk change feed in pages, and
//! resumable blob uploads.

#[macro_use]
mod common;

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use schalter_central::Db;
use schalter_domain::Username;
use schalter_server_kit::peer::hex_sha256;
use serde_json::{json, Value};
use uuid::Uuid;

use common::instance::*;
use common::{Backend, TestDatabase};

fn header_number(answer: &Answer, name: &str) -> u64 {
    answer.headers.get(name).unwrap_or_else(|| panic!("no {name}")).to_str().unwrap().parse().unwrap()
}

async fn counts(db: &Db) -> (i64, i64, i64) {
    (
        db.count_rows("audit_events").await.unwrap(),
        db.count_rows("accepted_photos").await.unwrap(),
        db.count_rows("sync_mutations").await.unwrap(),
    )
}

async fn a_push_is_applied_exactly_once_and_a_replay_gets_the_stored_answers(backend: Backend) {
    let database = TestDatabase::new(backend).await;
    let central = Instance::start(&database, true).await;
    let desk = desk("Arbeitsplatz 1");
    let token = central.login(&desk).await;
    let photo = central.upload(&desk, &token, b"\xff\xd8 ein Foto \xff\xd9").await;
    let batch = [audit_mutation(1), accept_mutation(2, &photo), audit_mutation(3)];

    let first = central.push(&desk, &token, "desk-1", &batch).await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.body);
    assert_eq!(statuses(&first), ["applied", "applied", "applied"]);
    assert_eq!(first.body["last_seq"], 3);
    assert_eq!(first.body["results"][1]["response"], json!({ "received_at": START }));
    let after_first = counts(central.db()).await;

    central.state.clock.advance(60);
    let again = central.push(&desk, &token, "desk-1", &batch).await;
    assert_eq!(again.status, StatusCode::OK, "{}", again.body);
    assert_eq!(statuses(&again), ["replayed", "replayed", "replayed"]);
    assert_eq!(again.body["last_seq"], 3);
    for seq in 0..3 {
        assert_eq!(again.body["results"][seq]["seq"], first.body["results"][seq]["seq"]);
        assert_eq!(again.body["results"][seq]["response"], first.body["results"][seq]["response"]);
    }
    assert_eq!(counts(central.db()).await, after_first, "a replay must change nothing");

    // A batch that overlaps what was answered: the old part replays, the new part applies.
    let overlap = [batch[2].clone(), audit_mutation(4)];
    let mixed = central.push(&desk, &token, "desk-1", &overlap).await;
    assert_eq!(statuses(&mixed), ["replayed", "applied"]);
    assert_eq!(mixed.body["last_seq"], 4);

    let rows = central.db().audit_rows().await.unwrap();
    let stored: Vec<_> = rows.iter().filter(|row| row.action == "photo_stored_override").collect();
    assert_eq!(stored.len(), 1);
    assert!(stored[0].desk.as_deref().unwrap().contains(&desk.fingerprint));
    let photos = central.db().accepted_photos().await.unwrap();
    assert_eq!(photos.len(), 1);
    assert_eq!((photos[0].1.as_str(), photos[0].2), (photo.as_str(), true));
    assert_eq!(central.db().sync_device("desk-1").await.unwrap().unwrap().last_seq, 4);
}

async fn a_desk_sends_the_changes_of_every_clerk_who_logged_in_there_and_of_no_one_else(backend: Backend) {
    let database = TestDatabase::new(backend).await;
    let central = Instance::start(&database, true).await;
    let max = central.add_clerk("max").await;
    let lena = central.add_clerk("lena").await;
    let (desk_one, desk_two) = (desk("Arbeitsplatz 1"), desk("Arbeitsplatz 2"));

    // Every login over one desk certificate gets that desk's store key, and only that desk's.
    let max_session = central.login_as(&desk_one, "max").await;
    let erika_session = central.login_as(&desk_one, "erika").await;
    let lena_elsewhere = central.login_as(&desk_two, "lena").await;
    let key = max_session["desk_store_key"].as_str().expect("a store key with a desk certificate");
    assert_eq!(base64_len(key), 32, "256 bits");
    assert_eq!(erika_session["desk_store_key"], max_session["desk_store_key"]);
    assert_ne!(lena_elsewhere["desk_store_key"], max_session["desk_store_key"]);

    // Max worked at desk one and went home; Erika's session sends his change, named as his.
    let token = erika_session["token"].as_str().unwrap();
    let mut by_max = audit_mutation(1);
    by_max["clerk_id"] = json!(max);
    let mut by_lena = audit_mutation(2);
    by_lena["clerk_id"] = json!(lena);
    let own = audit_mutation(3);
    let answer = central.push(&desk_one, token, "desk-1", &[by_max, by_lena, own]).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    assert_eq!(statuses(&answer), ["applied", "rejected", "applied"], "Lena never logged in at desk one");
    assert_eq!(answer.body["results"][1]["error"]["code"], "unknown_author");

    let erika = central.db().find_clerk_by_username(&Username::parse("erika").unwrap()).await.unwrap().unwrap().id;
    let authors: Vec<Option<String>> = central
        .db()
        .audit_rows()
        .await
        .unwrap()
        .into_iter()
        .filter(|row| row.action == "photo_fetched")
        .map(|row| row.clerk_id)
        .collect();
    assert_eq!(authors, [Some(max.to_string()), Some(erika.to_string())]);
}

fn base64_len(text: &str) -> usize {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.decode(text).expect("Base64").len()
}

async fn an_application_gets_its_number_once_its_photo_was_accepted_and_the_central_checks_it_again(backend: Backend) {
    let database = TestDatabase::new(backend).await;
    let central = Instance::start(&database, true).await;
    let desk = desk("Arbeitsplatz 1");
    let token = central.login(&desk).await;
    let photo = central.upload(&desk, &token, b"\xff\xd8 Lichtbild \xff\xd9").await;
    let signature = central.upload(&desk, &token, &signature_jpeg()).await;
    let signed = prints_taken(Some(&signature));
    let accept = accept_mutation(1, &photo);
    let (photo_id, visit_id) = (&accept["payload"]["photo_id"], &accept["payload"]["visit_id"]);

    let mut no_name = passport_draft();
    no_name["family_name"] = json!("");
    let teen = teen_id_card();
    let other_visit = json!(Uuid::now_v7());
    let batch = [
        accept.clone(),
        submit_mutation(2, photo_id, visit_id, passport_draft(), signed.clone()),
        submit_mutation(3, photo_id, visit_id, no_name, signed.clone()),
        submit_mutation(4, photo_id, &other_visit, passport_draft(), signed.clone()),
        submit_mutation(5, photo_id, visit_id, teen, signed.clone()),
    ];
    let answer = central.push(&desk, &token, "desk-1", &batch).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    assert_eq!(statuses(&answer), ["applied", "applied", "rejected", "rejected", "applied"], "{}", answer.body);
    let results = &answer.body["results"];
    assert_eq!(results[1]["response"]["application_number"], "05111000_01-2027-000001");
    assert_eq!(results[1]["response"]["total_fee_cents"], 7000, "passport, 32 pages, adult");
    assert_eq!(results[4]["response"]["application_number"], "05111000_01-2027-000002", "numbers count on");
    assert_eq!(results[4]["response"]["total_fee_cents"], 2760, "ID card under 24 since 7 Feb 2026");
    assert_eq!(results[2]["error"]["code"], "application_invalid");
    assert!(results[2]["error"]["message"].as_str().unwrap().contains("Familienname"), "{}", results[2]);
    assert_eq!(results[3]["error"]["code"], "application_photo_missing", "no photo accepted for that visit");

    let stored = central.db().application_summaries().await.unwrap();
    let numbers: Vec<&str> = stored.iter().map(|a| a.number.as_str()).collect();
    assert_eq!(numbers, ["05111000_01-2027-000001", "05111000_01-2027-000002"]);
    assert!(stored.iter().all(|a| a.status == "captured" && a.office_id == "05111000_01"));

    // The desks learn the number and status through the feed, without personal data.
    let pulled = central.pull(&desk, &token, 0, 500).await;
    let changes: Vec<&Value> =
        pulled.body["changes"].as_array().unwrap().iter().filter(|change| change["entity"] == "application").collect();
    assert_eq!(changes.len(), 2);
    assert_eq!(changes[0]["data"]["application_number"], "05111000_01-2027-000001");
    assert_eq!(changes[0]["data"]["provisional_number"], "V-test-00002");
    assert!(!changes[0].to_string().contains("Mustermann"), "{}", changes[0]);

    // A replay gives the same numbers; nothing is counted twice.
    let again = central.push(&desk, &token, "desk-1", &batch).await;
    assert_eq!(again.body["results"][1]["response"], results[1]["response"]);
    assert_eq!(central.db().application_summaries().await.unwrap().len(), 2);
}

async fn the_central_checks_the_biometrics_against_the_rules_and_waits_for_the_signature(backend: Backend) {
    let database = TestDatabase::new(backend).await;
    let central = Instance::start(&database, true).await;
    let desk = desk("Arbeitsplatz 1");
    let token = central.login(&desk).await;
    let photo = central.upload(&desk, &token, b"\xff\xd8 Lichtbild \xff\xd9").await;
    let accept = accept_mutation(1, &photo);
    let (photo_id, visit_id) = (&accept["payload"]["photo_id"], &accept["payload"]["visit_id"]);
    let jpeg = signature_jpeg();
    let signature = hex_sha256(&jpeg);
    let mut child = passport_draft();
    child["given_names"] = json!("Mia");
    child["date_of_birth"] = json!("2021-06-01");
    child["custodian_family_name"] = json!("Mustermann");
    child["custodian_given_names"] = json!("Erika");
    child["current_document_kind"] = json!(null);
    child["current_document_serial"] = json!(null);
    let not_possible = json!({
        "fingerprints": { "left": { "outcome": "not_possible" }, "right": { "outcome": "captured", "finger": "right_thumb", "quality": 40 } },
        "signature_sha256": signature,
    });
    let wrong_hand = json!({
        "fingerprints": { "left": { "outcome": "captured", "finger": "right_index", "quality": 40 }, "right": { "outcome": "not_possible" } },
        "signature_sha256": signature,
    });
    let batch = [
        accept.clone(),
        // An adult without a signature, then with prints "not required", then the right one.
        submit_mutation(2, photo_id, visit_id, passport_draft(), prints_taken(None)),
        submit_mutation(3, photo_id, visit_id, passport_draft(), no_prints(Some(&signature))),
        submit_mutation(4, photo_id, visit_id, passport_draft(), wrong_hand),
        submit_mutation(5, photo_id, visit_id, passport_draft(), not_possible),
        // A five-year-old: neither prints nor a signature.
        submit_mutation(6, photo_id, visit_id, child.clone(), no_prints(None)),
        submit_mutation(7, photo_id, visit_id, child, prints_taken(None)),
    ];

    // The signature's blob is not there yet: the whole push waits (retryable), nothing is applied.
    let early = central.push(&desk, &token, "desk-1", &batch).await;
    assert_eq!(
        (early.status, early.body["code"].as_str()),
        (StatusCode::CONFLICT, Some("blob_missing")),
        "{}",
        early.body
    );
    assert!(central.db().application_summaries().await.unwrap().is_empty());

    assert_eq!(central.upload(&desk, &token, &jpeg).await, signature);
    let answer = central.push(&desk, &token, "desk-1", &batch).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    assert_eq!(
        statuses(&answer),
        ["applied", "rejected", "rejected", "rejected", "applied", "applied", "rejected"],
        "{}",
        answer.body
    );
    let results = &answer.body["results"];
    assert_eq!(results[1]["error"]["code"], "application_signature_missing");
    assert!(results[1]["error"]["message"].as_str().unwrap().contains("Unterschrift"), "{}", results[1]);
    assert_eq!(results[2]["error"]["code"], "application_fingerprints_missing");
    assert!(results[2]["error"]["message"].as_str().unwrap().contains("Fingerabdrücke"), "{}", results[2]);
    assert_eq!(results[3]["error"]["code"], "application_fingerprints_missing", "a right finger for the left hand");
    assert_eq!(results[6]["error"]["code"], "application_fingerprints_missing", "no prints under 6");
    assert_eq!(central.db().application_summaries().await.unwrap().len(), 2);
}

async fn a_gap_is_refused_with_the_expected_seq_and_the_right_push_then_passes(backend: Backend) {
    let database = TestDatabase::new(backend).await;
    let central = Instance::start(&database, true).await;
    let desk = desk("Arbeitsplatz 1");
    let token = central.login(&desk).await;

    let gap = central.push(&desk, &token, "desk-1", &[audit_mutation(3), audit_mutation(4)]).await;
    assert_eq!(gap.status, StatusCode::CONFLICT);
    assert_eq!(gap.body["code"], "sequence_gap");
    assert_eq!(gap.body["expected_seq"], 1);
    assert!(gap.body["message"].as_str().unwrap().contains("Erwartet wird Nummer 1"), "{}", gap.body);

    let right = central.push(&desk, &token, "desk-1", &[audit_mutation(1), audit_mutation(2)]).await;
    assert_eq!(right.status, StatusCode::OK, "{}", right.body);
    assert_eq!(right.body["last_seq"], 2);
    let gap = central.push(&desk, &token, "desk-1", &[audit_mutation(5)]).await;
    assert_eq!((gap.status, gap.body["expected_seq"].as_i64()), (StatusCode::CONFLICT, Some(3)));
    // An empty push answers where the device stands.
    let empty = central.push(&desk, &token, "desk-1", &[]).await;
    assert_eq!((empty.status, empty.body["last_seq"].as_i64()), (StatusCode::OK, Some(2)));
}

async fn a_rejected_mutation_is_stored_and_the_batch_goes_on(backend: Backend) {
    let database = TestDatabase::new(backend).await;
    let central = Instance::start(&database, true).await;
    let desk = desk("Arbeitsplatz 1");
    let token = central.login(&desk).await;
    let mut unknown = audit_mutation(2);
    unknown["kind"] = json!("box.compartment.reserve");
    let mut invalid = audit_mutation(3);
    invalid["payload"] = json!({ "action": "gestohlen" });
    let mut bad_hash = accept_mutation(4, "nicht-hex");
    bad_hash["payload"]["media_type"] = json!("image/png");
    let batch = [audit_mutation(1), unknown, invalid, bad_hash, audit_mutation(5)];

    let answer = central.push(&desk, &token, "desk-1", &batch).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    assert_eq!(statuses(&answer), ["applied", "rejected", "rejected", "rejected", "applied"]);
    let codes: Vec<_> = answer.body["results"].as_array().unwrap().iter().map(|r| r["error"]["code"].clone()).collect();
    assert_eq!(
        codes,
        [Value::Null, json!("unknown_mutation_kind"), json!("invalid_payload"), json!("invalid_payload"), Value::Null]
    );
    assert_eq!(answer.body["results"][1]["error"]["message"], "Diese Art von Änderung kennt die Zentrale nicht.");
    assert_eq!(answer.body["last_seq"], 5);

    let replay = central.push(&desk, &token, "desk-1", &batch).await;
    assert_eq!(statuses(&replay), ["replayed"; 5]);
    assert_eq!(replay.body["results"][1]["error"], answer.body["results"][1]["error"]);
    assert_eq!(replay.body["results"][2]["error"], answer.body["results"][2]["error"]);
    assert_eq!(central.db().count_rows("sync_mutations").await.unwrap(), 5);
}

async fn an_accept_before_its_photo_is_uploaded_is_a_retryable_conflict_that_applies_nothing(backend: Backend) {
    let database = TestDatabase::new(backend).await;
    let central = Instance::start(&database, true).await;
    let desk = desk("Arbeitsplatz 1");
    let token = central.login(&desk).await;
    let photo = b"\xff\xd8 noch nicht hochgeladen \xff\xd9";
    let sha256 = hex_sha256(photo);
    let batch = [audit_mutation(1), accept_mutation(2, &sha256)];
    let before = counts(central.db()).await;

    let refused = central.push(&desk, &token, "desk-1", &batch).await;
    assert_eq!((refused.status, refused.body["code"].as_str()), (StatusCode::CONFLICT, Some("blob_missing")));
    assert_eq!(counts(central.db()).await, before, "nothing of the push may stay");
    assert_eq!(central.db().sync_device("desk-1").await.unwrap(), None);

    // Half uploaded is still missing.
    let half = central.patch_blob(&desk, &token, &sha256, 0, Some(photo.len() as u64), &photo[..5]).await;
    assert_eq!(half.status, StatusCode::NO_CONTENT);
    assert_eq!(central.push(&desk, &token, "desk-1", &batch).await.status, StatusCode::CONFLICT);

    let rest = central.patch_blob(&desk, &token, &sha256, 5, None, &photo[5..]).await;
    assert_eq!(rest.status, StatusCode::NO_CONTENT, "{}", rest.body);
    let applied = central.push(&desk, &token, "desk-1", &batch).await;
    assert_eq!(statuses(&applied), ["applied", "applied"]);
}

async fn reused_ids_and_oversized_or_disordered_batches_are_invalid_requests(backend: Backend) {
    let database = TestDatabase::new(backend).await;
    let central = Instance::start(&database, true).await;
    let desk = desk("Arbeitsplatz 1");
    let token = central.login(&desk).await;
    let first = audit_mutation(1);
    assert_eq!(central.push(&desk, &token, "desk-1", std::slice::from_ref(&first)).await.status, StatusCode::OK);

    // The same id under a new seq, and a known seq with another id.
    let mut same_id = audit_mutation(2);
    same_id["id"] = first["id"].clone();
    let answer = central.push(&desk, &token, "desk-1", &[same_id]).await;
    assert_eq!((answer.status, answer.body["code"].as_str()), (StatusCode::BAD_REQUEST, Some("invalid_request")));
    let answer = central.push(&desk, &token, "desk-1", &[audit_mutation(1)]).await;
    assert_eq!(answer.status, StatusCode::BAD_REQUEST);

    let too_many: Vec<Value> = (2..=102).map(audit_mutation).collect();
    let answer = central.push(&desk, &token, "desk-1", &too_many).await;
    assert_eq!(answer.status, StatusCode::BAD_REQUEST);
    assert!(answer.body["message"].as_str().unwrap().contains("höchstens 100"), "{}", answer.body);
    let answer = central.push(&desk, &token, "desk-1", &[audit_mutation(2), audit_mutation(4)]).await;
    assert_eq!(answer.status, StatusCode::BAD_REQUEST);
    // A full batch of the maximum fits the body limit.
    let full: Vec<Value> = (2..=101).map(audit_mutation).collect();
    let answer = central.push(&desk, &token, "desk-1", &full).await;
    assert_eq!((answer.status, answer.body["last_seq"].as_i64()), (StatusCode::OK, Some(101)));
}

async fn a_device_is_bound_to_the_certificate_of_its_first_push(backend: Backend) {
    let database = TestDatabase::new(backend).await;
    let central = Instance::start(&database, true).await;
    let own = desk("Arbeitsplatz 1");
    let other = desk("Arbeitsplatz 2");
    let own_token = central.login(&own).await;
    let other_token = central.login(&other).await;

    assert_eq!(central.push(&own, &own_token, "desk-1", &[audit_mutation(1)]).await.status, StatusCode::OK);
    let refused = central.push(&other, &other_token, "desk-1", &[audit_mutation(2)]).await;
    assert_eq!((refused.status, refused.body["code"].as_str()), (StatusCode::FORBIDDEN, Some("device_mismatch")));
    assert_eq!(central.db().sync_device("desk-1").await.unwrap().unwrap().last_seq, 1);
    let passes = central.push(&own, &own_token, "desk-1", &[audit_mutation(2)]).await;
    assert_eq!((passes.status, passes.body["last_seq"].as_i64()), (StatusCode::OK, Some(2)));
    // The other desk has a device of its own.
    assert_eq!(central.push(&other, &other_token, "desk-2", &[audit_mutation(1)]).await.status, StatusCode::OK);
    let bound = central.db().sync_device("desk-1").await.unwrap().unwrap().desk_fingerprint;
    assert_eq!(bound.as_deref(), Some(own.fingerprint.as_str()));
}

async fn concurrent_pushes_of_one_batch_apply_each_seq_once(backend: Backend) {
    let database = TestDatabase::shared(backend).await;
    let central = Instance::start(&database, true).await;
    let desk = desk("Arbeitsplatz 1");
    let token = central.login(&desk).await;
    const MUTATIONS: i64 = 10;
    let batch: Vec<Value> = (1..=MUTATIONS).map(audit_mutation).collect();
    let audit_before = central.db().count_rows("audit_events").await.unwrap();

    let pushes: Vec<_> = (0..8)
        .map(|_| {
            let (central, desk, token, batch) = (central.clone(), desk.clone(), token.clone(), batch.clone());
            tokio::spawn(async move { central.push(&desk, &token, "desk-1", &batch).await })
        })
        .collect();
    let mut applied_per_seq = vec![0; MUTATIONS as usize];
    for push in pushes {
        let answer = push.await.unwrap();
        assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
        assert_eq!(answer.body["last_seq"], MUTATIONS);
        for (index, status) in statuses(&answer).iter().enumerate() {
            assert!(status == "applied" || status == "replayed", "{status}");
            applied_per_seq[index] += usize::from(status == "applied");
        }
    }
    assert_eq!(applied_per_seq, vec![1; MUTATIONS as usize], "each seq applied by exactly one push");
    assert_eq!(central.db().count_rows("sync_mutations").await.unwrap(), MUTATIONS);
    assert_eq!(central.db().count_rows("audit_events").await.unwrap(), audit_before + MUTATIONS);
}

async fn two_instances_on_one_database_apply_every_seq_exactly_once(backend: Backend) {
    let database = TestDatabase::shared(backend).await;
    let first = Instance::start(&database, true).await;
    let second = Instance::start(&database, false).await;
    const BATCHES: i64 = 6;
    const PER_BATCH: i64 = 5;

    // Devices A and B send every batch through both instances at once.
    let mut devices = Vec::new();
    for name in ["A", "B"] {
        let desk = desk(&format!("Arbeitsplatz {name}"));
        let token = first.login(&desk).await;
        let (first, second) = (first.clone(), second.clone());
        devices.push(tokio::spawn(async move {
            let device_id = format!("desk-{name}");
            for batch in 0..BATCHES {
                let mutations: Vec<Value> = (1..=PER_BATCH).map(|i| audit_mutation(batch * PER_BATCH + i)).collect();
                let (one, two) = tokio::join!(
                    first.push(&desk, &token, &device_id, &mutations),
                    second.push(&desk, &token, &device_id, &mutations)
                );
                for answer in [&one, &two] {
                    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
                    assert_eq!(answer.body["last_seq"], (batch + 1) * PER_BATCH);
                }
                let applied = statuses(&one).iter().chain(&statuses(&two)).filter(|s| *s == "applied").count();
                assert_eq!(applied as i64, PER_BATCH, "each mutation applied through exactly one instance");
            }
        }));
    }
    // Device C alternates between the instances, batch by batch.
    let desk_c = desk("Arbeitsplatz C");
    let token_c = second.login(&desk_c).await;
    let (one, two) = (first.clone(), second.clone());
    devices.push(tokio::spawn(async move {
        for batch in 0..BATCHES {
            let instance = if batch % 2 == 0 { &one } else { &two };
            let mutations: Vec<Value> = (1..=PER_BATCH).map(|i| audit_mutation(batch * PER_BATCH + i)).collect();
            let answer = instance.push(&desk_c, &token_c, "desk-C", &mutations).await;
            assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
            assert_eq!(statuses(&answer), vec!["applied"; PER_BATCH as usize]);
        }
    }));
    for device in devices {
        device.await.unwrap();
    }

    let total = BATCHES * PER_BATCH;
    for device_id in ["desk-A", "desk-B", "desk-C"] {
        assert_eq!(first.db().sync_device(device_id).await.unwrap().unwrap().last_seq, total, "{device_id}");
    }
    assert_eq!(second.db().count_rows("sync_mutations").await.unwrap(), 3 * total);
    let audited = first.db().audit_rows().await.unwrap().iter().filter(|row| row.action == "photo_fetched").count();
    assert_eq!(audited as i64, 3 * total);
}

async fn the_clerk_feed_pages_through_every_change_in_order(backend: Backend) {
    let database = TestDatabase::new(backend).await;
    let central = Instance::start(&database, true).await;
    let desk = desk("Arbeitsplatz 1");
    let token = central.login(&desk).await;
    let now = central.state.clock.now();
    for i in 0..6 {
        central.db().upsert_clerk(&new_clerk(&format!("clerk{i}"), "$argon2id$kein-echter-hash"), now).await.unwrap();
    }
    central.db().deactivate_clerk_at(&Username::parse("clerk3").unwrap(), now).await.unwrap().unwrap();

    let mut cursor = 0;
    let mut pages = Vec::new();
    let mut changes = Vec::new();
    loop {
        let page = central.pull(&desk, &token, cursor, 3).await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        let got = page.body["changes"].as_array().unwrap().clone();
        pages.push(got.len());
        changes.extend(got);
        cursor = page.body["next_cursor"].as_i64().unwrap();
        if !page.body["has_more"].as_bool().unwrap() {
            break;
        }
    }
    // erika, six clerks, one deactivation.
    assert_eq!(pages, [3, 3, 2]);
    let cursors: Vec<i64> = changes.iter().map(|change| change["cursor"].as_i64().unwrap()).collect();
    assert!(cursors.windows(2).all(|pair| pair[0] < pair[1]), "{cursors:?}");
    assert_eq!(cursor, *cursors.last().unwrap());
    for change in &changes {
        assert_eq!((change["entity"].as_str(), change["op"].as_str()), (Some("clerk"), Some("upsert")));
        assert_eq!(change["id"], change["data"]["clerk"]["id"]);
        assert!(!change.to_string().contains("argon2"), "the feed must not carry password hashes: {change}");
    }
    let last = &changes[7]["data"];
    assert_eq!((last["clerk"]["username"].as_str(), last["active"].as_bool()), (Some("clerk3"), Some(false)));
    assert_eq!(changes[0]["data"]["clerk"]["office"]["id"], "05111000_01");

    let empty = central.pull(&desk, &token, cursor, 3).await;
    assert_eq!(empty.body, json!({ "changes": [], "next_cursor": cursor, "has_more": false }));
    let bad = central.pull(&desk, &token, 0, 0).await;
    assert_eq!(bad.body["changes"].as_array().unwrap().len(), 1, "a limit of 0 means one");
    let request = Request::get("/v1/sync/pull?cursor=abc")
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .body(Body::empty())
        .unwrap();
    let answer = central.call(&desk, request).await;
    assert_eq!((answer.status, answer.body["code"].as_str()), (StatusCode::BAD_REQUEST, Some("invalid_request")));
}

async fn a_blob_uploads_in_parts_resumes_and_is_checked_against_its_hash(backend: Backend) {
    let database = TestDatabase::new(backend).await;
    let central = Instance::start(&database, true).await;
    let desk = desk("Arbeitsplatz 1");
    let token = central.login(&desk).await;
    let photo: Vec<u8> = (0..3000u32).map(|i| (i * 7 % 251) as u8).collect();
    let sha256 = hex_sha256(&photo);
    let length = photo.len() as u64;

    assert_eq!(central.head_blob(&desk, &token, &sha256).await.status, StatusCode::NOT_FOUND);
    let without_length = central.patch_blob(&desk, &token, &sha256, 0, None, &photo[..1000]).await;
    assert_eq!(without_length.status, StatusCode::BAD_REQUEST);

    let part = central.patch_blob(&desk, &token, &sha256, 0, Some(length), &photo[..1000]).await;
    assert_eq!(part.status, StatusCode::NO_CONTENT, "{}", part.body);
    assert_eq!(header_number(&part, "upload-offset"), 1000);
    let state = central.head_blob(&desk, &token, &sha256).await;
    assert_eq!(state.status, StatusCode::OK);
    assert_eq!((header_number(&state, "upload-offset"), header_number(&state, "upload-length")), (1000, length));

    // A repeated first part (its answer got lost) is told where to resume.
    let wrong = central.patch_blob(&desk, &token, &sha256, 0, Some(length), &photo[..1000]).await;
    assert_eq!((wrong.status, wrong.body["code"].as_str()), (StatusCode::CONFLICT, Some("offset_mismatch")));
    assert_eq!(header_number(&wrong, "upload-offset"), 1000);

    let part = central.patch_blob(&desk, &token, &sha256, 1000, Some(length), &photo[1000..2000]).await;
    assert_eq!(header_number(&part, "upload-offset"), 2000);
    let beyond = central.patch_blob(&desk, &token, &sha256, 2000, None, &[0; 1001]).await;
    assert_eq!(beyond.status, StatusCode::BAD_REQUEST);
    let last = central.patch_blob(&desk, &token, &sha256, 2000, None, &photo[2000..]).await;
    assert_eq!((last.status, header_number(&last, "upload-offset")), (StatusCode::NO_CONTENT, length));
    assert_eq!(central.db().blob_bytes(&sha256).await.unwrap().as_deref(), Some(photo.as_slice()));

    // Complete: the last PATCH again is answered alike; the state says complete.
    let again = central.patch_blob(&desk, &token, &sha256, length, Some(length), &[]).await;
    assert_eq!((again.status, header_number(&again, "upload-offset")), (StatusCode::NO_CONTENT, length));
    let state = central.head_blob(&desk, &token, &sha256).await;
    assert_eq!(header_number(&state, "upload-offset"), length);

    // Bytes under another blob's name are discarded.
    let liar = hex_sha256(b"etwas anderes");
    let part = central.patch_blob(&desk, &token, &liar, 0, Some(length), &photo[..1500]).await;
    assert_eq!(part.status, StatusCode::NO_CONTENT);
    let mismatch = central.patch_blob(&desk, &token, &liar, 1500, None, &photo[1500..]).await;
    assert_eq!(
        (mismatch.status, mismatch.body["code"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("blob_hash_mismatch"))
    );
    assert_eq!(central.head_blob(&desk, &token, &liar).await.status, StatusCode::NOT_FOUND);
    assert_eq!(central.db().count_rows("blob_chunks").await.unwrap(), 3, "only the good blob's parts stay");

    // An upload left unfinished is purged after a while; complete blobs stay.
    let unfinished = hex_sha256(b"nie fertig");
    central.patch_blob(&desk, &token, &unfinished, 0, Some(100), &[1; 10]).await;
    assert_eq!(central.db().purge_abandoned_blobs(START).await.unwrap(), 0, "not old enough yet");
    assert_eq!(central.db().purge_abandoned_blobs(START + 1).await.unwrap(), 1);
    assert_eq!(central.head_blob(&desk, &token, &unfinished).await.status, StatusCode::NOT_FOUND);
    assert_eq!(central.head_blob(&desk, &token, &sha256).await.status, StatusCode::OK);

    // Limits and forms.
    let huge = central.patch_blob(&desk, &token, &hex_sha256(b"gross"), 0, Some(16 * 1024 * 1024 + 1), &[]).await;
    assert_eq!((huge.status, huge.body["code"].as_str()), (StatusCode::PAYLOAD_TOO_LARGE, Some("body_too_large")));
    assert_eq!(central.head_blob(&desk, &token, "ABC").await.status, StatusCode::BAD_REQUEST);
    let request = Request::patch(format!("/v1/blobs/{sha256}"))
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .header(header::CONTENT_TYPE, "application/octet-stream")
        .header("upload-offset", 0)
        .body(Body::empty())
        .unwrap();
    let answer = central.call(&desk, request).await;
    assert_eq!(answer.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert_eq!(answer.body["message"], "Erwartet wird der Inhaltstyp application/offset+octet-stream.");
    let anonymous = Request::head(format!("/v1/blobs/{sha256}")).body(Body::empty()).unwrap();
    assert_eq!(central.call(&desk, anonymous).await.status, StatusCode::UNAUTHORIZED);
}

async fn concurrent_patches_of_one_blob_take_turns(backend: Backend) {
    let database = TestDatabase::shared(backend).await;
    let central = Instance::start(&database, true).await;
    let desk = desk("Arbeitsplatz 1");
    let token = central.login(&desk).await;
    let photo: Vec<u8> = (0..4000u32).map(|i| (i % 253) as u8).collect();
    let sha256 = hex_sha256(&photo);
    let length = photo.len() as u64;

    // Eight uploaders race with the same first half: one is taken, the others learn the offset.
    let racers: Vec<_> = (0..8)
        .map(|_| {
            let (central, desk, token, sha256) = (central.clone(), desk.clone(), token.clone(), sha256.clone());
            let half = photo[..2000].to_vec();
            tokio::spawn(async move { central.patch_blob(&desk, &token, &sha256, 0, Some(length), &half).await })
        })
        .collect();
    let mut taken = 0;
    for racer in racers {
        let answer = racer.await.unwrap();
        match answer.status {
            StatusCode::NO_CONTENT => taken += 1,
            StatusCode::CONFLICT => assert_eq!(header_number(&answer, "upload-offset"), 2000),
            other => panic!("unexpected {other}: {}", answer.body),
        }
    }
    assert_eq!(taken, 1);
    let rest = central.patch_blob(&desk, &token, &sha256, 2000, None, &photo[2000..]).await;
    assert_eq!(rest.status, StatusCode::NO_CONTENT, "{}", rest.body);
    assert_eq!(central.db().blob_bytes(&sha256).await.unwrap().as_deref(), Some(photo.as_slice()));
}

async fn a_push_may_be_larger_than_other_bodies_but_not_without_bound(backend: Backend) {
    let database = TestDatabase::new(backend).await;
    let central = Instance::start(&database, true).await;
    let desk = desk("Arbeitsplatz 1");
    let token = central.login(&desk).await;
    let padded = |seq: i64, padding: usize| {
        let mut mutation = audit_mutation(seq);
        mutation["payload"]["padding"] = json!("x".repeat(padding));
        mutation
    };
    // 100 mutations of 1 KB: more than the 64 KiB of other bodies.
    let big: Vec<Value> = (1..=100).map(|seq| padded(seq, 1000)).collect();
    let answer = central.push(&desk, &token, "desk-1", &big).await;
    assert_eq!((answer.status, answer.body["last_seq"].as_i64()), (StatusCode::OK, Some(100)), "{}", answer.body);
    let huge: Vec<Value> = (101..=200).map(|seq| padded(seq, 6000)).collect();
    let answer = central.push(&desk, &token, "desk-1", &huge).await;
    assert_eq!((answer.status, answer.body["code"].as_str()), (StatusCode::PAYLOAD_TOO_LARGE, Some("body_too_large")));
    assert_eq!(answer.body["message"], "Die Anfrage ist zu groß (höchstens 524288 Bytes).");
}

async fn clerk_changes_through_two_instances_get_one_cursor_each_without_gaps(backend: Backend) {
    let database = TestDatabase::shared(backend).await;
    let first = Instance::start(&database, true).await;
    let second = Instance::start(&database, false).await;
    let changes: Vec<_> = (0..10)
        .map(|i| {
            let db = if i % 2 == 0 { first.db().clone() } else { second.db().clone() };
            tokio::spawn(async move {
                db.upsert_clerk(&new_clerk(&format!("clerk{i}"), "$argon2id$kein-echter-hash"), START).await.unwrap()
            })
        })
        .collect();
    for change in changes {
        change.await.unwrap();
    }
    let page = second.db().changes_after(0, 100).await.unwrap();
    let cursors: Vec<i64> = page.changes.iter().map(|change| change.cursor).collect();
    assert_eq!(cursors, (1..=11).collect::<Vec<_>>(), "erika and ten clerks, one cursor each, in order");
    assert!(!page.has_more);
}

async fn clerks_from_before_the_feed_enter_it_once_at_migrate(backend: Backend) {
    let database = TestDatabase::shared(backend).await;
    let central = Instance::start(&database, true).await;
    // As if erika had been created before migration 0004: no entry in the feed.
    sqlx::any::install_default_drivers();
    let raw = sqlx::AnyPool::connect(&database.url).await.unwrap();
    sqlx::query("DELETE FROM sync_changes").execute(&raw).await.unwrap();
    raw.close().await;
    assert!(central.db().changes_after(0, 10).await.unwrap().changes.is_empty());

    central.db().migrate().await.unwrap();
    central.db().migrate().await.unwrap();
    let page = central.db().changes_after(0, 10).await.unwrap();
    assert_eq!(page.changes.len(), 1, "{:?}", page.changes);
    assert_eq!(page.changes[0].data.as_ref().unwrap()["clerk"]["username"], "erika");
}

on_both_backends!(
    clerks_from_before_the_feed_enter_it_once_at_migrate,
    a_push_may_be_larger_than_other_bodies_but_not_without_bound,
    clerk_changes_through_two_instances_get_one_cursor_each_without_gaps,
    a_push_is_applied_exactly_once_and_a_replay_gets_the_stored_answers,
    a_desk_sends_the_changes_of_every_clerk_who_logged_in_there_and_of_no_one_else,
    an_application_gets_its_number_once_its_photo_was_accepted_and_the_central_checks_it_again,
    the_central_checks_the_biometrics_against_the_rules_and_waits_for_the_signature,
    a_gap_is_refused_with_the_expected_seq_and_the_right_push_then_passes,
    a_rejected_mutation_is_stored_and_the_batch_goes_on,
    an_accept_before_its_photo_is_uploaded_is_a_retryable_conflict_that_applies_nothing,
    reused_ids_and_oversized_or_disordered_batches_are_invalid_requests,
    a_device_is_bound_to_the_certificate_of_its_first_push,
    concurrent_pushes_of_one_batch_apply_each_seq_once,
    two_instances_on_one_database_apply_every_seq_exactly_once,
    the_clerk_feed_pages_through_every_change_in_order,
    a_blob_uploads_in_parts_resumes_and_is_checked_against_its_hash,
    concurrent_patches_of_one_blob_take_turns,
);
