//! The desk's back office for the pickup box (issue 10): what the clerks of an office see and do
//! around the box besides loading it (`crate::pickup::load`).
//!
//! - [`overview`]: every compartment of the office's boxes with its state and the application
//!   number inside (no name, no phone number), and the last day of pickup.
//! - [`uncollected`]: documents whose last day is near (two days or less), locked ones, expired
//!   ones still in the box, and those taken back to the counter.
//! - [`clear_lock`] (supervisors only): a pickup locked after too many wrong answers waits again,
//!   its count back at zero (`Attempts::clear_by_supervisor`), its compartment loaded again; audited.
//! - [`take_back`]: an expired document leaves its compartment (free again) for the counter.
//! - [`hand_out`]: the handout at the counter, for counter documents and box documents alike: a
//!   compartment that still holds it is freed, the PIN revoked (its hash erased, the pickup ended),
//!   the old document's invalidation or its return as a souvenir recorded and, for ID cards, the
//!   PIN-letter confirmation; the status becomes "handed out" through `applications::change_status`,
//!   so every desk sees it in the feed.
//! - [`mark_arrived`]: a delivered document arrived at the office, found by its serial (scanned from
//!   the document) or its application number. A counter document becomes "ready for pickup"
//!   through `applications::change_status` (every desk sees it in the feed), audited as
//!   `document_arrived`; a box document stays "delivered" (it becomes ready when it is loaded) and
//!   the answer tells the desk to offer the load. A second scan changes nothing (`already_marked`).
//! - [`confirm_load`], the four-eyes rule. An office that configures it (`pickup_office_settings`,
//!   `Db::set_four_eyes_loading`) has each load confirmed by a second clerk. Our design, kept simple:
//!   the first clerk's load takes the compartment as before, but the pickup waits as
//!   `awaiting_confirmation` with no PIN and no SMS, so no terminal can open it; a second clerk of the
//!   same office (never the one who loaded: `pickup_same_clerk`) checks the compartment and confirms
//!   at their own desk; only then is the PIN made, the SMS queued, the deadline counted and the
//!   application "ready for pickup". Both steps are audited under each clerk's name. The second
//!   clerk's own session is the second key: no shared passwords at one desk.
//!
//! Each action is one transaction that first locks the box's row, like the load and the terminal's
//! steps, so a clerk and the terminal never decide about one compartment at once.

use schalter_application::{Application, ApplicationStatus, Pickup};
use schalter_domain::Role;
use schalter_pickup::{Attempts, ThirdFactor};
use schalter_wire::pickup::LoadAnswer;
use schalter_wire::pickup_office::{
    ArrivalAnswer, ArrivalOutcome, BoxOverview, CompartmentOverview, CompartmentStateView, CompartmentView,
    DocumentPlace, HandoutAnswer, HandoutCandidate, HandoutRequest, OldDocument, PickupActionAnswer, Uncollected,
    UncollectedList, UncollectedState,
};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::applications::change_status;
use crate::db::pickup as sql;
use crate::pickup::PickupKeys;
use crate::{CentralError, Db};

/// Who acts: the clerk, their role and office, and the desk certificate (for the audit trail).
pub struct BackOfficeClerk<'a> {
    pub clerk_id: Uuid,
    pub role: Role,
    pub office_id: &'a str,
    pub desk: Option<String>,
}

/// A waiting document is "near" its deadline when it ends within this many seconds (two days).
const NEAR_DEADLINE_SECONDS: i64 = 2 * 86_400;

/// The last day of pickup (German date) of a deadline stored as its end instant.
fn last_day(expires_at: i64) -> String {
    OffsetDateTime::from_unix_timestamp(expires_at - 1)
        .map(|at| schalter_pickup::local_time::german_date(at).to_string())
        .unwrap_or_default()
}

fn state_view(compartment: &str, pickup: Option<&str>) -> CompartmentStateView {
    match (compartment, pickup) {
        ("free", _) => CompartmentStateView::Free,
        ("loaded", Some("awaiting_confirmation")) => CompartmentStateView::AwaitingConfirmation,
        ("loaded", _) => CompartmentStateView::Loaded,
        ("opened", _) => CompartmentStateView::Opened,
        ("expired", _) => CompartmentStateView::Expired,
        ("locked", _) => CompartmentStateView::Locked,
        _ => CompartmentStateView::OutOfService,
    }
}

fn parse_uuid(raw: &str) -> Result<Uuid, CentralError> {
    Uuid::parse_str(raw).map_err(|_| CentralError::Internal("malformed application id in database".into()))
}

