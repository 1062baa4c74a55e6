use proptest::prelude::*;
use time::macros::date;

use super::*;
use crate::rules::{Eid, Fingerprints, Signature, Validity};
use crate::FeeItem;

const TODAY: Date = date!(2026 - 03 - 02);

/// Erika Mustermann, adult, passport, pickup at the counter: everything given and valid.
fn adult_passport() -> ApplicationDraft {
    ApplicationDraft {
        document_kind: "passport32".into(),
        family_name: "Mustermann".into(),
        birth_name: Some("Gabler".into()),
        given_names: "Erika".into(),
        doctoral_degree: None,
        religious_name: None,
        date_of_birth: "12.08.1964".into(),
        place_of_birth: "Berlin".into(),
        sex: Some("001".into()),
        height: "160".into(),
        eye_colour: "grün".into(),
        no_residence_in_germany: false,
        street: Some("Heidestraße 17".into()),
        postal_code: Some("51147".into()),
        place: Some("Köln".into()),
        nationality: "deutsch".into(),
        current_document_kind: Some("passport".into()),
        current_document_serial: Some("C01X00T47".into()),
        custodian_family_name: None,
        custodian_given_names: None,
        pickup: "counter".into(),
        mobile_number: None,
        pickup_consent: false,
        photo_in_office: false,
        pin_letter_handed_over: false,
    }
}

/// A 15-year-old's ID card: eID off, the custodian applies, PIN letter handed over.
fn teen_id_card() -> ApplicationDraft {
    ApplicationDraft {
        document_kind: "id_card".into(),
        given_names: "Lena".into(),
        birth_name: None,
        date_of_birth: "2010-09-01".into(),
        sex: None,
        current_document_kind: None,
        current_document_serial: None,
        custodian_family_name: Some("Mustermann".into()),
        custodian_given_names: Some("Erika".into()),
        pin_letter_handed_over: true,
        ..adult_passport()
    }
}

fn errors_of(draft: &ApplicationDraft) -> Vec<(Field, FieldErrorKind)> {
    Application::validate(draft, TODAY).unwrap_err().into_iter().map(|e| (e.field, e.kind)).collect()
}

fn refused(draft: &ApplicationDraft, field: Field, kind: FieldErrorKind) {
    let errors = errors_of(draft);
    assert!(errors.contains(&(field, kind)), "expected {field:?} {kind:?}, got {errors:?}");
}

#[test]
fn a_full_adult_passport_application() {
    let application = Application::validate(&adult_passport(), TODAY).unwrap();
    assert_eq!(application.document_kind(), DocumentKind::Passport32);
    assert_eq!(application.applicant().family_name.as_str(), "Mustermann");
    assert_eq!(application.applicant().sex, Some(Sex::Female));
    let rules = application.rules();
    assert_eq!(rules.age, 61);
    assert_eq!(rules.validity, Validity::TenYears);
    assert_eq!(rules.eid, Eid::NoEid);
    assert_eq!(rules.fingerprints, Fingerprints::Required);
    assert_eq!(rules.signature, Signature::Required);
    assert_eq!(rules.applies, Applies::Themselves);
    assert_eq!(application.fee().total_cents, 70_00);
    assert_eq!(application.custodian(), None);
    assert!(!application.pin_letter_handed_over());
}

#[test]
fn a_15_year_olds_id_card() {
    let application = Application::validate(&teen_id_card(), TODAY).unwrap();
    let rules = application.rules();
    assert_eq!(rules.age, 15);
    assert_eq!(rules.eid, Eid::OffUnder16);
    assert_eq!(rules.validity, Validity::SixYearsUnder24);
    assert_eq!(rules.applies, Applies::Custodian { under: 16 });
    assert_eq!(rules.pin_letter, PinLetter::HandOverAtApplication);
    assert!(application.pin_letter_handed_over());
    assert_eq!(application.custodian().unwrap().given_names.as_str(), "Erika");
    assert_eq!(application.fee().total_cents, 27_60);
}

