//! The pickup box at the central API (issue 10): loading a delivered document into a compartment.
//!
//! In one transaction: the application is checked (delivered, pickup by box with a mobile number,
//! a third factor the box can check: the old document or a full birth date), a free compartment
//! is chosen (`schalter_pickup::choose_compartment`: the smallest that fits, low ones kept for who
//! asks) and taken by an UPDATE that only succeeds while it is free, a 6-digit PIN is drawn from
//! the OS's CSPRNG and stored only as its keyed hash, the SMS with the PIN is queued in the outbox
//! (no name in it), and the application becomes "ready for pickup" in the change feed. Two clerks
//! loading at once never share a compartment; a lost race tries the next one.

use rand::rngs::OsRng;
use schalter_application::{Application, ApplicationStatus, Pickup};
use schalter_pickup::{
    choose_compartment, Compartment, CompartmentId, CompartmentState, Pepper, PickupDays, PickupDeadline, PickupId,
    PickupPin, PinHasher, SizeClass, ThirdFactor,
};
use schalter_wire::pickup::{LoadAnswer, LoadRequest};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::applications::change_status;
use crate::db::pickup as sql;
use crate::secrets::SecretsKey;
use crate::{CentralError, Db};

/// The keys the pickup needs: the SMS outbox's sealing key and the PIN hash's pepper.
pub struct PickupKeys {
    pub secrets: SecretsKey,
    pub pin_hasher: PinHasher,
}

impl PickupKeys {
    pub fn new(secrets: SecretsKey, pepper: &Pepper) -> Self {
        Self { secrets, pin_hasher: PinHasher::new(pepper) }
    }
}

/// A compartment race lost this often in a row means something else is wrong.
const MAX_RACES: usize = 8;

fn parse_state(state: &str) -> CompartmentState {
    match state {
        "free" => CompartmentState::Free,
        "loaded" => CompartmentState::Loaded,
        "opened" => CompartmentState::Opened,
        "expired" => CompartmentState::Expired,
        "locked" => CompartmentState::Locked,
        _ => CompartmentState::OutOfService,
    }
}

fn parse_size(size: &str) -> SizeClass {
    match size {
        "S" => SizeClass::S,
        "M" => SizeClass::M,
        _ => SizeClass::L,
    }
}

/// The SMS: where, the PIN, until when, what to bring. No name, no document number.
fn pin_text(box_name: &str, pin: &PickupPin, last_day: time::Date, bring_old_document: bool) -> String {
    let day = schalter_application::dates::format_german(last_day);
    let bring = if bring_old_document { " Bitte das bisherige Dokument mitbringen." } else { "" };
    format!(
        "Ihr Ausweisdokument liegt in der Ausgabebox {box_name} bereit. PIN: {}. Abholung bis {day}.{bring}",
        pin.expose()
    )
}

/// Who loads: the clerk, their office, and the desk certificate (for the audit trail).
pub struct Loader<'a> {
    pub clerk_id: Uuid,
    pub office_id: &'a str,
    pub desk: Option<String>,
}