fn compartment_number(number: i64) -> u32 {
    u32::try_from(number).unwrap_or(u32::MAX)
}

/// The compartments of the office's boxes.
pub async fn overview(db: &Db, office_id: &str) -> Result<CompartmentOverview, CentralError> {
    let mut tx = db.begin().await?;
    let four_eyes_loading = sql::four_eyes_loading(&mut tx, office_id).await?;
    let mut boxes = Vec::new();
    for the_box in sql::office_boxes(&mut tx, office_id).await? {
        let compartments = sql::compartment_overview(&mut tx, &the_box.id)
            .await?
            .into_iter()
            .map(|row| {
                Ok(CompartmentView {
                    number: compartment_number(row.number),
                    size: row.size,
                    accessible: row.accessible,
                    state: state_view(&row.state, row.pickup_state.as_deref()),
                    application_id: row.application_id.as_deref().map(parse_uuid).transpose()?,
                    application_number: row.application_number,
                    last_pickup_day: row.expires_at.map(last_day),
                })
            })
            .collect::<Result<_, CentralError>>()?;
        boxes.push(BoxOverview { box_id: the_box.id, name: the_box.name, compartments });
    }
    tx.commit().await?;
    Ok(CompartmentOverview { four_eyes_loading, boxes })
}

/// The office's uncollected documents (see the module documentation), the oldest deadline first.
pub async fn uncollected(db: &Db, office_id: &str, now: i64) -> Result<UncollectedList, CentralError> {
    let mut tx = db.begin().await?;
    let rows = sql::uncollected(&mut tx, office_id, now + NEAR_DEADLINE_SECONDS).await?;
    tx.commit().await?;
    let entries = rows
        .into_iter()
        .map(|(id, number, box_id, compartment, state, expires_at)| {
            let state = match state.as_str() {
                "locked" => UncollectedState::Locked,
                "expired" => UncollectedState::Expired,
                "returned" => UncollectedState::AtCounter,
                _ => UncollectedState::DeadlineNear,
            };
            let compartment = (state != UncollectedState::AtCounter).then(|| compartment_number(compartment));
            Ok(Uncollected {
                application_id: parse_uuid(&id)?,
                application_number: number,
                box_id,
                compartment,
                state,
                last_pickup_day: last_day(expires_at),
            })
        })
        .collect::<Result<_, CentralError>>()?;
    Ok(UncollectedList { entries })
}

/// The pickup of `application_id` with its box locked, or `pickup_not_found`; another office's: `forbidden`.
async fn locked_pickup(
    tx: &mut sqlx::AnyConnection,
    clerk: &BackOfficeClerk<'_>,
    application_id: &str,
) -> Result<sql::PickupRow, CentralError> {
    let pickup = sql::pickup_row(tx, application_id).await?.ok_or(CentralError::PickupNotFound)?;
    if pickup.office_id != clerk.office_id {
        return Err(CentralError::Forbidden);
    }
    sql::lock_box(tx, &pickup.box_id).await?;
    // Read again under the lock: the terminal may have moved it meanwhile.
    sql::pickup_row(tx, application_id).await?.ok_or(CentralError::PickupNotFound)
}

async fn audit(
    tx: &mut sqlx::AnyConnection,
    clerk: &BackOfficeClerk<'_>,
    action: &str,
    application_id: &str,
    now: i64,
) -> Result<(), CentralError> {
    let entry = crate::db::AuditEntry {
        at: now,
        occurred_at: None,
        clerk_id: Some(clerk.clerk_id),
        desk: clerk.desk.as_deref(),
        action,
        subject: Some(application_id),
    };
    crate::db::insert_audit(tx, &entry).await
}

/// Unlocks a pickup locked after too many wrong answers (supervisors only): see the module documentation.
pub async fn clear_lock(
    db: &Db,
    now: i64,
    clerk: &BackOfficeClerk<'_>,
    application_id: Uuid,
) -> Result<PickupActionAnswer, CentralError> {
    if !clerk.role.may_act_as(Role::Supervisor) {
        return Err(CentralError::Forbidden);
    }
    let id = application_id.to_string();
    let mut tx = db.begin().await?;
    let pickup = locked_pickup(&mut tx, clerk, &id).await?;
    let attempts = Attempts::from_count(u8::try_from(pickup.wrong_answers).unwrap_or(u8::MAX))
        .unwrap_or_else(|_| Attempts::from_count(schalter_pickup::MAX_WRONG_PINS).expect("the maximum is a count"));
    if pickup.state != "locked" {
        return Err(CentralError::PickupNotLocked);
    }
    let cleared = attempts.clear_by_supervisor();
    if !sql::move_pickup(&mut tx, &id, "locked", "waiting", i64::from(cleared.count())).await? {
        return Err(CentralError::PickupNotLocked);
    }
    // The compartment was closed by the lock; it holds the document for its citizen again.
    sql::move_compartment(&mut tx, &pickup.box_id, pickup.compartment, &id, "locked", "loaded", now).await?;
    audit(&mut tx, clerk, "pickup_lock_cleared", &id, now).await?;
    tx.commit().await?;
    tracing::info!(application_id = %id, box_id = %pickup.box_id, compartment = pickup.compartment, "pickup lock cleared");
    Ok(PickupActionAnswer {
        application_id,
        box_id: pickup.box_id,
        compartment: compartment_number(pickup.compartment),
        state: CompartmentStateView::Loaded,
    })
}