#[test]
fn all_field_errors_come_at_once_in_form_order() {
    let draft = ApplicationDraft {
        document_kind: "passport48".into(),
        family_name: "Muster1".into(),
        given_names: String::new(),
        date_of_birth: "2001-02-29".into(),
        place_of_birth: "".into(),
        sex: None,
        height: "1,60".into(),
        eye_colour: "".into(),
        postal_code: Some("5114".into()),
        nationality: "FRA".into(),
        current_document_serial: Some("C01X00T4".into()),
        pickup: "".into(),
        ..adult_passport()
    };
    let errors = errors_of(&draft);
    assert_eq!(
        errors,
        [
            (Field::FamilyName, FieldErrorKind::InvalidCharacters),
            (Field::GivenNames, FieldErrorKind::Required),
            (Field::DateOfBirth, FieldErrorKind::NoSuchDate),
            (Field::PlaceOfBirth, FieldErrorKind::Required),
            (Field::Sex, FieldErrorKind::RequiredForPassport),
            (Field::Height, FieldErrorKind::InvalidFormat),
            (Field::EyeColour, FieldErrorKind::Required),
            (Field::PostalCode, FieldErrorKind::InvalidFormat),
            (Field::Nationality, FieldErrorKind::NotGerman),
            (Field::CurrentDocumentSerial, FieldErrorKind::InvalidFormat),
            (Field::Pickup, FieldErrorKind::Required),
        ]
    );
    let an_error = &Application::validate(&draft, TODAY).unwrap_err()[0];
    assert_eq!(an_error.message_de(), "Familienname: Enthält unzulässige Zeichen; erlaubt sind lateinische Buchstaben (auch mit Akzent), Leerzeichen und je nach Feld Bindestrich, Apostroph, Punkt, Klammern, Schrägstrich oder Ziffern.");
}

