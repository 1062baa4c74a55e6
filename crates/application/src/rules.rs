//! What follows from the document, the birth date and the application date alone: pure functions,
//! sources in domain.md §2.4, §3.3, §3.4, §3.6.
//!
//! Ages are completed years on the application date ([`crate::dates::completed_years`]) for the birth
//! date [`DateOfBirth::assumed_for_age`] gives: with an unknown day or month, the latest possible one.

use serde::{Deserialize, Serialize};
use time::macros::date;
use time::Date;

use crate::dates::{completed_years, corresponding_day, iso_date};
use crate::{DateOfBirth, DocumentKind, FieldErrorKind};

/// Under this age ID card and passport are valid 6 years instead of 10 (PAuswG §6, PassG §5), and the
/// lower fee applies (PassV §15, PAuswGebV).
pub const FULL_VALIDITY_FROM_AGE: u32 = 24;
/// The eID function is switched off under 16 (PAuswG §10(1)–(3)).
pub const EID_FROM_AGE: u32 = 16;
/// No fingerprints under 6 (PAuswG §5(9), PassG §4(4)).
pub const FINGERPRINTS_FROM_AGE: u32 = 6;
/// Children sign from 10 (PAuswG §9(5)).
pub const SIGNATURE_FROM_AGE: u32 = 10;
/// For an ID card, 16 and 17 year olds apply themselves (PAuswG §9).
pub const ID_CARD_OWN_APPLICATION_FROM_AGE: u32 = 16;
/// For a passport, minors need the custodian (PassG §6).
pub const PASSPORT_OWN_APPLICATION_FROM_AGE: u32 = 18;
/// Direct delivery: ID card from 16, passport from 18 (domain.md §3.5).
pub const DIRECT_DELIVERY_ID_CARD_FROM_AGE: u32 = 16;
pub const DIRECT_DELIVERY_PASSPORT_FROM_AGE: u32 = 18;
/// Since this day the PIN letter is handed over at the application (domain.md §3.6).
pub const PIN_LETTER_AT_APPLICATION_SINCE: Date = date!(2025 - 02 - 17);

/// The age the rules use: completed years on `on`, conservatively for a partial birth date.
pub fn age_on(birth: &DateOfBirth, on: Date) -> u32 {
    completed_years(birth.assumed_for_age(on), on)
}

/// How long a document is valid.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Validity {
    /// 10 years, applicant 24 or older.
    TenYears,
    /// 6 years, applicant under 24 at the application.
    SixYearsUnder24,
    /// Vorläufiger Personalausweis: at most 3 months (PAuswG §6(4)).
    TemporaryIdCardThreeMonths,
    /// Vorläufiger Reisepass: at most 1 year (PassG §5(3)).
    TemporaryPassportOneYear,
}

impl Validity {
    pub fn months(self) -> u32 {
        match self {
            Validity::TenYears => 120,
            Validity::SixYearsUnder24 => 72,
            Validity::TemporaryIdCardThreeMonths => 3,
            Validity::TemporaryPassportOneYear => 12,
        }
    }

    /// The last day the document is valid when issued on `issued_on`: the day before the
    /// corresponding day (issued 10.03.2025 for 10 years → valid until 09.03.2035). domain.md gives
    /// the periods, not the printed date; this is the BGB §187(2)/§188 reckoning.
    pub fn last_valid_day(self, issued_on: Date) -> Date {
        corresponding_day(issued_on, self.months()).previous_day().expect("dates far from the calendar's end")
    }

    pub fn label_de(self) -> &'static str {
        match self {
            Validity::TenYears => "10 Jahre",
            Validity::SixYearsUnder24 => "6 Jahre (unter 24)",
            Validity::TemporaryIdCardThreeMonths => "höchstens 3 Monate",
            Validity::TemporaryPassportOneYear => "höchstens 1 Jahr",
        }
    }
}

