//! The application as the clerk types it ([`ApplicationDraft`]) and as it is once every field and
//! every rule between fields holds ([`Application`]).

use std::fmt;

use serde::{Deserialize, Serialize};
use time::Date;

use crate::dates::iso_date;
use crate::fees::{fee, FeeBreakdown, FeeOptions};
use crate::person::{names_together_len, MAX_NAMES_TOGETHER};
use crate::rules::{self, Applies, DerivedRules, PinLetter};
use crate::{
    Address, BirthName, CurrentDocument, DateOfBirth, DoctoralDegree, DocumentKind, EyeColour, FamilyName, Field,
    FieldError, FieldErrorKind, GivenNames, Height, MobileNumber, Nationality, Pickup, PlaceOfBirth, ReligiousName,
    Residence, Sex,
};

/// What the desk sends: every field as typed, nothing checked yet. Empty strings count as not given.
/// The keys are those of [`Field`], so errors can be shown next to their input.
#[derive(Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(default)]
pub struct ApplicationDraft {
    /// A [`DocumentKind`] key: `id_card`, `passport32`, `passport48`, `express_passport32`,
    /// `express_passport48`, `temporary_id_card`, `temporary_passport`.
    pub document_kind: String,
    pub family_name: String,
    pub birth_name: Option<String>,
    pub given_names: String,
    pub doctoral_degree: Option<String>,
    pub religious_name: Option<String>,
    /// `YYYY-MM-DD` or `TT.MM.JJJJ`, `XX` for an unknown day or month.
    pub date_of_birth: String,
    pub place_of_birth: String,
    /// `001`, `002`, `003` (or W, M, X); mandatory for a passport.
    pub sex: Option<String>,
    /// Centimetres or `---`.
    pub height: String,
    /// Free text or `---`.
    pub eye_colour: String,
    pub no_residence_in_germany: bool,
    pub street: Option<String>,
    pub postal_code: Option<String>,
    pub place: Option<String>,
    pub nationality: String,
    /// A [`crate::CurrentDocumentKind`] key, or empty / `none` when the applicant holds none.
    pub current_document_kind: Option<String>,
    pub current_document_serial: Option<String>,
    pub custodian_family_name: Option<String>,
    pub custodian_given_names: Option<String>,
    /// `counter`, `pickup_box` or `direct_delivery`; may stay empty for documents issued on the spot.
    pub pickup: String,
    pub mobile_number: Option<String>,
    pub pickup_consent: bool,
    pub photo_in_office: bool,
    pub pin_letter_handed_over: bool,
}

impl fmt::Debug for ApplicationDraft {
    // Everything typed here is personal data.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ApplicationDraft")
            .field("document_kind", &self.document_kind)
            .field("pickup", &self.pickup)
            .finish_non_exhaustive()
    }
}

/// The custodian (Sorgeberechtigte) who applies for a minor.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Custodian {
    pub family_name: FamilyName,
    pub given_names: GivenNames,
}

impl fmt::Debug for Custodian {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Custodian(…)")
    }
}

/// The applicant's data, every value checked.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Applicant {
    pub family_name: FamilyName,
    pub birth_name: Option<BirthName>,
    pub given_names: GivenNames,
    pub doctoral_degree: Option<DoctoralDegree>,
    pub religious_name: Option<ReligiousName>,
    pub date_of_birth: DateOfBirth,
    pub place_of_birth: PlaceOfBirth,
    pub sex: Option<Sex>,
    pub height: Height,
    pub eye_colour: EyeColour,
    pub residence: Residence,
    pub nationality: Nationality,
    pub current_document: Option<CurrentDocument>,
}

impl fmt::Debug for Applicant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Applicant(…)")
    }
}

/// A complete, consistent application: fields valid, cross-field rules met, rules derived and the
/// fee computed for its application date. Only [`Application::validate`] makes one.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Application {
    #[serde(with = "iso_date")]
    application_date: Date,
    document_kind: DocumentKind,
    applicant: Applicant,
    custodian: Option<Custodian>,
    pickup: Pickup,
    photo_in_office: bool,
    /// Recorded: the clerk confirmed handing over the PIN letter (when the rules require it).
    pin_letter_handed_over: bool,
    rules: DerivedRules,
    fee: FeeBreakdown,
}