/// Every field rule has a test that a bad value is refused with its field named.
#[test]
fn every_field_refuses_a_bad_value_by_name() {
    let base = adult_passport();
    let cases: Vec<(ApplicationDraft, Field, FieldErrorKind)> = vec![
        (
            ApplicationDraft { document_kind: "kinderreisepass".into(), ..base.clone() },
            Field::DocumentKind,
            FieldErrorKind::UnknownValue,
        ),
        (
            ApplicationDraft { family_name: "x".repeat(121), ..base.clone() },
            Field::FamilyName,
            FieldErrorKind::TooLong { max: 120 },
        ),
        (
            ApplicationDraft { birth_name: Some("b".repeat(76)), ..base.clone() },
            Field::BirthName,
            FieldErrorKind::TooLong { max: 75 },
        ),
        (
            ApplicationDraft { given_names: "Erika3".into(), ..base.clone() },
            Field::GivenNames,
            FieldErrorKind::InvalidCharacters,
        ),
        (
            ApplicationDraft { doctoral_degree: Some("Prof.".into()), ..base.clone() },
            Field::DoctoralDegree,
            FieldErrorKind::UnrecognisedDegree,
        ),
        (
            ApplicationDraft { religious_name: Some("r".repeat(61)), ..base.clone() },
            Field::ReligiousName,
            FieldErrorKind::TooLong { max: 60 },
        ),
        (
            ApplicationDraft { date_of_birth: "2026-03-03".into(), ..base.clone() },
            Field::DateOfBirth,
            FieldErrorKind::DateInFuture,
        ),
        (
            ApplicationDraft { date_of_birth: "2000-XX-01".into(), ..base.clone() },
            Field::DateOfBirth,
            FieldErrorKind::DayWithoutMonth,
        ),
        (
            ApplicationDraft { place_of_birth: "p".repeat(81), ..base.clone() },
            Field::PlaceOfBirth,
            FieldErrorKind::TooLong { max: 80 },
        ),
        (ApplicationDraft { sex: Some("9".into()), ..base.clone() }, Field::Sex, FieldErrorKind::UnknownValue),
        (
            ApplicationDraft { height: "300".into(), ..base.clone() },
            Field::Height,
            FieldErrorKind::OutOfRange { min: 30, max: 260 },
        ),
        (
            ApplicationDraft { eye_colour: "e".repeat(20), ..base.clone() },
            Field::EyeColour,
            FieldErrorKind::TooLong { max: 19 },
        ),
        (
            ApplicationDraft { street: Some("s".repeat(51)), ..base.clone() },
            Field::Street,
            FieldErrorKind::TooLong { max: 50 },
        ),
        (ApplicationDraft { street: None, ..base.clone() }, Field::Street, FieldErrorKind::Required),
        (
            ApplicationDraft { postal_code: Some("D-51147".into()), ..base.clone() },
            Field::PostalCode,
            FieldErrorKind::InvalidFormat,
        ),
        (
            ApplicationDraft { place: Some("p".repeat(44)), ..base.clone() },
            Field::Place,
            FieldErrorKind::TooLong { max: 43 },
        ),
        (ApplicationDraft { nationality: "".into(), ..base.clone() }, Field::Nationality, FieldErrorKind::Required),
        (
            ApplicationDraft { current_document_kind: Some("führerschein".into()), ..base.clone() },
            Field::CurrentDocumentKind,
            FieldErrorKind::UnknownValue,
        ),
        (
            ApplicationDraft { current_document_kind: None, ..base.clone() },
            Field::CurrentDocumentKind,
            FieldErrorKind::Required,
        ),
        (
            ApplicationDraft { current_document_serial: None, ..base.clone() },
            Field::CurrentDocumentSerial,
            FieldErrorKind::Required,
        ),
        (ApplicationDraft { pickup: "post".into(), ..base.clone() }, Field::Pickup, FieldErrorKind::UnknownValue),
        (
            ApplicationDraft {
                pickup: "pickup_box".into(),
                mobile_number: Some("0211 899100".into()),
                pickup_consent: true,
                ..base.clone()
            },
            Field::MobileNumber,
            FieldErrorKind::NotMobile,
        ),
        (
            ApplicationDraft { pickup: "pickup_box".into(), mobile_number: None, pickup_consent: true, ..base.clone() },
            Field::MobileNumber,
            FieldErrorKind::Required,
        ),
        (
            ApplicationDraft {
                pickup: "pickup_box".into(),
                mobile_number: Some("0151 23456789".into()),
                ..base.clone()
            },
            Field::PickupConsent,
            FieldErrorKind::ConsentMissing,
        ),
        (
            ApplicationDraft {
                custodian_family_name: Some("Muster#".into()),
                custodian_given_names: Some("Erika".into()),
                ..teen_id_card()
            },
            Field::CustodianFamilyName,
            FieldErrorKind::InvalidCharacters,
        ),
        (
            ApplicationDraft { custodian_given_names: Some("".into()), ..teen_id_card() },
            Field::CustodianGivenNames,
            FieldErrorKind::Required,
        ),
        (
            ApplicationDraft { pin_letter_handed_over: false, ..teen_id_card() },
            Field::PinLetterHandedOver,
            FieldErrorKind::PinLetterNotConfirmed,
        ),
    ];
    for (draft, field, kind) in &cases {
        refused(draft, *field, *kind);
        let error = Application::validate(draft, TODAY).unwrap_err().into_iter().find(|e| e.field == *field).unwrap();
        assert!(error.message_de().starts_with(field.label_de()));
        assert!(error.message_en().starts_with(field.label_en()));
    }
}

#[test]
fn sex_is_mandatory_for_passports_only() {
    for kind in ["passport32", "express_passport48", "temporary_passport"] {
        refused(
            &ApplicationDraft { document_kind: kind.into(), sex: None, ..adult_passport() },
            Field::Sex,
            FieldErrorKind::RequiredForPassport,
        );
    }
    let id_card = ApplicationDraft {
        document_kind: "id_card".into(),
        sex: Some("  ".into()),
        pin_letter_handed_over: true,
        ..adult_passport()
    };
    assert_eq!(Application::validate(&id_card, TODAY).unwrap().applicant().sex, None);
}