pub fn validity(kind: DocumentKind, birth: &DateOfBirth, application_date: Date) -> Validity {
    match kind {
        DocumentKind::TemporaryIdCard => Validity::TemporaryIdCardThreeMonths,
        DocumentKind::TemporaryPassport => Validity::TemporaryPassportOneYear,
        _ if age_on(birth, application_date) < FULL_VALIDITY_FROM_AGE => Validity::SixYearsUnder24,
        _ => Validity::TenYears,
    }
}

/// The eID function of an ID card (XhD `NutzungElektronischeID`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Eid {
    On,
    /// The producer switches it off; it can be switched on from 16.
    OffUnder16,
    /// Passports and the vorläufiger Personalausweis have none.
    NoEid,
}

pub fn eid(kind: DocumentKind, birth: &DateOfBirth, application_date: Date) -> Eid {
    match kind {
        DocumentKind::IdCard if age_on(birth, application_date) < EID_FROM_AGE => Eid::OffUnder16,
        DocumentKind::IdCard => Eid::On,
        _ => Eid::NoEid,
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Fingerprints {
    /// Two flat prints (index fingers, or thumb, middle or ring finger instead) for the chip.
    Required,
    NotUnder6,
    /// Vorläufige documents carry no chip, so no fingerprints are taken. An inference: domain.md ties
    /// fingerprints to the chip (§3.1) but does not name the temporary documents.
    NoChip,
}

pub fn fingerprints(kind: DocumentKind, birth: &DateOfBirth, application_date: Date) -> Fingerprints {
    if kind.is_temporary() {
        Fingerprints::NoChip
    } else if age_on(birth, application_date) < FINGERPRINTS_FROM_AGE {
        Fingerprints::NotUnder6
    } else {
        Fingerprints::Required
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Signature {
    Required,
    NotUnder10,
}

pub fn signature(birth: &DateOfBirth, application_date: Date) -> Signature {
    if age_on(birth, application_date) < SIGNATURE_FROM_AGE {
        Signature::NotUnder10
    } else {
        Signature::Required
    }
}

/// Who applies (domain.md §3.4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Applies {
    Themselves,
    /// The custodian (Sorgeberechtigte) applies for the minor: under 16 for an ID card, under 18 for
    /// a passport.
    Custodian {
        under: u32,
    },
}

pub fn applies(kind: DocumentKind, birth: &DateOfBirth, application_date: Date) -> Applies {
    let from = if kind.is_id_card() { ID_CARD_OWN_APPLICATION_FROM_AGE } else { PASSPORT_OWN_APPLICATION_FROM_AGE };
    if age_on(birth, application_date) < from {
        Applies::Custodian { under: from }
    } else {
        Applies::Themselves
    }
}

/// What happens with the PIN letter (domain.md §3.6).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PinLetter {
    /// Since 17.02.2025, to every ID card applicant regardless of age; the application records it.
    HandOverAtApplication,
    /// Before 17.02.2025 the producer sent it (XhD: PIN-letter delivery and return address).
    SentByProducer,
    /// Passports and the vorläufiger Personalausweis have no eID, hence no PIN letter.
    None,
}

pub fn pin_letter(kind: DocumentKind, application_date: Date) -> PinLetter {
    match kind {
        DocumentKind::IdCard if application_date >= PIN_LETTER_AT_APPLICATION_SINCE => PinLetter::HandOverAtApplication,
        DocumentKind::IdCard => PinLetter::SentByProducer,
        _ => PinLetter::None,
    }
}

/// Whether direct delivery may be chosen, apart from the date it is offered from (that is the fee
/// table's `DirectDelivery` row). Not for documents issued on the spot, not for express orders, ID
/// card from 16, passport from 18 (domain.md §3.5).
pub fn direct_delivery(kind: DocumentKind, birth: &DateOfBirth, application_date: Date) -> Result<(), FieldErrorKind> {
    if kind.is_temporary() || kind.is_express() {
        return Err(FieldErrorKind::NotOfferedForDocument);
    }
    let min_age = if kind.is_id_card() { DIRECT_DELIVERY_ID_CARD_FROM_AGE } else { DIRECT_DELIVERY_PASSPORT_FROM_AGE };
    if age_on(birth, application_date) < min_age {
        return Err(FieldErrorKind::TooYoung { min_age });
    }
    Ok(())
}

/// The pickup box holds ordered documents; one issued on the spot is handed over at once.
pub fn pickup_box(kind: DocumentKind) -> Result<(), FieldErrorKind> {
    if kind.is_temporary() {
        Err(FieldErrorKind::NotOfferedForDocument)
    } else {
        Ok(())
    }
}

/// Everything the rules say about one application, as the application records it.
#[derive(Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct DerivedRules {
    /// Completed years on the application date (conservative for a partial birth date).
    pub age: u32,
    /// The birth date the age is computed from.
    #[serde(with = "iso_date")]
    pub assumed_birth_date: Date,
    pub validity: Validity,
    pub eid: Eid,
    pub fingerprints: Fingerprints,
    pub signature: Signature,
    pub applies: Applies,
    pub pin_letter: PinLetter,
}

impl std::fmt::Debug for DerivedRules {
    // The assumed birth date is personal data.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DerivedRules")
            .field("validity", &self.validity)
            .field("eid", &self.eid)
            .field("fingerprints", &self.fingerprints)
            .field("signature", &self.signature)
            .field("applies", &self.applies)
            .field("pin_letter", &self.pin_letter)
            .finish_non_exhaustive()
    }
}