/// Takes an expired document out of its compartment for the counter: the compartment is free again.
pub async fn take_back(
    db: &Db,
    now: i64,
    clerk: &BackOfficeClerk<'_>,
    application_id: Uuid,
) -> Result<PickupActionAnswer, CentralError> {
    let id = application_id.to_string();
    let mut tx = db.begin().await?;
    let pickup = locked_pickup(&mut tx, clerk, &id).await?;
    if pickup.state != "expired"
        || !sql::move_compartment(&mut tx, &pickup.box_id, pickup.compartment, &id, "expired", "free", now).await?
    {
        return Err(CentralError::PickupNotExpired);
    }
    sql::move_pickup(&mut tx, &id, "expired", "returned", pickup.wrong_answers).await?;
    audit(&mut tx, clerk, "pickup_taken_back", &id, now).await?;
    tx.commit().await?;
    tracing::info!(application_id = %id, box_id = %pickup.box_id, compartment = pickup.compartment, "taken back to the counter");
    Ok(PickupActionAnswer {
        application_id,
        box_id: pickup.box_id,
        compartment: compartment_number(pickup.compartment),
        state: CompartmentStateView::Free,
    })
}

/// The office's application by its number or by the delivered document's serial number (scanned from
/// the document), with its stored application, or `pickup_not_found`.
async fn application_by_number(
    tx: &mut sqlx::AnyConnection,
    office_id: &str,
    number: &str,
) -> Result<(crate::db::producer::StatusRow, Application), CentralError> {
    let number = number.trim();
    let row = match crate::db::producer::status_row(tx, number, true).await? {
        Some(row) => Some(row),
        None => match sql::application_by_serial(tx, office_id, &number.to_ascii_uppercase()).await? {
            Some(id) => crate::db::producer::status_row(tx, &id, false).await?,
            None => None,
        },
    };
    let row = row.ok_or(CentralError::PickupNotFound)?;
    if row.office_id != office_id {
        return Err(CentralError::PickupNotFound);
    }
    let application = stored_application(tx, &row.id.to_string()).await?;
    Ok((row, application))
}

async fn stored_application(tx: &mut sqlx::AnyConnection, id: &str) -> Result<Application, CentralError> {
    let (_, _, data) = sql::application_for_load(tx, id).await?.ok_or(CentralError::PickupNotFound)?;
    serde_json::from_str(&data).map_err(|_| CentralError::Internal("malformed application in database".into()))
}

fn ready_for_handout(status: &str) -> bool {
    matches!(status, "delivered" | "ready_for_pickup")
}

/// Where a pickup leaves its document: in a compartment (loaded, locked, expired, awaiting
/// confirmation), or at the counter. `opened` is the terminal's: `pickup_in_use`.
fn place_of(pickup: Option<&sql::PickupRow>) -> Result<DocumentPlace, CentralError> {
    match pickup.map(|p| p.state.as_str()) {
        None | Some("returned") => Ok(DocumentPlace::Counter),
        Some("waiting" | "locked" | "expired" | "awaiting_confirmation") => Ok(DocumentPlace::Compartment),
        Some("handed_out") => Err(CentralError::PickupAlreadyHandedOut),
        Some(_) => Err(CentralError::PickupInUse),
    }
}