#[test]
fn custodian_is_required_under_16_for_id_cards_and_under_18_for_passports() {
    let no_custodian = ApplicationDraft { custodian_family_name: None, custodian_given_names: None, ..teen_id_card() };
    refused(&no_custodian, Field::CustodianFamilyName, FieldErrorKind::CustodianRequired { under: 16 });
    refused(&no_custodian, Field::CustodianGivenNames, FieldErrorKind::CustodianRequired { under: 16 });
    // 16 on the application date: applies alone for an ID card, not for a passport.
    let sixteen = ApplicationDraft { date_of_birth: "2010-03-02".into(), ..no_custodian.clone() };
    assert!(Application::validate(&sixteen, TODAY).is_ok());
    let passport = ApplicationDraft { document_kind: "passport32".into(), sex: Some("002".into()), ..sixteen.clone() };
    refused(&passport, Field::CustodianFamilyName, FieldErrorKind::CustodianRequired { under: 18 });
    // The day before the 16th birthday.
    let day_before = ApplicationDraft { date_of_birth: "2010-03-03".into(), ..no_custodian };
    refused(&day_before, Field::CustodianFamilyName, FieldErrorKind::CustodianRequired { under: 16 });
}

#[test]
fn names_together_are_limited_to_120() {
    let draft = ApplicationDraft {
        family_name: "f".repeat(100),
        doctoral_degree: Some("Dr.".into()),
        birth_name: Some("b".repeat(15)),
        ..adult_passport()
    };
    // 100 + 1 + 3 + 1 + 15 = 120
    assert!(Application::validate(&draft, TODAY).is_ok());
    let draft = ApplicationDraft { birth_name: Some("b".repeat(16)), ..draft };
    refused(&draft, Field::FamilyName, FieldErrorKind::NamesTooLong { max: 120 });
}

#[test]
fn no_residence_in_germany_takes_no_address_and_no_direct_delivery() {
    let abroad = ApplicationDraft {
        no_residence_in_germany: true,
        street: None,
        postal_code: None,
        place: None,
        ..adult_passport()
    };
    let application = Application::validate(&abroad, TODAY).unwrap();
    assert_eq!(application.applicant().residence, Residence::NoResidenceInGermany);
    let with_street = ApplicationDraft { street: Some("Rue de Rivoli 1".into()), ..abroad.clone() };
    refused(&with_street, Field::Street, FieldErrorKind::NotExpected);
    let delivered = ApplicationDraft { pickup: "direct_delivery".into(), ..abroad };
    refused(&delivered, Field::Pickup, FieldErrorKind::NeedsGermanAddress);
}

#[test]
fn pickup_ways() {
    let box_ = ApplicationDraft {
        pickup: "pickup_box".into(),
        mobile_number: Some("0151 23456789".into()),
        pickup_consent: true,
        ..adult_passport()
    };
    let application = Application::validate(&box_, TODAY).unwrap();
    assert_eq!(application.pickup(), &Pickup::PickupBox { mobile: MobileNumber::parse("+4915123456789").unwrap() });

    let direct = ApplicationDraft { pickup: "direct_delivery".into(), ..adult_passport() };
    let application = Application::validate(&direct, TODAY).unwrap();
    assert_eq!(application.fee().total_cents, 70_00 + 15_00);
    refused(
        &ApplicationDraft { document_kind: "express_passport32".into(), ..direct.clone() },
        Field::Pickup,
        FieldErrorKind::NotOfferedForDocument,
    );
    refused(
        &ApplicationDraft {
            date_of_birth: "2009-01-01".into(),
            custodian_family_name: Some("Mustermann".into()),
            custodian_given_names: Some("Erika".into()),
            ..direct.clone()
        },
        Field::Pickup,
        FieldErrorKind::TooYoung { min_age: 18 },
    );
    assert!(Application::validate(&direct, date!(2025 - 04 - 30))
        .unwrap_err()
        .contains(&FieldError::new(Field::Pickup, FieldErrorKind::NotOfferedOnDate)));

    // A document issued on the spot goes over the counter, with no choice to make.
    let temporary =
        ApplicationDraft { document_kind: "temporary_passport".into(), pickup: "".into(), ..adult_passport() };
    assert_eq!(Application::validate(&temporary, TODAY).unwrap().pickup(), &Pickup::Counter);
    refused(
        &ApplicationDraft {
            pickup: "pickup_box".into(),
            mobile_number: Some("0151 23456789".into()),
            pickup_consent: true,
            ..temporary
        },
        Field::Pickup,
        FieldErrorKind::NotOfferedForDocument,
    );
}