/// Loads the document of `request.application_id` into a compartment (see the module documentation).
pub async fn load(
    db: &Db,
    keys: &PickupKeys,
    now: i64,
    loader: &Loader<'_>,
    request: &LoadRequest,
) -> Result<LoadAnswer, CentralError> {
    let (clerk_id, clerk_office) = (loader.clerk_id, loader.office_id);
    let application_id = request.application_id.to_string();
    let mut tx = db.begin().await?;
    sql::lock_box(&mut tx, &request.box_id).await?;
    let the_box = sql::find_box(&mut tx, &request.box_id).await?.ok_or(CentralError::PickupUnknownBox)?;
    let (office_id, status, data) =
        sql::application_for_load(&mut tx, &application_id).await?.ok_or(CentralError::PickupNotReady)?;
    if office_id != clerk_office || the_box.office_id != clerk_office {
        return Err(CentralError::Forbidden);
    }
    if status != "delivered" {
        return Err(CentralError::PickupNotReady);
    }
    let application: Application =
        serde_json::from_str(&data).map_err(|_| CentralError::Internal("malformed application in database".into()))?;
    let Pickup::PickupBox { mobile } = application.pickup() else { return Err(CentralError::PickupNotByBox) };
    if application.document_kind().is_temporary() {
        return Err(CentralError::PickupNotByBox);
    }
    let applicant = application.applicant();
    let third_factor = ThirdFactor::for_application(applicant.current_document.as_ref(), &applicant.date_of_birth)
        .map_err(|_| CentralError::PickupNoThirdFactor)?;

    // An ID card comes with its accompanying letter (the Sperrkennwort, domain.md §3.6).
    let needed = SizeClass::needed_for(1, application.document_kind().is_id_card());
    // The compartment: choose, take while free; a concurrent load that was faster makes us choose again.
    let mut compartment = None;
    for _ in 0..MAX_RACES {
        let all: Vec<Compartment> = sql::compartments(&mut tx, &the_box.id)
            .await?
            .into_iter()
            .map(|(number, size, accessible, state)| Compartment {
                id: CompartmentId(u32::try_from(number).unwrap_or(u32::MAX)),
                size: parse_size(&size),
                accessible,
                state: parse_state(&state),
            })
            .collect();
        let Some(chosen) = choose_compartment(&all, needed, request.accessible) else {
            return Err(CentralError::PickupBoxFull);
        };
        if sql::take_compartment(&mut tx, &the_box.id, i64::from(chosen.0), &application_id, now).await? {
            compartment = all.into_iter().find(|c| c.id == chosen);
            break;
        }
    }
    let compartment = compartment.ok_or(CentralError::PickupBoxFull)?;

    let four_eyes = sql::four_eyes_loading(&mut tx, clerk_office).await?;
    let (state, pin_hash, sms_id, deadline) = if four_eyes {
        // Four-eyes rule: the document lies in its compartment, but nothing can open it until a
        // second clerk confirms (crate::pickup_office::confirm_load arms it then).
        ("awaiting_confirmation", String::new(), None, deadline_from(&the_box, now)?)
    } else {
        let armed = arm(&mut tx, keys, now, &the_box, request.application_id, mobile.as_str(), third_factor).await?;
        ("waiting", armed.pin_hash, Some(armed.sms_id), armed.deadline)
    };
    let inserted = sql::insert_pickup(
        &mut tx,
        &sql::NewPickup {
            application_id: &application_id,
            box_id: &the_box.id,
            compartment: i64::from(compartment.id.0),
            mobile: mobile.as_str(),
            pin_hash: &pin_hash,
            loaded_at: now,
            expires_at: deadline.expires_at().unix_timestamp(),
            loaded_by: &clerk_id.to_string(),
            sms_id: sms_id.as_deref(),
            state,
        },
    )
    .await?;
    if !inserted {
        return Err(CentralError::PickupAlreadyLoaded);
    }
    if !four_eyes {
        ready_for_pickup(&mut tx, &application_id, now).await?;
    }
    let audit = crate::db::AuditEntry {
        at: now,
        occurred_at: None,
        clerk_id: Some(clerk_id),
        desk: loader.desk.as_deref(),
        action: if four_eyes { "pickup_loaded_unconfirmed" } else { "pickup_loaded" },
        subject: Some(&application_id),
    };
    crate::db::insert_audit(&mut tx, &audit).await?;
    tx.commit().await?;
    tracing::info!(%application_id, box_id = %the_box.id, compartment = compartment.id.0, four_eyes, "document loaded");
    Ok(LoadAnswer {
        application_id: request.application_id,
        box_id: the_box.id,
        compartment: compartment.id.0,
        accessible: compartment.accessible,
        last_pickup_day: deadline.last_pickup_day().to_string(),
        awaiting_confirmation: four_eyes,
    })
}