pub fn derive(kind: DocumentKind, birth: &DateOfBirth, application_date: Date) -> DerivedRules {
    DerivedRules {
        age: age_on(birth, application_date),
        assumed_birth_date: birth.assumed_for_age(application_date),
        validity: validity(kind, birth, application_date),
        eid: eid(kind, birth, application_date),
        fingerprints: fingerprints(kind, birth, application_date),
        signature: signature(birth, application_date),
        applies: applies(kind, birth, application_date),
        pin_letter: pin_letter(kind, application_date),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn born(raw: &str) -> DateOfBirth {
        DateOfBirth::parse(raw).unwrap()
    }

    /// The day someone born on `birth` turns `years`.
    fn turns(birth: &str, years: u32) -> Date {
        corresponding_day(born(birth).exact().unwrap(), years * 12)
    }

    #[test]
    fn validity_changes_on_the_24th_birthday() {
        let birth = born("2001-06-15");
        let birthday = turns("2001-06-15", 24);
        for kind in [DocumentKind::IdCard, DocumentKind::Passport32, DocumentKind::ExpressPassport48] {
            assert_eq!(validity(kind, &birth, birthday.previous_day().unwrap()), Validity::SixYearsUnder24);
            assert_eq!(validity(kind, &birth, birthday), Validity::TenYears);
        }
        assert_eq!(validity(DocumentKind::TemporaryIdCard, &birth, birthday), Validity::TemporaryIdCardThreeMonths);
        assert_eq!(
            validity(DocumentKind::TemporaryPassport, &born("2020-01-01"), birthday),
            Validity::TemporaryPassportOneYear
        );
    }

    #[test]
    fn leap_day_birth_turns_24_on_the_first_of_march() {
        let birth = born("2004-02-29");
        assert_eq!(validity(DocumentKind::IdCard, &birth, date!(2028 - 02 - 28)), Validity::SixYearsUnder24);
        assert_eq!(validity(DocumentKind::IdCard, &birth, date!(2028 - 02 - 29)), Validity::TenYears);
        let birth = born("2000-02-29");
        assert_eq!(validity(DocumentKind::IdCard, &birth, date!(2024 - 02 - 28)), Validity::SixYearsUnder24);
        assert_eq!(validity(DocumentKind::IdCard, &birth, date!(2024 - 02 - 29)), Validity::TenYears);
        let birth = born("2004-02-29");
        // 2027 is a common year: 23 on 28 Feb, still 23 until 29 Feb 2028 (a leap year).
        assert_eq!(age_on(&birth, date!(2027 - 02 - 28)), 22);
        assert_eq!(age_on(&birth, date!(2027 - 03 - 01)), 23);
    }

    #[test]
    fn last_valid_day_is_the_day_before_the_anniversary() {
        assert_eq!(Validity::TenYears.last_valid_day(date!(2025 - 03 - 10)), date!(2035 - 03 - 09));
        assert_eq!(Validity::SixYearsUnder24.last_valid_day(date!(2025 - 03 - 10)), date!(2031 - 03 - 09));
        assert_eq!(Validity::TenYears.last_valid_day(date!(2024 - 02 - 29)), date!(2034 - 02 - 28));
        assert_eq!(Validity::TemporaryIdCardThreeMonths.last_valid_day(date!(2025 - 11 - 30)), date!(2026 - 02 - 28));
        assert_eq!(Validity::TemporaryIdCardThreeMonths.last_valid_day(date!(2025 - 01 - 15)), date!(2025 - 04 - 14));
        assert_eq!(Validity::TemporaryPassportOneYear.last_valid_day(date!(2025 - 01 - 01)), date!(2025 - 12 - 31));
    }

    #[test]
    fn eid_is_off_under_16_and_only_an_id_card_has_one() {
        let birth = born("2009-05-14");
        let sixteen = turns("2009-05-14", 16);
        assert_eq!(eid(DocumentKind::IdCard, &birth, sixteen.previous_day().unwrap()), Eid::OffUnder16);
        assert_eq!(eid(DocumentKind::IdCard, &birth, sixteen), Eid::On);
        assert_eq!(eid(DocumentKind::TemporaryIdCard, &birth, sixteen), Eid::NoEid);
        assert_eq!(eid(DocumentKind::Passport32, &birth, sixteen), Eid::NoEid);
    }

    #[test]
    fn fingerprints_from_6_and_only_for_chip_documents() {
        let birth = born("2019-03-01");
        let six = turns("2019-03-01", 6);
        assert_eq!(
            fingerprints(DocumentKind::Passport32, &birth, six.previous_day().unwrap()),
            Fingerprints::NotUnder6
        );
        assert_eq!(fingerprints(DocumentKind::Passport32, &birth, six), Fingerprints::Required);
        assert_eq!(fingerprints(DocumentKind::IdCard, &birth, six), Fingerprints::Required);
        assert_eq!(fingerprints(DocumentKind::TemporaryPassport, &birth, six), Fingerprints::NoChip);
        assert_eq!(fingerprints(DocumentKind::TemporaryIdCard, &born("1964-08-12"), six), Fingerprints::NoChip);
    }

    #[test]
    fn signature_from_10() {
        let birth = born("2015-07-31");
        let ten = turns("2015-07-31", 10);
        assert_eq!(signature(&birth, ten.previous_day().unwrap()), Signature::NotUnder10);
        assert_eq!(signature(&birth, ten), Signature::Required);
    }

    #[test]
    fn custodian_applies_under_16_for_id_cards_and_under_18_for_passports() {
        let birth = born("2008-10-01");
        let sixteen = turns("2008-10-01", 16);
        let eighteen = turns("2008-10-01", 18);
        let id = DocumentKind::IdCard;
        assert_eq!(applies(id, &birth, sixteen.previous_day().unwrap()), Applies::Custodian { under: 16 });
        assert_eq!(applies(id, &birth, sixteen), Applies::Themselves);
        assert_eq!(applies(DocumentKind::TemporaryIdCard, &birth, sixteen), Applies::Themselves);
        for kind in [DocumentKind::Passport48, DocumentKind::TemporaryPassport, DocumentKind::ExpressPassport32] {
            assert_eq!(applies(kind, &birth, sixteen), Applies::Custodian { under: 18 });
            assert_eq!(applies(kind, &birth, eighteen.previous_day().unwrap()), Applies::Custodian { under: 18 });
            assert_eq!(applies(kind, &birth, eighteen), Applies::Themselves);
        }
    }

    #[test]
    fn pin_letter_is_handed_over_at_application_from_17_february_2025() {
        assert_eq!(pin_letter(DocumentKind::IdCard, date!(2025 - 02 - 16)), PinLetter::SentByProducer);
        assert_eq!(pin_letter(DocumentKind::IdCard, date!(2025 - 02 - 17)), PinLetter::HandOverAtApplication);
        assert_eq!(pin_letter(DocumentKind::TemporaryIdCard, date!(2025 - 02 - 17)), PinLetter::None);
        assert_eq!(pin_letter(DocumentKind::Passport32, date!(2026 - 01 - 01)), PinLetter::None);
        // Regardless of age: a 15-year-old gets the letter although the eID stays off.
        let rules = derive(DocumentKind::IdCard, &born("2010-06-01"), date!(2025 - 06 - 01));
        assert_eq!((rules.eid, rules.pin_letter), (Eid::OffUnder16, PinLetter::HandOverAtApplication));
    }

    #[test]
    fn direct_delivery_age_limits_and_documents() {
        let birth = born("2008-10-01");
        let sixteen = turns("2008-10-01", 16);
        let eighteen = turns("2008-10-01", 18);
        assert_eq!(
            direct_delivery(DocumentKind::IdCard, &birth, sixteen.previous_day().unwrap()),
            Err(FieldErrorKind::TooYoung { min_age: 16 })
        );
        assert_eq!(direct_delivery(DocumentKind::IdCard, &birth, sixteen), Ok(()));
        assert_eq!(
            direct_delivery(DocumentKind::Passport32, &birth, sixteen),
            Err(FieldErrorKind::TooYoung { min_age: 18 })
        );
        assert_eq!(direct_delivery(DocumentKind::Passport48, &birth, eighteen), Ok(()));
        assert_eq!(
            direct_delivery(DocumentKind::ExpressPassport32, &birth, eighteen),
            Err(FieldErrorKind::NotOfferedForDocument)
        );
        assert_eq!(
            direct_delivery(DocumentKind::TemporaryIdCard, &birth, eighteen),
            Err(FieldErrorKind::NotOfferedForDocument)
        );
        assert_eq!(pickup_box(DocumentKind::TemporaryPassport), Err(FieldErrorKind::NotOfferedForDocument));
        assert_eq!(pickup_box(DocumentKind::IdCard), Ok(()));
    }

    #[test]
    fn unknown_day_counts_as_the_last_day_of_the_month() {
        // Born some day in May 2009: on 14 May 2025 they might already be 16, but only on 31 May are
        // they certainly 16.
        let birth = born("2009-05-XX");
        assert_eq!(eid(DocumentKind::IdCard, &birth, date!(2025 - 05 - 14)), Eid::OffUnder16);
        assert_eq!(eid(DocumentKind::IdCard, &birth, date!(2025 - 05 - 30)), Eid::OffUnder16);
        assert_eq!(eid(DocumentKind::IdCard, &birth, date!(2025 - 05 - 31)), Eid::On);
        // February of a leap year ends on the 29th.
        let birth = born("2004-02-XX");
        assert_eq!(age_on(&birth, date!(2028 - 02 - 28)), 23);
        assert_eq!(age_on(&birth, date!(2028 - 02 - 29)), 24);
    }

    #[test]
    fn unknown_month_counts_as_31_december() {
        let birth = born("2007-XX-XX");
        assert_eq!(applies(DocumentKind::Passport32, &birth, date!(2025 - 12 - 30)), Applies::Custodian { under: 18 });
        assert_eq!(applies(DocumentKind::Passport32, &birth, date!(2025 - 12 - 31)), Applies::Themselves);
        assert_eq!(
            direct_delivery(DocumentKind::Passport32, &birth, date!(2025 - 06 - 01)),
            Err(FieldErrorKind::TooYoung { min_age: 18 })
        );
        assert_eq!(
            fingerprints(DocumentKind::IdCard, &born("2019-XX-XX"), date!(2025 - 12 - 30)),
            Fingerprints::NotUnder6
        );
        assert_eq!(
            fingerprints(DocumentKind::IdCard, &born("2019-XX-XX"), date!(2025 - 12 - 31)),
            Fingerprints::Required
        );
    }

    #[test]
    fn derived_rules_serialise_as_plain_words() {
        let rules = derive(DocumentKind::IdCard, &born("2010-06-01"), date!(2025 - 06 - 01));
        let json = serde_json::to_value(rules).unwrap();
        assert_eq!(json["age"], 15);
        assert_eq!(json["assumed_birth_date"], "2010-06-01");
        assert_eq!(json["eid"], "off_under16");
        assert_eq!(json["applies"], serde_json::json!({"custodian": {"under": 16}}));
        assert_eq!(serde_json::from_value::<DerivedRules>(json).unwrap(), rules);
    }

    fn any_birth() -> impl Strategy<Value = DateOfBirth> {
        (1890i32..2030, 1u16..=365, 0u8..3).prop_map(|(year, ordinal, unknown)| {
            let date = Date::from_ordinal_date(year, ordinal).unwrap();
            let raw = match unknown {
                0 => crate::dates::format_iso(date),
                1 => format!("{:04}-{:02}-XX", date.year(), date.month() as u8),
                _ => format!("{:04}-XX-XX", date.year()),
            };
            DateOfBirth::parse(&raw).unwrap()
        })
    }

    fn any_date() -> impl Strategy<Value = Date> {
        (2025i32..2060, 1u16..=365).prop_map(|(y, d)| Date::from_ordinal_date(y, d).unwrap())
    }

    fn any_kind() -> impl Strategy<Value = DocumentKind> {
        (0usize..DocumentKind::ALL.len()).prop_map(|i| DocumentKind::ALL[i])
    }

    proptest! {
        #[test]
        fn validity_never_exceeds_the_legal_maximum(kind in any_kind(), birth in any_birth(), applied in any_date(), delay in 0i64..400) {
            let v = validity(kind, &birth, applied);
            let legal_max_months = match kind {
                DocumentKind::TemporaryIdCard => 3,
                DocumentKind::TemporaryPassport => 12,
                // Under 24 for any birth date the partial date allows: 6 years at most.
                _ if completed_years(birth.earliest_possible().min(applied), applied) < 24 => 72,
                _ => 120,
            };
            prop_assert!(v.months() <= legal_max_months);
            let issued = applied + time::Duration::days(delay);
            let last = v.last_valid_day(issued);
            prop_assert!(last >= issued);
            prop_assert!(last < corresponding_day(issued, legal_max_months));
        }

        #[test]
        fn no_right_comes_before_the_birthday_of_any_possible_birth_date(kind in any_kind(), birth in any_birth(), applied in any_date()) {
            // The youngest the applicant can be.
            let youngest = completed_years(birth.latest_possible().min(applied), applied);
            let rules = derive(kind, &birth, applied);
            if rules.eid == Eid::On { prop_assert!(youngest >= EID_FROM_AGE); }
            if rules.validity == Validity::TenYears { prop_assert!(youngest >= FULL_VALIDITY_FROM_AGE); }
            if rules.applies == Applies::Themselves { prop_assert!(youngest >= 16); }
            if rules.fingerprints == Fingerprints::Required { prop_assert!(youngest >= FINGERPRINTS_FROM_AGE); }
            if rules.signature == Signature::Required { prop_assert!(youngest >= SIGNATURE_FROM_AGE); }
            if direct_delivery(kind, &birth, applied).is_ok() { prop_assert!(youngest >= 16); }
            prop_assert_eq!(rules.age, youngest);
        }

        #[test]
        fn an_exact_birth_date_changes_each_rule_exactly_on_the_birthday(birth in any_birth(), years in 1u32..30) {
            if let Some(exact) = birth.exact() {
                let birthday = corresponding_day(exact, years * 12);
                prop_assert_eq!(age_on(&birth, birthday), years);
                prop_assert_eq!(age_on(&birth, birthday.previous_day().unwrap()), years - 1);
            }
        }
    }
}