#[test]
fn the_pin_letter_is_recorded_only_where_there_is_one() {
    // Before 17.02.2025 the producer sent it.
    let early = ApplicationDraft { pin_letter_handed_over: false, ..teen_id_card() };
    let application = Application::validate(&early, date!(2025 - 02 - 16)).unwrap();
    assert_eq!(application.rules().pin_letter, PinLetter::SentByProducer);
    assert!(!application.pin_letter_handed_over());
    assert!(Application::validate(&early, date!(2025 - 02 - 17)).is_err());
    // A passport has none: a stray tick records nothing.
    let passport = ApplicationDraft { pin_letter_handed_over: true, ..adult_passport() };
    assert!(!Application::validate(&passport, TODAY).unwrap().pin_letter_handed_over());
}

#[test]
fn fees_follow_the_application_date_and_the_photo() {
    let id_card = ApplicationDraft {
        document_kind: "id_card".into(),
        pin_letter_handed_over: true,
        photo_in_office: true,
        ..adult_passport()
    };
    let before = Application::validate(&id_card, date!(2026 - 02 - 06)).unwrap();
    let after = Application::validate(&id_card, date!(2026 - 02 - 07)).unwrap();
    assert_eq!(before.fee().total_cents, 37_00 + 6_00);
    assert_eq!(after.fee().total_cents, 46_00 + 6_00);
    assert_eq!(after.fee().lines[1].item, FeeItem::PhotoInOffice);
    let errors = Application::validate(&id_card, date!(2024 - 12 - 31)).unwrap_err();
    assert!(errors.contains(&FieldError::new(Field::ApplicationDate, FieldErrorKind::NoFeeOnDate)));
}

#[test]
fn the_draft_of_an_application_validates_to_the_same_application() {
    for draft in [adult_passport(), teen_id_card()] {
        let application = Application::validate(&draft, TODAY).unwrap();
        assert_eq!(Application::validate(&application.to_draft(), TODAY).unwrap(), application);
    }
}

#[test]
fn serde_round_trips_and_debug_hides_personal_data() {
    let application = Application::validate(&teen_id_card(), TODAY).unwrap();
    let json = serde_json::to_string(&application).unwrap();
    assert!(json.contains("\"application_date\":\"2026-03-02\""));
    assert_eq!(serde_json::from_str::<Application>(&json).unwrap(), application);
    let debug = format!("{application:?} {:?} {:?}", teen_id_card(), application.applicant());
    for secret in ["Mustermann", "Lena", "Erika", "Berlin", "Köln", "51147", "2010", "Heidestraße"] {
        assert!(!debug.contains(secret), "{secret} in {debug}");
    }
    // The desk sends partial JSON: missing keys are empty.
    let draft: ApplicationDraft = serde_json::from_str(r#"{"document_kind": "id_card"}"#).unwrap();
    assert_eq!(draft.family_name, "");
}

fn text(max: usize) -> impl Strategy<Value = String> {
    proptest::string::string_regex(&format!("[A-Za-zäöüß0-9 .'-]{{0,{max}}}")).unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    /// Whatever is typed, validation either refuses with errors that each name a field, or accepts
    /// an application whose draft validates to itself.
    #[test]
    fn validation_is_total_and_stable(
        family in text(40), given in text(30), birth in "[0-9X.-]{0,12}", height in "[0-9-]{0,4}",
        kind in 0usize..7, pickup in prop_oneof![Just(""), Just("counter"), Just("pickup_box"), Just("direct_delivery")],
        photo in any::<bool>(), pin in any::<bool>(),
    ) {
        let draft = ApplicationDraft {
            document_kind: DocumentKind::ALL[kind].key().into(),
            family_name: family, given_names: given, date_of_birth: birth, height,
            pickup: pickup.into(), mobile_number: Some("0171 2345678".into()), pickup_consent: true,
            photo_in_office: photo, pin_letter_handed_over: pin,
            ..teen_id_card()
        };
        match Application::validate(&draft, TODAY) {
            Ok(application) => {
                prop_assert_eq!(Application::validate(&application.to_draft(), TODAY).unwrap(), application.clone());
                prop_assert!(application.fee().total_cents > 0);
            }
            Err(errors) => {
                prop_assert!(!errors.is_empty());
                for error in errors {
                    prop_assert!(!error.message_de().is_empty() && !error.message_en().is_empty());
                }
            }
        }
    }
}