fn deadline_from(the_box: &sql::BoxRow, now: i64) -> Result<PickupDeadline, CentralError> {
    let loaded_at = OffsetDateTime::from_unix_timestamp(now).map_err(|e| CentralError::Internal(e.to_string()))?;
    let days = PickupDays::new(u8::try_from(the_box.pickup_days).unwrap_or(10)).unwrap_or_default();
    Ok(PickupDeadline::new(loaded_at, days))
}

/// What arming a pickup made: the PIN's keyed hash, the queued SMS, the deadline from now.
pub(crate) struct Armed {
    pub pin_hash: String,
    pub sms_id: String,
    pub deadline: PickupDeadline,
}

/// Makes the PIN (OS CSPRNG, kept only as its keyed hash) and queues its SMS, on the load's
/// transaction: at the load itself, or at the second clerk's confirmation under the four-eyes rule.
pub(crate) async fn arm(
    tx: &mut sqlx::AnyConnection,
    keys: &PickupKeys,
    now: i64,
    the_box: &sql::BoxRow,
    application_id: Uuid,
    mobile: &str,
    third_factor: ThirdFactor,
) -> Result<Armed, CentralError> {
    let deadline = deadline_from(the_box, now)?;
    let pin = PickupPin::generate(&mut OsRng);
    let pin_hash = keys.pin_hasher.hash(PickupId::from_uuid(application_id), &pin);
    let bring_old_document = matches!(third_factor, ThirdFactor::OldDocument { .. });
    let text = pin_text(&the_box.name, &pin, deadline.last_pickup_day(), bring_old_document);
    let sms_id = crate::sms::queue(tx, &keys.secrets, "pickup_pin", mobile, &text, now).await?;
    Ok(Armed { pin_hash: pin_hash.to_hex(), sms_id, deadline })
}

/// "Ready for pickup" in the feed, so the desks see it.
pub(crate) async fn ready_for_pickup(
    tx: &mut sqlx::AnyConnection,
    application_id: &str,
    now: i64,
) -> Result<(), CentralError> {
    let row = crate::db::producer::status_row(tx, application_id, false).await?.ok_or(CentralError::PickupNotReady)?;
    if !change_status(tx, &row, ApplicationStatus::ReadyForPickup, None, now).await? {
        return Err(CentralError::PickupNotReady);
    }
    Ok(())
}

/// Ends the pickups whose deadline passed, each in its own transaction: the PIN opens nothing any more,
/// the compartment waits for a clerk to take the document back to the counter, the citizen gets an SMS
/// (no name) and the desks see the reason in the feed. Returns how many expired.
pub async fn expire_due(db: &Db, secrets: &SecretsKey, now: i64) -> Result<usize, CentralError> {
    let mut expired = 0;
    let due = {
        let mut tx = db.begin().await?;
        let due = sql::expired_waiting(&mut tx, now).await?;
        tx.commit().await?;
        due
    };
    for (application_id, box_id, compartment, mobile) in due {
        let mut tx = db.begin().await?;
        sql::lock_box(&mut tx, &box_id).await?;
        if !sql::expire(&mut tx, &application_id, &box_id, compartment, now).await? {
            continue;
        }
        let text = "Die Abholfrist für Ihr Ausweisdokument in der Ausgabebox ist abgelaufen. Sie erhalten es ab dem \
                    nächsten Öffnungstag am Schalter des Bürgerbüros; bitte das bisherige Dokument mitbringen.";
        crate::sms::queue(&mut tx, secrets, "pickup_expired", &mobile, text, now).await?;
        if let Some(row) = crate::db::producer::status_row(&mut tx, &application_id, false).await? {
            // Still ready for pickup, now at the counter: the feed says why, so the desks show it.
            crate::applications::announce(&mut tx, &row, Some(EXPIRED_REASON), now).await?;
        }
        tx.commit().await?;
        tracing::info!(%application_id, %box_id, compartment, "pickup expired, back to the counter");
        expired += 1;
    }
    Ok(expired)
}

/// What the desks read beside "ready for pickup" once the box's deadline passed.
pub const EXPIRED_REASON: &str = "Abholfrist der Ausgabebox abgelaufen: Ausgabe am Schalter";