/// A document of the clerk's office ready for its handout, by application number or serial number.
pub async fn find_ready(db: &Db, office_id: &str, number: &str) -> Result<HandoutCandidate, CentralError> {
    let mut tx = db.begin().await?;
    let (row, application) = application_by_number(&mut tx, office_id, number).await?;
    if row.status == "handed_out" {
        return Err(CentralError::PickupAlreadyHandedOut);
    }
    if !ready_for_handout(&row.status) {
        return Err(CentralError::PickupNotReady);
    }
    let pickup = sql::pickup_row(&mut tx, &row.id.to_string()).await?;
    tx.commit().await?;
    let place = place_of(pickup.as_ref())?;
    let in_box = place == DocumentPlace::Compartment;
    Ok(HandoutCandidate {
        application_id: row.id,
        application_number: row.number,
        document_kind: row.document_kind,
        place,
        box_id: pickup.as_ref().filter(|_| in_box).map(|p| p.box_id.clone()),
        compartment: pickup.as_ref().filter(|_| in_box).map(|p| compartment_number(p.compartment)),
        has_old_document: application.applicant().current_document.is_some(),
        pin_letter_required: application.document_kind().is_id_card(),
    })
}

/// A delivered document arrived at the office: see the module documentation.
pub async fn mark_arrived(
    db: &Db,
    now: i64,
    clerk: &BackOfficeClerk<'_>,
    number: &str,
) -> Result<ArrivalAnswer, CentralError> {
    let mut tx = db.begin().await?;
    let (row, application) = application_by_number(&mut tx, clerk.office_id, number).await?;
    let id = row.id.to_string();
    // A box document's pickup row (if loaded) decides with its box locked, like every box action.
    let pickup = match sql::pickup_row(&mut tx, &id).await? {
        Some(pickup) => {
            sql::lock_box(&mut tx, &pickup.box_id).await?;
            sql::pickup_row(&mut tx, &id).await?
        }
        None => None,
    };
    let row = crate::db::producer::status_row(&mut tx, &id, false).await?.ok_or(CentralError::PickupNotFound)?;
    let answer = |outcome, already_marked| ArrivalAnswer {
        application_id: row.id,
        application_number: row.number.clone(),
        document_kind: row.document_kind.clone(),
        outcome,
        already_marked,
    };
    match row.status.as_str() {
        "handed_out" => return Err(CentralError::PickupAlreadyHandedOut),
        "delivered" | "ready_for_pickup" => {}
        _ => return Err(CentralError::PickupNotDelivered),
    }
    let answer = match (application.pickup(), pickup.as_ref().map(|p| p.state.as_str())) {
        (Pickup::DirectDelivery, _) => return Err(CentralError::PickupDirectDelivery),
        // Taken back from the box: at the counter already, and ready there.
        (Pickup::PickupBox { .. }, Some("returned")) => answer(ArrivalOutcome::ReadyAtCounter, true),
        (Pickup::PickupBox { .. }, Some(_)) => return Err(CentralError::PickupAlreadyLoaded),
        (Pickup::PickupBox { .. }, None) => answer(ArrivalOutcome::LoadIntoBox, false),
        (Pickup::Counter, _) if row.status == "ready_for_pickup" => answer(ArrivalOutcome::ReadyAtCounter, true),
        (Pickup::Counter, _) => {
            if !change_status(&mut tx, &row, ApplicationStatus::ReadyForPickup, None, now).await? {
                return Err(CentralError::PickupNotDelivered);
            }
            audit(&mut tx, clerk, "document_arrived", &id, now).await?;
            answer(ArrivalOutcome::ReadyAtCounter, false)
        }
    };
    tx.commit().await?;
    tracing::info!(application_id = %id, outcome = ?answer.outcome, already = answer.already_marked, "document arrived");
    Ok(answer)
}