impl fmt::Debug for Application {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Application")
            .field("application_date", &self.application_date)
            .field("document_kind", &self.document_kind)
            .field("rules", &self.rules)
            .field("fee", &self.fee)
            .finish_non_exhaustive()
    }
}

/// A value whose parse reported no error. Every `None` comes with an error, so this cannot fail.
fn present<T>(value: Option<T>) -> T {
    value.expect("every missing value reported an error")
}

fn given(value: &Option<String>) -> Option<&str> {
    value.as_deref().map(str::trim).filter(|v| !v.is_empty())
}

/// Collects the errors of many independent parses.
#[derive(Default)]
struct Errors(Vec<FieldError>);

impl Errors {
    fn take<T>(&mut self, result: Result<T, FieldError>) -> Option<T> {
        result.map_err(|e| self.0.push(e)).ok()
    }

    fn take_all<T>(&mut self, result: Result<T, Vec<FieldError>>) -> Option<T> {
        result.map_err(|e| self.0.extend(e)).ok()
    }

    fn optional<T>(&mut self, raw: &Option<String>, parse: fn(&str) -> Result<T, FieldError>) -> Option<Option<T>> {
        match given(raw) {
            None => Some(None),
            Some(value) => self.take(parse(value)).map(Some),
        }
    }

    fn push(&mut self, field: Field, kind: FieldErrorKind) {
        self.0.push(FieldError::new(field, kind));
    }
}

