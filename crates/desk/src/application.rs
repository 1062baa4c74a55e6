//! The application (Antrag) at the desk: the live check the form shows while the clerk types (field errors, fee,
//! validity and the other rules), the confirmed application written to the store with its `application.submit`
//! mutation in one transaction under a provisional number, and the list the search reads (with the central's
//! number and status once the sync brought them). The rules are `schalter_application`'s, the same the central
//! checks again.

use schalter_application::rules::{DerivedRules, Fingerprints, Signature};
use schalter_application::{
    derive, fee, Application, ApplicationDraft, DateOfBirth, DocumentKind, FeeBreakdown, FeeOptions, FieldError,
};
use schalter_store::{DeskStore, MutationState, NewMutation};
use schalter_wire::application::{
    ApplicationChange, ApplicationReceipt, Biometrics, CorrectedApplication, FingerprintOutcome, FingerprintOutcomes,
    SubmittedApplication, APPLICATION_CORRECT, APPLICATION_SUBMIT,
};
use serde::{Deserialize, Serialize};
use time::{Date, Month, OffsetDateTime, UtcOffset, Weekday};
use ts_rs::TS;
use uuid::Uuid;

use crate::devices::VisitBiometrics;
use crate::DeskError;

/// Store record kinds: the application as captured (personal data, purged after acknowledgement and the
/// grace period), and the number and status the change feed brought (no personal data).
pub(crate) const APPLICATION_RECORD: &str = "application";
pub(crate) const APPLICATION_STATUS_RECORD: &str = "application_status";

/// A field the check found wrong, with the German and English text to show next to it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct FieldErrorView {
    /// The draft's key of the field, e.g. `family_name`.
    pub field: String,
    pub code: String,
    pub message: String,
    pub message_en: String,
}