/// Hands the document out at the counter: see the module documentation.
pub async fn hand_out(
    db: &Db,
    now: i64,
    clerk: &BackOfficeClerk<'_>,
    request: &HandoutRequest,
) -> Result<HandoutAnswer, CentralError> {
    let id = request.application_id.to_string();
    let mut tx = db.begin().await?;
    // The box first (if it is a box document), then the application: the order every box action takes.
    if let Some(pickup) = sql::pickup_row(&mut tx, &id).await? {
        sql::lock_box(&mut tx, &pickup.box_id).await?;
    }
    let row = crate::db::producer::status_row(&mut tx, &id, false).await?.ok_or(CentralError::PickupNotFound)?;
    if row.office_id != clerk.office_id {
        return Err(CentralError::Forbidden);
    }
    if row.status == "handed_out" {
        return Err(CentralError::PickupAlreadyHandedOut);
    }
    if !ready_for_handout(&row.status) {
        return Err(CentralError::PickupNotReady);
    }
    let application = stored_application(&mut tx, &id).await?;
    let has_old = application.applicant().current_document.is_some();
    if has_old == (request.old_document == OldDocument::None) {
        return Err(CentralError::PickupOldDocumentUnrecorded);
    }
    if application.document_kind().is_id_card() && !request.pin_letter_confirmed {
        return Err(CentralError::PickupPinLetterUnconfirmed);
    }
    let pickup = sql::pickup_row(&mut tx, &id).await?;
    let place = place_of(pickup.as_ref())?;
    let mut freed_compartment = None;
    if let Some(pickup) = pickup.as_ref() {
        if place == DocumentPlace::Compartment {
            let from = match pickup.state.as_str() {
                "waiting" | "awaiting_confirmation" => "loaded",
                other => other, // locked, expired
            };
            if !sql::move_compartment(&mut tx, &pickup.box_id, pickup.compartment, &id, from, "free", now).await? {
                return Err(CentralError::PickupInUse);
            }
            freed_compartment = Some(compartment_number(pickup.compartment));
        }
        sql::revoke_pickup(&mut tx, &id).await?;
    }
    let recorded = sql::insert_handover(
        &mut tx,
        &sql::NewHandover {
            application_id: &id,
            at: now,
            by: &clerk.clerk_id.to_string(),
            desk: clerk.desk.as_deref(),
            place: match place {
                DocumentPlace::Counter => "counter",
                DocumentPlace::Compartment => "compartment",
            },
            old_document: match request.old_document {
                OldDocument::Invalidated => "invalidated",
                OldDocument::Souvenir => "souvenir",
                OldDocument::None => "none",
            },
            pin_letter_confirmed: request.pin_letter_confirmed,
        },
    )
    .await?;
    if !recorded {
        return Err(CentralError::PickupAlreadyHandedOut);
    }
    if !change_status(&mut tx, &row, ApplicationStatus::HandedOut, None, now).await? {
        return Err(CentralError::PickupNotReady);
    }
    audit(&mut tx, clerk, "document_handed_out", &id, now).await?;
    tx.commit().await?;
    tracing::info!(application_id = %id, ?freed_compartment, "document handed out at the counter");
    Ok(HandoutAnswer { application_id: request.application_id, application_number: row.number, freed_compartment })
}

/// The second clerk's confirmation of a load under the four-eyes rule: see the module documentation.
pub async fn confirm_load(
    db: &Db,
    keys: &PickupKeys,
    now: i64,
    clerk: &BackOfficeClerk<'_>,
    application_id: Uuid,
) -> Result<LoadAnswer, CentralError> {
    let id = application_id.to_string();
    let mut tx = db.begin().await?;
    let pickup = locked_pickup(&mut tx, clerk, &id).await?;
    if pickup.state != "awaiting_confirmation" {
        return Err(CentralError::PickupNotAwaitingConfirmation);
    }
    if pickup.loaded_by == clerk.clerk_id.to_string() {
        return Err(CentralError::PickupSameClerk);
    }
    let the_box = sql::find_box(&mut tx, &pickup.box_id).await?.ok_or(CentralError::PickupUnknownBox)?;
    let application = stored_application(&mut tx, &id).await?;
    let Pickup::PickupBox { mobile } = application.pickup() else { return Err(CentralError::PickupNotByBox) };
    let applicant = application.applicant();
    let third_factor = ThirdFactor::for_application(applicant.current_document.as_ref(), &applicant.date_of_birth)
        .map_err(|_| CentralError::PickupNoThirdFactor)?;
    let armed = crate::pickup::arm(&mut tx, keys, now, &the_box, application_id, mobile.as_str(), third_factor).await?;
    let confirmed_by = clerk.clerk_id.to_string();
    let expires_at = armed.deadline.expires_at().unix_timestamp();
    if !sql::arm_pickup(&mut tx, &id, &armed.pin_hash, now, expires_at, &armed.sms_id, &confirmed_by).await? {
        return Err(CentralError::PickupNotAwaitingConfirmation);
    }
    crate::pickup::ready_for_pickup(&mut tx, &id, now).await?;
    audit(&mut tx, clerk, "pickup_load_confirmed", &id, now).await?;
    let accessible = sql::compartments(&mut tx, &the_box.id)
        .await?
        .into_iter()
        .any(|(number, _, accessible, _)| number == pickup.compartment && accessible);
    tx.commit().await?;
    tracing::info!(application_id = %id, box_id = %the_box.id, compartment = pickup.compartment, "load confirmed");
    Ok(LoadAnswer {
        application_id,
        box_id: the_box.id,
        compartment: compartment_number(pickup.compartment),
        accessible,
        last_pickup_day: armed.deadline.last_pickup_day().to_string(),
        awaiting_confirmation: false,
    })
}