impl Application {
    /// Checks every field and every rule between fields and reports all errors at once, in form order.
    pub fn validate(draft: &ApplicationDraft, application_date: Date) -> Result<Application, Vec<FieldError>> {
        let mut errors = Errors::default();
        let kind = errors.take(DocumentKind::parse(&draft.document_kind));

        let family_name = errors.take(FamilyName::parse(&draft.family_name));
        let birth_name = errors.optional(&draft.birth_name, BirthName::parse);
        let given_names = errors.take(GivenNames::parse(&draft.given_names));
        let doctoral_degree = errors.optional(&draft.doctoral_degree, DoctoralDegree::parse);
        let religious_name = errors.optional(&draft.religious_name, ReligiousName::parse);
        let date_of_birth = errors.take(DateOfBirth::parse(&draft.date_of_birth)).filter(|birth| {
            let in_future = birth.is_after(application_date);
            if in_future {
                errors.push(Field::DateOfBirth, FieldErrorKind::DateInFuture);
            }
            !in_future
        });
        let place_of_birth = errors.take(PlaceOfBirth::parse(&draft.place_of_birth));
        let sex = match (given(&draft.sex), kind) {
            (None, Some(kind)) if kind.is_passport() => {
                errors.push(Field::Sex, FieldErrorKind::RequiredForPassport);
                None
            }
            (None, _) => Some(None),
            (Some(raw), _) => errors.take(Sex::parse(raw)).map(Some),
        };
        let height = errors.take(Height::parse(&draft.height));
        let eye_colour = errors.take(EyeColour::parse(&draft.eye_colour));
        let residence = if draft.no_residence_in_germany {
            for (field, value) in
                [(Field::Street, &draft.street), (Field::PostalCode, &draft.postal_code), (Field::Place, &draft.place)]
            {
                if given(value).is_some() {
                    errors.push(field, FieldErrorKind::NotExpected);
                }
            }
            Some(Residence::NoResidenceInGermany)
        } else {
            let part = |v: &Option<String>| given(v).unwrap_or_default().to_owned();
            errors
                .take_all(Address::parse(&part(&draft.street), &part(&draft.postal_code), &part(&draft.place)))
                .map(Residence::Germany)
        };
        let nationality = errors.take(Nationality::parse(&draft.nationality));
        let current_document = errors.take_all(CurrentDocument::parse(
            given(&draft.current_document_kind),
            given(&draft.current_document_serial),
        ));

        if let Some(family) = &family_name {
            let degree = doctoral_degree.as_ref().and_then(Option::as_ref);
            let birth = birth_name.as_ref().and_then(Option::as_ref);
            if names_together_len(family, degree, birth) > MAX_NAMES_TOGETHER {
                errors.push(Field::FamilyName, FieldErrorKind::NamesTooLong { max: MAX_NAMES_TOGETHER as u32 });
            }
        }

        let derived = match (kind, &date_of_birth) {
            (Some(kind), Some(birth)) => Some(rules::derive(kind, birth, application_date)),
            _ => None,
        };

        let custodian = Self::check_custodian(draft, derived.map(|r| r.applies), &mut errors);
        let pickup = Self::check_pickup(draft, kind, residence.as_ref(), &mut errors);

        let pin_letter_handed_over = match derived.map(|r| r.pin_letter) {
            Some(PinLetter::HandOverAtApplication) if !draft.pin_letter_handed_over => {
                errors.push(Field::PinLetterHandedOver, FieldErrorKind::PinLetterNotConfirmed);
                false
            }
            Some(PinLetter::HandOverAtApplication) => true,
            // No letter to hand over: a stray tick from another document kind records nothing.
            _ => false,
        };

        let fee = match (kind, &date_of_birth, &pickup) {
            (Some(kind), Some(birth), Some(pickup)) => {
                let options = FeeOptions {
                    photo_in_office: draft.photo_in_office,
                    direct_delivery: *pickup == Pickup::DirectDelivery,
                };
                errors.take(fee(kind, options, birth, application_date))
            }
            _ => None,
        };

        let mut errors = errors.0;
        if !errors.is_empty() {
            errors.sort_by_key(|e| e.field);
            errors.dedup();
            return Err(errors);
        }
        let applicant = Applicant {
            family_name: present(family_name),
            birth_name: present(birth_name),
            given_names: present(given_names),
            doctoral_degree: present(doctoral_degree),
            religious_name: present(religious_name),
            date_of_birth: present(date_of_birth),
            place_of_birth: present(place_of_birth),
            sex: present(sex),
            height: present(height),
            eye_colour: present(eye_colour),
            residence: present(residence),
            nationality: present(nationality),
            current_document: present(current_document),
        };
        Ok(Application {
            application_date,
            document_kind: present(kind),
            applicant,
            custodian: present(custodian),
            pickup: present(pickup),
            photo_in_office: draft.photo_in_office,
            pin_letter_handed_over,
            rules: present(derived),
            fee: present(fee),
        })
    }

    /// Mandatory when the custodian applies; taken when given otherwise (16–17 year olds may bring
    /// theirs for an ID card).
    fn check_custodian(
        draft: &ApplicationDraft,
        applies: Option<Applies>,
        errors: &mut Errors,
    ) -> Option<Option<Custodian>> {
        let (family, given_names) = (given(&draft.custodian_family_name), given(&draft.custodian_given_names));
        if family.is_none() && given_names.is_none() {
            if let Some(Applies::Custodian { under }) = applies {
                errors.push(Field::CustodianFamilyName, FieldErrorKind::CustodianRequired { under });
                errors.push(Field::CustodianGivenNames, FieldErrorKind::CustodianRequired { under });
                return None;
            }
            return Some(None);
        }
        let family =
            errors.take(FamilyName::parse(family.unwrap_or_default()).map_err(|e| e.on(Field::CustodianFamilyName)));
        let given_names = errors
            .take(GivenNames::parse(given_names.unwrap_or_default()).map_err(|e| e.on(Field::CustodianGivenNames)));
        Some(Some(Custodian { family_name: family?, given_names: given_names? }))
    }