impl From<&FieldError> for FieldErrorView {
    fn from(error: &FieldError) -> Self {
        Self {
            field: error.field.key().to_owned(),
            code: error.code().to_owned(),
            message: error.message_de(),
            message_en: error.message_en(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct FeeLineView {
    pub label: String,
    pub label_en: String,
    /// "37,00 €".
    pub amount: String,
    pub amount_cents: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct FeeView {
    pub lines: Vec<FeeLineView>,
    pub total: String,
    pub total_cents: u32,
}

impl From<&FeeBreakdown> for FeeView {
    fn from(breakdown: &FeeBreakdown) -> Self {
        Self {
            lines: breakdown
                .lines
                .iter()
                .map(|line| FeeLineView {
                    label: line.item.label_de().to_owned(),
                    label_en: line.item.label_en().to_owned(),
                    amount: schalter_application::format_euro(line.amount_cents),
                    amount_cents: line.amount_cents,
                })
                .collect(),
            total: breakdown.total_de(),
            total_cents: breakdown.total_cents,
        }
    }
}

/// What follows from document, birth date and application date. Each value is the rule's key (snake case); the
/// UI's catalogue has the texts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct RulesView {
    /// Completed years on the application date (a partial birth date counts as late as it can be).
    pub age: u32,
    pub validity: String,
    pub validity_months: u32,
    pub eid: String,
    pub fingerprints: String,
    pub signature: String,
    pub applies: String,
    pub pin_letter: String,
}

/// The live check of the form: every field error at once, and the fee and rules as soon as the document kind and
/// the birth date are known (also while other fields are still wrong).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct ApplicationCheckView {
    pub errors: Vec<FieldErrorView>,
    pub fee: Option<FeeView>,
    pub rules: Option<RulesView>,
    /// The application date the check used (`YYYY-MM-DD`, the office's day).
    pub application_date: String,
}

/// An application as the list and the search show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct ApplicationView {
    pub application_id: String,
    /// The desk's number, given at once (`V-…`).
    pub provisional_number: String,
    /// The central's number, once the sync brought it.
    pub application_number: Option<String>,
    /// `pending` (not yet at the central, or its correction not yet), `refused` (by the central's check; see
    /// `rejection`), or the central's status (`captured`, `sent`, `accepted`, `rejected` by the producer, …).
    pub status: String,
    /// The central's reason beside the status: why the producer rejected it (`<error number>: <text>`), or that a
    /// box pickup went back to the counter.
    pub status_reason: Option<String>,
    /// Rejected by the producer and not corrected yet: the clerk can correct it.
    pub correctable: bool,
    pub rejection: Option<String>,
    pub document_kind: String,
    pub family_name: String,
    pub given_names: String,
    pub date_of_birth: String,
    pub total: String,
    /// RFC 3339.
    pub captured_at: String,
}

/// What the store keeps of a captured application.
#[derive(Clone, Serialize, Deserialize)]
struct StoredApplication {
    submitted: SubmittedApplication,
    seq: i64,
    total_cents: u32,
    #[serde(with = "time::serde::rfc3339")]
    captured_at: OffsetDateTime,
    /// The `application.correct` mutation of the clerk's last correction, if any (the draft above is the corrected one).
    #[serde(default)]
    correction_seq: Option<i64>,
}

/// The day in Germany at `at` (CET, CEST from the last Sunday of March to the last Sunday of October, 01:00 UTC):
/// the fee table and the age rules go by the office's day, not by UTC's.
pub fn office_date(at: OffsetDateTime) -> Date {
    let at = at.to_offset(UtcOffset::UTC);
    let year = at.year();
    let summer_from = last_sunday(year, Month::March).with_hms(1, 0, 0).expect("valid time").assume_utc();
    let summer_until = last_sunday(year, Month::October).with_hms(1, 0, 0).expect("valid time").assume_utc();
    let hours = if (summer_from..summer_until).contains(&at) { 2 } else { 1 };
    at.to_offset(UtcOffset::from_hms(hours, 0, 0).expect("valid offset")).date()
}

fn last_sunday(year: i32, month: Month) -> Date {
    let mut day = Date::from_calendar_date(year, month, month.length(year)).expect("valid");
    while day.weekday() != Weekday::Sunday {
        day = day.previous_day().expect("valid");
    }
    day
}

fn key_of<T: Serialize>(value: T) -> String {
    serde_json::to_value(value).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default()
}

/// The live check: pure, cheap (no Argon2, no store), run at every keystroke.
/// The rules for what the form holds so far: `None` until document kind and birth date are readable.
pub(crate) fn rules_of(draft: &ApplicationDraft, today: Date) -> Option<DerivedRules> {
    let kind = DocumentKind::parse(&draft.document_kind).ok()?;
    let birth = DateOfBirth::parse(&draft.date_of_birth).ok()?;
    Some(derive(kind, &birth, today))
}

pub fn check(draft: &ApplicationDraft, today: Date) -> ApplicationCheckView {
    let errors = match Application::validate(draft, today) {
        Ok(_) => Vec::new(),
        Err(errors) => errors.iter().map(FieldErrorView::from).collect(),
    };
    let kind = DocumentKind::parse(&draft.document_kind).ok();
    let birth = DateOfBirth::parse(&draft.date_of_birth).ok();
    let (fee, rules) = match (kind, birth) {
        (Some(kind), Some(birth)) => {
            let options = FeeOptions {
                photo_in_office: draft.photo_in_office,
                direct_delivery: draft.pickup == "direct_delivery",
            };
            let fee = fee(kind, options, &birth, today)
                .or_else(|_| fee(kind, FeeOptions { direct_delivery: false, ..options }, &birth, today))
                .ok();
            let rules = derive(kind, &birth, today);
            let rules = RulesView {
                age: rules.age,
                validity: key_of(rules.validity),
                validity_months: rules.validity.months(),
                eid: key_of(rules.eid),
                fingerprints: key_of(rules.fingerprints),
                signature: key_of(rules.signature),
                applies: match rules.applies {
                    schalter_application::rules::Applies::Themselves => "themselves".to_owned(),
                    schalter_application::rules::Applies::Custodian { .. } => "custodian".to_owned(),
                },
                pin_letter: key_of(rules.pin_letter),
            };
            (fee.as_ref().map(FeeView::from), Some(rules))
        }
        _ => (None, None),
    };
    ApplicationCheckView { errors, fee, rules, application_date: today.to_string() }
}

/// Writes a confirmed application and its mutation in one store transaction, under the next provisional number of
/// this desk. Refused (nothing written) when a field is wrong. Public for the capture benchmark.
pub async fn write_submitted(
    store: &DeskStore,
    draft: &ApplicationDraft,
    visit_id: Uuid,
    photo_id: Uuid,
    biometrics: &VisitBiometrics,
    clerk_id: Uuid,
    now: OffsetDateTime,
) -> Result<ApplicationView, DeskError> {
    let today = office_date(now);
    let application = Application::validate(draft, today)
        .map_err(|errors| DeskError::ApplicationInvalid(schalter_application::ApplicationError::Invalid(errors)))?;
    let fingerprints = required_fingerprints(application.rules(), biometrics)?;
    let signature = match application.rules().signature {
        Signature::Required => {
            Some(biometrics.signature_jpeg.as_deref().ok_or(DeskError::ApplicationSignatureMissing)?)
        }
        // Under 10 none is taken; one captured before the birth date was corrected is not sent.
        Signature::NotUnder10 => None,
    };
    let mut tx = store.transaction().await?;
    let counted = tx.next_counter(APPLICATION_RECORD).await?;
    // Uploaded by the sync before the mutation (like the accepted photo); not linked to the record, so the purge
    // removes it once the central has it.
    let signature_sha256 = match signature {
        Some(jpeg) => Some(tx.put_blob(jpeg, now).await?.as_str().to_owned()),
        None => None,
    };
    let submitted = SubmittedApplication {
        application_id: Uuid::now_v7(),
        provisional_number: provisional_number(store.device_id(), counted),
        visit_id,
        photo_id,
        application_date: today,
        draft: draft.clone(),
        biometrics: Biometrics { fingerprints, signature_sha256 },
    };
    let payload = serde_json::to_value(&submitted).map_err(|_| DeskError::Config("Antrag".into()))?;
    let at = tx
        .push_mutation(&NewMutation { kind: APPLICATION_SUBMIT.to_owned(), payload, occurred_at: now, clerk_id })
        .await?;
    let stored = StoredApplication {
        submitted,
        seq: at.seq,
        total_cents: application.fee().total_cents,
        captured_at: now,
        correction_seq: None,
    };
    let data = serde_json::to_value(&stored).map_err(|_| DeskError::Config("Antrag".into()))?;
    tx.put_record(APPLICATION_RECORD, &stored.submitted.application_id.to_string(), &data, &[], now).await?;
    tx.commit().await?;
    tracing::info!(application_id = %stored.submitted.application_id, seq = at.seq, "application captured");
    Ok(view(&stored, None, None, None))
}

/// The fingerprint outcomes the rules ask for: from 6 (with a chip) each hand captured or confirmed as not possible;
/// otherwise both "not required" whatever the visit holds.
fn required_fingerprints(rules: &DerivedRules, biometrics: &VisitBiometrics) -> Result<FingerprintOutcomes, DeskError> {
    match rules.fingerprints {
        Fingerprints::Required => {
            let recorded = |outcome: Option<FingerprintOutcome>| {
                outcome.filter(|outcome| *outcome != FingerprintOutcome::NotRequired)
            };
            match (recorded(biometrics.left), recorded(biometrics.right)) {
                (Some(left), Some(right)) => Ok(FingerprintOutcomes { left, right }),
                _ => Err(DeskError::ApplicationFingerprintsMissing),
            }
        }
        Fingerprints::NotUnder6 | Fingerprints::NoChip => {
            Ok(FingerprintOutcomes { left: FingerprintOutcome::NotRequired, right: FingerprintOutcome::NotRequired })
        }
    }
}

/// Whether what the submit recorded still fits the rules: prints taken (captured or not possible) exactly when
/// required, a signature exactly from 10.
fn recorded_biometrics_fit(rules: &DerivedRules, recorded: &Biometrics) -> Result<(), DeskError> {
    let taken = |outcome: FingerprintOutcome| outcome != FingerprintOutcome::NotRequired;
    let prints = [recorded.fingerprints.left, recorded.fingerprints.right];
    let prints_fit = match rules.fingerprints {
        Fingerprints::Required => prints.into_iter().all(taken),
        Fingerprints::NotUnder6 | Fingerprints::NoChip => !prints.into_iter().any(taken),
    };
    if !prints_fit {
        return Err(DeskError::ApplicationFingerprintsMissing);
    }
    if (rules.signature == Signature::Required) != recorded.signature_sha256.is_some() {
        return Err(DeskError::ApplicationSignatureMissing);
    }
    Ok(())
}

/// The clerk corrected an application the producer rejected: written with its `application.correct` mutation in one
/// transaction, checked on the application's own date (its fees and rules stay those of that day); the document kind
/// stays. The central orders it again under the same number.
pub async fn write_correction(
    store: &DeskStore,
    application_id: &str,
    draft: &ApplicationDraft,
    clerk_id: Uuid,
    now: OffsetDateTime,
) -> Result<ApplicationView, DeskError> {
    let Some(data) = store.get_record(APPLICATION_RECORD, application_id).await? else {
        return Err(DeskError::ApplicationNotFound);
    };
    let mut stored: StoredApplication = serde_json::from_value(data).map_err(|_| DeskError::ApplicationNotFound)?;
    if !loaded_view(store, &stored).await?.correctable {
        return Err(DeskError::ApplicationNotCorrectable);
    }
    let application = Application::validate(draft, stored.submitted.application_date)
        .map_err(|errors| DeskError::ApplicationInvalid(schalter_application::ApplicationError::Invalid(errors)))?;
    if application.document_kind().key() != stored.submitted.draft.document_kind {
        return Err(DeskError::ApplicationNotCorrectable);
    }
    // The submit's biometrics stay (the central checks them again): a corrected birth date must still fit them.
    recorded_biometrics_fit(application.rules(), &stored.submitted.biometrics)?;
    let corrected = CorrectedApplication { application_id: stored.submitted.application_id, draft: draft.clone() };
    let payload = serde_json::to_value(&corrected).map_err(|_| DeskError::Config("Antrag".into()))?;
    let mut tx = store.transaction().await?;
    let at = tx
        .push_mutation(&NewMutation { kind: APPLICATION_CORRECT.to_owned(), payload, occurred_at: now, clerk_id })
        .await?;
    stored.submitted.draft = draft.clone();
    stored.total_cents = application.fee().total_cents;
    stored.correction_seq = Some(at.seq);
    let data = serde_json::to_value(&stored).map_err(|_| DeskError::Config("Antrag".into()))?;
    tx.put_record(APPLICATION_RECORD, application_id, &data, &[], now).await?;
    tx.commit().await?;
    tracing::info!(application_id, seq = at.seq, "application corrected");
    loaded_view(store, &stored).await
}

/// What the clerk typed for an application this desk holds (to correct it).
pub(crate) async fn stored_draft(store: &DeskStore, application_id: &str) -> Result<ApplicationDraft, DeskError> {
    let data = store.get_record(APPLICATION_RECORD, application_id).await?.ok_or(DeskError::ApplicationNotFound)?;
    let stored: StoredApplication = serde_json::from_value(data).map_err(|_| DeskError::ApplicationNotFound)?;
    Ok(stored.submitted.draft)
}

/// The list's view of a stored application: with the feed's status and the states of its mutations.
async fn loaded_view(store: &DeskStore, stored: &StoredApplication) -> Result<ApplicationView, DeskError> {
    let id = stored.submitted.application_id.to_string();
    let change = store
        .get_record(APPLICATION_STATUS_RECORD, &id)
        .await?
        .and_then(|data| serde_json::from_value::<ApplicationChange>(data).ok());
    let submit = store.mutation(stored.seq).await?.map(|m| m.state);
    let correction = match stored.correction_seq {
        Some(seq) => store.mutation(seq).await?.map(|m| m.state),
        None => None,
    };
    Ok(view(stored, change.as_ref(), submit.as_ref(), correction.as_ref()))
}

/// `V-<last four characters of the device id>-<five digits>`: unique per desk, readable at the counter.
fn provisional_number(device_id: &str, counted: i64) -> String {
    let tail: String = device_id.chars().rev().take(4).collect::<Vec<_>>().into_iter().rev().collect();
    format!("V-{tail}-{counted:05}")
}

/// The change feed's news about an application, kept beside it (no personal data, never purged).
pub(crate) async fn record_change(store: &DeskStore, change: &ApplicationChange) -> Result<(), DeskError> {
    let data = serde_json::to_value(change).map_err(|_| DeskError::Config("Antragsstatus".into()))?;
    let mut tx = store.transaction().await?;
    tx.put_record(APPLICATION_STATUS_RECORD, &change.application_id.to_string(), &data, &[], OffsetDateTime::now_utc())
        .await?;
    tx.commit().await?;
    Ok(())
}

/// The desk's applications whose name, provisional or final number contains `query` (case-insensitive; empty:
/// all), newest first.
pub(crate) async fn list(store: &DeskStore, query: &str) -> Result<Vec<ApplicationView>, DeskError> {
    let needle = query.trim().to_lowercase();
    let mut out = Vec::new();
    for (id, data) in store.records(APPLICATION_RECORD).await? {
        let Ok(stored) = serde_json::from_value::<StoredApplication>(data) else { continue };
        debug_assert_eq!(stored.submitted.application_id.to_string(), id);
        let view = loaded_view(store, &stored).await?;
        let haystack = [
            view.family_name.as_str(),
            view.given_names.as_str(),
            view.provisional_number.as_str(),
            view.application_number.as_deref().unwrap_or_default(),
        ]
        .join(" ")
        .to_lowercase();
        if needle.is_empty() || haystack.contains(&needle) {
            out.push(view);
        }
    }
    Ok(out)
}

/// One application of this desk by its id: what was submitted and how the list shows it (with the central's number
/// once known). `None` when the desk does not hold it (never here, or purged after the grace period).
pub(crate) async fn find(
    store: &DeskStore,
    application_id: &str,
) -> Result<Option<(SubmittedApplication, ApplicationView)>, DeskError> {
    let Some(data) = store.get_record(APPLICATION_RECORD, application_id).await? else { return Ok(None) };
    let Ok(stored) = serde_json::from_value::<StoredApplication>(data) else { return Ok(None) };
    let view = loaded_view(store, &stored).await?;
    Ok(Some((stored.submitted, view)))
}

fn view(
    stored: &StoredApplication,
    change: Option<&ApplicationChange>,
    mutation: Option<&MutationState>,
    correction: Option<&MutationState>,
) -> ApplicationView {
    let receipt = match mutation {
        Some(MutationState::Applied { response } | MutationState::Replayed { response }) => {
            response.clone().and_then(|r| serde_json::from_value::<ApplicationReceipt>(r).ok())
        }
        _ => None,
    };
    let rejection = match (mutation, correction) {
        (Some(MutationState::Rejected { message, .. }), _) | (_, Some(MutationState::Rejected { message, .. })) => {
            Some(message.clone())
        }
        _ => None,
    };
    let correction_pending = matches!(correction, Some(MutationState::Pending));
    let status = match (change, &receipt, &rejection) {
        // The correction is not at the central yet; the feed's "rejected" is what it corrects.
        (Some(_), _, _) if correction_pending => "pending".to_owned(),
        (Some(change), _, _) => change.status.clone(),
        (None, _, Some(_)) => "refused".to_owned(),
        (None, Some(_), None) => "captured".to_owned(),
        (None, None, None) => "pending".to_owned(),
    };
    // A correction the central refused leaves the application rejected: the clerk may try again.
    let correctable = status == "rejected";
    let draft = &stored.submitted.draft;
    ApplicationView {
        application_id: stored.submitted.application_id.to_string(),
        provisional_number: stored.submitted.provisional_number.clone(),
        application_number: change
            .map(|c| c.application_number.clone())
            .or_else(|| receipt.as_ref().map(|r| r.application_number.clone())),
        status_reason: change.and_then(|c| c.status_reason.clone()),
        status,
        correctable,
        rejection,
        document_kind: draft.document_kind.clone(),
        family_name: draft.family_name.clone(),
        given_names: draft.given_names.clone(),
        date_of_birth: draft.date_of_birth.clone(),
        total: schalter_application::format_euro(stored.total_cents),
        captured_at: stored.captured_at.format(&time::format_description::well_known::Rfc3339).unwrap_or_default(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn the_office_day_follows_german_time_across_midnight_and_both_clock_changes() {
        // 23:30 UTC in winter is 00:30 the next day in Düsseldorf.
        assert_eq!(office_date(datetime!(2026-12-01 23:30 UTC)).to_string(), "2026-12-02");
        assert_eq!(office_date(datetime!(2026-12-01 22:59 UTC)).to_string(), "2026-12-01");
        // Summer time (CEST, +2) from 29 March 2026 01:00 UTC until 25 October 2026 01:00 UTC.
        assert_eq!(office_date(datetime!(2026-07-01 22:30 UTC)).to_string(), "2026-07-02");
        assert_eq!(office_date(datetime!(2026-07-01 21:59 UTC)).to_string(), "2026-07-01");
        assert_eq!(office_date(datetime!(2026-03-28 23:30 UTC)).to_string(), "2026-03-29", "still CET: +1");
        assert_eq!(office_date(datetime!(2026-10-24 22:30 UTC)).to_string(), "2026-10-25", "still CEST: +2");
        assert_eq!(office_date(datetime!(2026-10-25 22:30 UTC)).to_string(), "2026-10-25", "CET again: +1");
    }

    #[test]
    fn provisional_numbers_name_the_desk_and_count() {
        assert_eq!(provisional_number("desk-0190c5a2-7e4b-7c3d-9f00-2a1b3c4d5e6f", 17), "V-5e6f-00017");
        assert_eq!(provisional_number("ab", 1), "V-ab-00001");
    }

    #[test]
    fn the_live_check_shows_fee_and_rules_while_other_fields_are_still_missing() {
        let draft = ApplicationDraft {
            document_kind: "id_card".into(),
            date_of_birth: "01.09.2011".into(),
            ..ApplicationDraft::default()
        };
        let checked = check(&draft, Date::from_calendar_date(2026, Month::December, 1).unwrap());
        assert!(checked.errors.iter().any(|e| e.field == "family_name" && e.code == "field_required"), "{checked:?}");
        let fee = checked.fee.expect("fee known from kind and birth date");
        assert_eq!((fee.total_cents, fee.total.as_str()), (2760, "27,60 €"));
        let rules = checked.rules.expect("rules known");
        assert_eq!((rules.age, rules.validity_months), (15, 72));
        assert_eq!((rules.eid.as_str(), rules.applies.as_str()), ("off_under16", "custodian"), "{rules:?}");
        assert_eq!((rules.fingerprints.as_str(), rules.signature.as_str()), ("required", "required"));

        let nothing = check(&ApplicationDraft::default(), Date::from_calendar_date(2026, Month::December, 1).unwrap());
        assert!(nothing.fee.is_none() && nothing.rules.is_none());
        assert!(!nothing.errors.is_empty());
    }
}