    fn check_pickup(
        draft: &ApplicationDraft,
        kind: Option<DocumentKind>,
        residence: Option<&Residence>,
        errors: &mut Errors,
    ) -> Option<Pickup> {
        let temporary = kind.is_some_and(DocumentKind::is_temporary);
        match draft.pickup.trim() {
            "" if temporary => Some(Pickup::Counter),
            "" => {
                errors.push(Field::Pickup, FieldErrorKind::Required);
                None
            }
            "counter" => Some(Pickup::Counter),
            "pickup_box" => {
                if let Some(kind) = kind {
                    if let Err(error) = rules::pickup_box(kind) {
                        errors.push(Field::Pickup, error);
                    }
                }
                if !draft.pickup_consent {
                    errors.push(Field::PickupConsent, FieldErrorKind::ConsentMissing);
                }
                let mobile = errors.take(MobileNumber::parse(given(&draft.mobile_number).unwrap_or_default()))?;
                draft.pickup_consent.then_some(Pickup::PickupBox { mobile })
            }
            "direct_delivery" => {
                if matches!(residence, Some(Residence::NoResidenceInGermany)) {
                    errors.push(Field::Pickup, FieldErrorKind::NeedsGermanAddress);
                    return None;
                }
                Some(Pickup::DirectDelivery)
            }
            _ => {
                errors.push(Field::Pickup, FieldErrorKind::UnknownValue);
                None
            }
        }
    }

    pub fn application_date(&self) -> Date {
        self.application_date
    }

    pub fn document_kind(&self) -> DocumentKind {
        self.document_kind
    }

    pub fn applicant(&self) -> &Applicant {
        &self.applicant
    }

    pub fn custodian(&self) -> Option<&Custodian> {
        self.custodian.as_ref()
    }

    pub fn pickup(&self) -> &Pickup {
        &self.pickup
    }

    pub fn photo_in_office(&self) -> bool {
        self.photo_in_office
    }

    pub fn pin_letter_handed_over(&self) -> bool {
        self.pin_letter_handed_over
    }

    pub fn rules(&self) -> &DerivedRules {
        &self.rules
    }

    pub fn fee(&self) -> &FeeBreakdown {
        &self.fee
    }

    /// The application as a form again, e.g. to correct one the producer rejected. Validating the
    /// result on the same date gives the same application.
    pub fn to_draft(&self) -> ApplicationDraft {
        let a = &self.applicant;
        let text = |v: &dyn fmt::Display| v.to_string();
        let address = a.residence.address();
        ApplicationDraft {
            document_kind: self.document_kind.key().into(),
            family_name: text(&a.family_name),
            birth_name: a.birth_name.as_ref().map(|v| text(v)),
            given_names: text(&a.given_names),
            doctoral_degree: a.doctoral_degree.as_ref().map(|v| text(v)),
            religious_name: a.religious_name.as_ref().map(|v| text(v)),
            date_of_birth: text(&a.date_of_birth),
            place_of_birth: text(&a.place_of_birth),
            sex: a.sex.map(|v| text(&v)),
            height: text(&a.height),
            eye_colour: text(&a.eye_colour),
            no_residence_in_germany: address.is_none(),
            street: address.map(|ad| text(&ad.street)),
            postal_code: address.map(|ad| text(&ad.postal_code)),
            place: address.map(|ad| text(&ad.place)),
            nationality: text(&a.nationality),
            current_document_kind: a.current_document.as_ref().map(|d| d.kind.key().into()),
            current_document_serial: a.current_document.as_ref().map(|d| text(&d.serial)),
            custodian_family_name: self.custodian.as_ref().map(|c| text(&c.family_name)),
            custodian_given_names: self.custodian.as_ref().map(|c| text(&c.given_names)),
            pickup: self.pickup.key().into(),
            mobile_number: match &self.pickup {
                Pickup::PickupBox { mobile } => Some(text(mobile)),
                _ => None,
            },
            pickup_consent: matches!(self.pickup, Pickup::PickupBox { .. }),
            photo_in_office: self.photo_in_office,
            pin_letter_handed_over: self.pin_letter_handed_over,
        }
    }
}

#[cfg(test)]
mod tests;
