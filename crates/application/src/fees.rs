//! Fees by the application date. The amounts are data ([`FEE_TABLE`]) with validity dates; the code
//! only picks the row for an item, an age band and a day.
//!
//! Sources (domain.md §3.5): PassV §15 and PAuswGebV for 2025; the ID card increase of 7 Feb 2026
//! (passport fees unchanged); the in-office photo; Direktversand since May 2025.
//!
//! Where domain.md is silent:
//! - the 2025 table has no start date in domain.md; its rows start on 1 Jan 2025 and earlier
//!   application dates get no fee (`field_no_fee_on_date`);
//! - the vorläufiger Personalausweis (10 €), the photo (6 €) and Direktversand (15 €) are not named
//!   in the 2026 change and are taken as unchanged;
//! - "since May 2025" for Direktversand is read as from 1 May 2025;
//! - the surcharges for a passport taken outside office hours or by a non-competent authority
//!   ("doubles", ID card +13 €) are not modelled: domain.md does not say what exactly doubles.

// Amounts are written euros_cents (`37_00`, `102_00`) so they read like the price list.
#![allow(clippy::inconsistent_digit_grouping)]

use serde::{Deserialize, Serialize};
use time::macros::date;
use time::Date;

use crate::dates::{format_german, iso_date, iso_date_option};
use crate::rules::{age_on, direct_delivery, FULL_VALIDITY_FROM_AGE};
use crate::{DateOfBirth, DocumentKind, Field, FieldError, FieldErrorKind};

/// One thing that costs money.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FeeItem {
    IdCard,
    /// Reisepass with 32 pages, the base of every ordered passport.
    Passport,
    /// Surcharge for 48 instead of 32 pages.
    ExtraPages48,
    /// Surcharge for the express passport.
    Express,
    TemporaryIdCard,
    TemporaryPassport,
    /// Photo taken in the office: once per visit, even for ID card and passport together.
    PhotoInOffice,
    /// Direktversand to the applicant's door.
    DirectDelivery,
}

impl FeeItem {
    pub const ALL: [FeeItem; 8] = [
        FeeItem::IdCard,
        FeeItem::Passport,
        FeeItem::ExtraPages48,
        FeeItem::Express,
        FeeItem::TemporaryIdCard,
        FeeItem::TemporaryPassport,
        FeeItem::PhotoInOffice,
        FeeItem::DirectDelivery,
    ];

    pub fn label_de(self) -> &'static str {
        match self {
            FeeItem::IdCard => "Personalausweis",
            FeeItem::Passport => "Reisepass",
            FeeItem::ExtraPages48 => "Zuschlag 48 Seiten",
            FeeItem::Express => "Zuschlag Expressverfahren",
            FeeItem::TemporaryIdCard => "Vorläufiger Personalausweis",
            FeeItem::TemporaryPassport => "Vorläufiger Reisepass",
            FeeItem::PhotoInOffice => "Lichtbild im Amt",
            FeeItem::DirectDelivery => "Direktversand",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            FeeItem::IdCard => "ID card",
            FeeItem::Passport => "Passport",
            FeeItem::ExtraPages48 => "Surcharge 48 pages",
            FeeItem::Express => "Surcharge express",
            FeeItem::TemporaryIdCard => "Temporary ID card",
            FeeItem::TemporaryPassport => "Temporary passport",
            FeeItem::PhotoInOffice => "Photo taken in the office",
            FeeItem::DirectDelivery => "Direct delivery",
        }
    }

    /// The field the clerk changes when this item has no fee on the date.
    fn field(self) -> Field {
        match self {
            FeeItem::PhotoInOffice => Field::PhotoInOffice,
            FeeItem::DirectDelivery => Field::Pickup,
            _ => Field::ApplicationDate,
        }
    }
}

/// Which applicants a row is for, by their age on the application date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AgeBand {
    Under24,
    From24,
    Any,
}

impl AgeBand {
    pub fn contains(self, age: u32) -> bool {
        match self {
            AgeBand::Under24 => age < FULL_VALIDITY_FROM_AGE,
            AgeBand::From24 => age >= FULL_VALIDITY_FROM_AGE,
            AgeBand::Any => true,
        }
    }
}

/// One row of the fee table: `amount_cents` for `item` and `age_band` on application dates from
/// `valid_from` to `valid_until` (both inclusive; open-ended when `None`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct FeeRow {
    #[serde(with = "iso_date")]
    pub valid_from: Date,
    #[serde(with = "iso_date_option")]
    pub valid_until: Option<Date>,
    pub item: FeeItem,
    pub age_band: AgeBand,
    pub amount_cents: u32,
    pub source: &'static str,
}

impl FeeRow {
    pub fn applies(&self, item: FeeItem, age: u32, on: Date) -> bool {
        self.item == item
            && self.age_band.contains(age)
            && self.valid_from <= on
            && self.valid_until.is_none_or(|until| on <= until)
    }
}

const TABLE_2025: &str = "domain.md §3.5: PassV §15 / PAuswGebV (2025)";
const ID_CARD_2026: &str = "domain.md §3.5: ID card fees from 07.02.2026";
const PHOTO: &str = "domain.md §3.5 and §1.8: photo taken in the office (PointID)";
const DIRECT: &str = "domain.md §3.5: Direktversand since May 2025";

const FROM_2025: Date = date!(2025 - 01 - 01);
const ID_CARD_INCREASE: Date = date!(2026 - 02 - 07);
const LAST_DAY_BEFORE_INCREASE: Date = date!(2026 - 02 - 06);

/// The fee table. A change of fees is a new row with its `valid_from` and an end on the old one.
pub const FEE_TABLE: &[FeeRow] = &[
    row(FROM_2025, Some(LAST_DAY_BEFORE_INCREASE), FeeItem::IdCard, AgeBand::From24, 37_00, TABLE_2025),
    row(FROM_2025, Some(LAST_DAY_BEFORE_INCREASE), FeeItem::IdCard, AgeBand::Under24, 22_80, TABLE_2025),
    row(ID_CARD_INCREASE, None, FeeItem::IdCard, AgeBand::From24, 46_00, ID_CARD_2026),
    row(ID_CARD_INCREASE, None, FeeItem::IdCard, AgeBand::Under24, 27_60, ID_CARD_2026),
    row(FROM_2025, None, FeeItem::TemporaryIdCard, AgeBand::Any, 10_00, TABLE_2025),
    row(FROM_2025, None, FeeItem::Passport, AgeBand::From24, 70_00, TABLE_2025),
    row(FROM_2025, None, FeeItem::Passport, AgeBand::Under24, 37_50, TABLE_2025),
    row(FROM_2025, None, FeeItem::ExtraPages48, AgeBand::Any, 22_00, TABLE_2025),
    row(FROM_2025, None, FeeItem::Express, AgeBand::Any, 32_00, TABLE_2025),
    row(FROM_2025, None, FeeItem::TemporaryPassport, AgeBand::Any, 26_00, TABLE_2025),
    row(FROM_2025, None, FeeItem::PhotoInOffice, AgeBand::Any, 6_00, PHOTO),
    row(date!(2025 - 05 - 01), None, FeeItem::DirectDelivery, AgeBand::Any, 15_00, DIRECT),
];

const fn row(
    valid_from: Date,
    valid_until: Option<Date>,
    item: FeeItem,
    age_band: AgeBand,
    amount_cents: u32,
    source: &'static str,
) -> FeeRow {
    FeeRow { valid_from, valid_until, item, age_band, amount_cents, source }
}

/// The index into [`FEE_TABLE`] of the row for `item`, `age` and `on`.
pub fn fee_row(item: FeeItem, age: u32, on: Date) -> Option<usize> {
    FEE_TABLE.iter().position(|row| row.applies(item, age, on))
}

/// What the customer chose besides the document.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FeeOptions {
    /// Photo taken in the office and not yet charged in this visit (the desk sets it for the first
    /// application of a visit only).
    pub photo_in_office: bool,
    pub direct_delivery: bool,
}

/// One line of the bill.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct FeeLine {
    pub item: FeeItem,
    pub amount_cents: u32,
    /// The row of [`FEE_TABLE`] it comes from.
    pub table_row: usize,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FeeBreakdown {
    pub lines: Vec<FeeLine>,
    pub total_cents: u32,
}

impl FeeBreakdown {
    /// "59,00 €".
    pub fn total_de(&self) -> String {
        format_euro(self.total_cents)
    }
}

/// The fee of one application, in line items. Refuses direct delivery where it is not offered.
pub fn fee(
    kind: DocumentKind,
    options: FeeOptions,
    birth: &DateOfBirth,
    application_date: Date,
) -> Result<FeeBreakdown, FieldError> {
    if options.direct_delivery {
        direct_delivery(kind, birth, application_date).map_err(|kind| FieldError::new(Field::Pickup, kind))?;
    }
    let mut items = match kind {
        DocumentKind::IdCard => vec![FeeItem::IdCard],
        DocumentKind::Passport32 => vec![FeeItem::Passport],
        DocumentKind::Passport48 => vec![FeeItem::Passport, FeeItem::ExtraPages48],
        DocumentKind::ExpressPassport32 => vec![FeeItem::Passport, FeeItem::Express],
        DocumentKind::ExpressPassport48 => vec![FeeItem::Passport, FeeItem::ExtraPages48, FeeItem::Express],
        DocumentKind::TemporaryIdCard => vec![FeeItem::TemporaryIdCard],
        DocumentKind::TemporaryPassport => vec![FeeItem::TemporaryPassport],
    };
    if options.photo_in_office {
        items.push(FeeItem::PhotoInOffice);
    }
    if options.direct_delivery {
        items.push(FeeItem::DirectDelivery);
    }
    let age = age_on(birth, application_date);
    let lines = items
        .into_iter()
        .map(|item| {
            let table_row = fee_row(item, age, application_date).ok_or_else(|| {
                let kind = if item == FeeItem::DirectDelivery {
                    FieldErrorKind::NotOfferedOnDate
                } else {
                    FieldErrorKind::NoFeeOnDate
                };
                FieldError::new(item.field(), kind)
            })?;
            Ok(FeeLine { item, amount_cents: FEE_TABLE[table_row].amount_cents, table_row })
        })
        .collect::<Result<Vec<_>, FieldError>>()?;
    let total_cents = lines.iter().map(|line| line.amount_cents).sum();
    Ok(FeeBreakdown { lines, total_cents })
}

/// German money format: "22,80 €", "1.234,00 €".
pub fn format_euro(cents: u32) -> String {
    let euros = (cents / 100).to_string();
    let mut grouped = String::new();
    for (i, digit) in euros.chars().enumerate() {
        if i > 0 && (euros.len() - i).is_multiple_of(3) {
            grouped.push('.');
        }
        grouped.push(digit);
    }
    format!("{grouped},{:02} €", cents % 100)
}

/// The dates on which any row starts or ends, for a receipt or a screen that shows "fees valid from".
pub fn fee_table_changes() -> Vec<String> {
    let mut dates: Vec<Date> = FEE_TABLE.iter().map(|row| row.valid_from).collect();
    dates.sort();
    dates.dedup();
    dates.into_iter().map(format_german).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dates::corresponding_day;
    use proptest::prelude::*;

    fn born(raw: &str) -> DateOfBirth {
        DateOfBirth::parse(raw).unwrap()
    }

    const ADULT: &str = "1964-08-12";
    const YOUNG: &str = "2005-03-01";

    fn total(kind: DocumentKind, birth: &str, on: Date) -> u32 {
        fee(kind, FeeOptions::default(), &born(birth), on).unwrap().total_cents
    }

    #[test]
    fn the_2025_table() {
        let on = date!(2025 - 06 - 02);
        assert_eq!(total(DocumentKind::IdCard, ADULT, on), 37_00);
        assert_eq!(total(DocumentKind::IdCard, YOUNG, on), 22_80);
        assert_eq!(total(DocumentKind::TemporaryIdCard, ADULT, on), 10_00);
        assert_eq!(total(DocumentKind::Passport32, ADULT, on), 70_00);
        assert_eq!(total(DocumentKind::Passport32, YOUNG, on), 37_50);
        assert_eq!(total(DocumentKind::Passport48, ADULT, on), 92_00);
        assert_eq!(total(DocumentKind::Passport48, YOUNG, on), 59_50);
        assert_eq!(total(DocumentKind::ExpressPassport32, ADULT, on), 102_00);
        assert_eq!(total(DocumentKind::ExpressPassport48, ADULT, on), 124_00);
        assert_eq!(total(DocumentKind::ExpressPassport48, YOUNG, on), 91_50);
        assert_eq!(total(DocumentKind::TemporaryPassport, ADULT, on), 26_00);
        assert_eq!(total(DocumentKind::TemporaryPassport, YOUNG, on), 26_00);
    }

    #[test]
    fn id_card_fees_rise_on_7_february_2026_and_passports_stay() {
        let before = date!(2026 - 02 - 06);
        let after = date!(2026 - 02 - 07);
        assert_eq!(total(DocumentKind::IdCard, ADULT, before), 37_00);
        assert_eq!(total(DocumentKind::IdCard, ADULT, after), 46_00);
        assert_eq!(total(DocumentKind::IdCard, YOUNG, before), 22_80);
        assert_eq!(total(DocumentKind::IdCard, YOUNG, after), 27_60);
        assert_eq!(total(DocumentKind::Passport32, ADULT, before), total(DocumentKind::Passport32, ADULT, after));
        assert_eq!(total(DocumentKind::Passport48, YOUNG, before), total(DocumentKind::Passport48, YOUNG, after));
        assert_eq!(total(DocumentKind::TemporaryIdCard, ADULT, after), 10_00);
    }

    #[test]
    fn the_under_24_rate_ends_on_the_24th_birthday() {
        let birthday = corresponding_day(born(YOUNG).exact().unwrap(), 24 * 12);
        assert_eq!(total(DocumentKind::IdCard, YOUNG, birthday.previous_day().unwrap()), 27_60);
        assert_eq!(total(DocumentKind::IdCard, YOUNG, birthday), 46_00);
        // Unknown day: the lower rate until the month's last day has passed.
        assert_eq!(total(DocumentKind::Passport32, "2005-03-XX", date!(2029 - 03 - 30)), 37_50);
        assert_eq!(total(DocumentKind::Passport32, "2005-03-XX", date!(2029 - 03 - 31)), 70_00);
    }

    #[test]
    fn photo_and_direct_delivery_are_line_items() {
        let on = date!(2026 - 03 - 02);
        let options = FeeOptions { photo_in_office: true, direct_delivery: true };
        let bill = fee(DocumentKind::IdCard, options, &born(ADULT), on).unwrap();
        let items: Vec<(FeeItem, u32)> = bill.lines.iter().map(|l| (l.item, l.amount_cents)).collect();
        assert_eq!(items, [(FeeItem::IdCard, 46_00), (FeeItem::PhotoInOffice, 6_00), (FeeItem::DirectDelivery, 15_00)]);
        assert_eq!(bill.total_cents, 67_00);
        assert_eq!(bill.total_de(), "67,00 €");
        for line in &bill.lines {
            assert_eq!(FEE_TABLE[line.table_row].item, line.item);
        }
    }

    #[test]
    fn direct_delivery_is_refused_where_it_is_not_offered() {
        let with = FeeOptions { photo_in_office: false, direct_delivery: true };
        let on = date!(2025 - 06 - 02);
        let refuse = |kind, birth: &str, on| fee(kind, with, &born(birth), on).unwrap_err();
        assert_eq!(
            refuse(DocumentKind::IdCard, ADULT, date!(2025 - 04 - 30)),
            FieldError::new(Field::Pickup, FieldErrorKind::NotOfferedOnDate)
        );
        assert!(fee(DocumentKind::IdCard, with, &born(ADULT), date!(2025 - 05 - 01)).is_ok());
        assert_eq!(refuse(DocumentKind::ExpressPassport32, ADULT, on).kind, FieldErrorKind::NotOfferedForDocument);
        assert_eq!(refuse(DocumentKind::TemporaryIdCard, ADULT, on).kind, FieldErrorKind::NotOfferedForDocument);
        assert_eq!(refuse(DocumentKind::IdCard, "2010-01-01", on).kind, FieldErrorKind::TooYoung { min_age: 16 });
        assert!(fee(DocumentKind::IdCard, with, &born("2009-01-01"), on).is_ok());
        assert_eq!(refuse(DocumentKind::Passport32, "2009-01-01", on).kind, FieldErrorKind::TooYoung { min_age: 18 });
    }

    #[test]
    fn no_fee_before_the_table_starts() {
        let error = fee(DocumentKind::IdCard, FeeOptions::default(), &born(ADULT), date!(2024 - 12 - 31)).unwrap_err();
        assert_eq!(error, FieldError::new(Field::ApplicationDate, FieldErrorKind::NoFeeOnDate));
        assert!(fee(DocumentKind::IdCard, FeeOptions::default(), &born(ADULT), date!(2025 - 01 - 01)).is_ok());
    }

    #[test]
    fn money_is_written_the_german_way() {
        assert_eq!(format_euro(22_80), "22,80 €");
        assert_eq!(format_euro(6_00), "6,00 €");
        assert_eq!(format_euro(5), "0,05 €");
        assert_eq!(format_euro(1_234_00), "1.234,00 €");
        assert_eq!(format_euro(1_234_567_89), "1.234.567,89 €");
    }

    #[test]
    fn table_rows_are_well_formed() {
        for (i, row) in FEE_TABLE.iter().enumerate() {
            assert!(row.valid_until.is_none_or(|until| row.valid_from <= until), "row {i}");
            assert!(row.amount_cents > 0, "row {i}");
            assert!(row.source.starts_with("domain.md"), "row {i}");
        }
        assert_eq!(fee_table_changes(), ["01.01.2025", "01.05.2025", "07.02.2026"]);
        let json = serde_json::to_value(FEE_TABLE[2]).unwrap();
        assert_eq!(json["valid_from"], "2026-02-07");
        assert_eq!(json["valid_until"], serde_json::Value::Null);
    }

    /// Overlap-free: no two rows can ever apply to the same item, age and day. Checked on every
    /// boundary of every row and the days around it, for every age band boundary.
    #[test]
    fn the_table_is_overlap_free() {
        let mut days: Vec<Date> = Vec::new();
        for row in FEE_TABLE {
            days.extend([row.valid_from.previous_day().unwrap(), row.valid_from, row.valid_from.next_day().unwrap()]);
            if let Some(until) = row.valid_until {
                days.extend([until.previous_day().unwrap(), until, until.next_day().unwrap()]);
            }
        }
        days.push(date!(2099 - 12 - 31));
        for item in FeeItem::ALL {
            for age in [0, 23, 24, 120] {
                for &day in &days {
                    let matching = FEE_TABLE.iter().filter(|row| row.applies(item, age, day)).count();
                    assert!(matching <= 1, "{item:?} age {age} on {day}: {matching} rows");
                }
            }
        }
        // And pairwise, independent of the sample days: two rows of one item whose bands meet must
        // not share a day.
        for (i, a) in FEE_TABLE.iter().enumerate() {
            for b in &FEE_TABLE[i + 1..] {
                let bands_meet =
                    [0, 23, 24, 120].iter().any(|&age| a.age_band.contains(age) && b.age_band.contains(age));
                if a.item != b.item || !bands_meet {
                    continue;
                }
                let a_before_b = a.valid_until.is_some_and(|until| until < b.valid_from);
                let b_before_a = b.valid_until.is_some_and(|until| until < a.valid_from);
                assert!(a_before_b || b_before_a, "{a:?} overlaps {b:?}");
            }
        }
    }

    #[test]
    fn the_table_has_no_gaps_from_its_start() {
        for item in FeeItem::ALL {
            let start = FEE_TABLE.iter().filter(|r| r.item == item).map(|r| r.valid_from).min().unwrap();
            let mut day = start;
            while day <= date!(2027 - 12 - 31) {
                for age in [0, 23, 24, 120] {
                    assert!(fee_row(item, age, day).is_some(), "{item:?} age {age} on {day}");
                }
                day = day.next_day().unwrap();
            }
        }
    }

    fn any_kind() -> impl Strategy<Value = DocumentKind> {
        (0usize..DocumentKind::ALL.len()).prop_map(|i| DocumentKind::ALL[i])
    }

    proptest! {
        #[test]
        fn every_fee_comes_from_exactly_one_row(
            kind in any_kind(),
            photo in any::<bool>(),
            direct in any::<bool>(),
            year in 1930i32..2026,
            ordinal in 1u16..=365,
            applied in 0i64..(365 * 30),
        ) {
            let birth = DateOfBirth::from_date(Date::from_ordinal_date(year, ordinal).unwrap());
            let on = date!(2024 - 06 - 01) + time::Duration::days(applied);
            let options = FeeOptions { photo_in_office: photo, direct_delivery: direct };
            if let Ok(bill) = fee(kind, options, &birth, on) {
                let age = age_on(&birth, on);
                for line in &bill.lines {
                    let rows: Vec<usize> = (0..FEE_TABLE.len()).filter(|&i| FEE_TABLE[i].applies(line.item, age, on)).collect();
                    prop_assert_eq!(rows, vec![line.table_row]);
                    prop_assert_eq!(FEE_TABLE[line.table_row].amount_cents, line.amount_cents);
                }
                prop_assert_eq!(bill.total_cents, bill.lines.iter().map(|l| l.amount_cents).sum::<u32>());
                prop_assert_eq!(bill.lines.iter().any(|l| l.item == FeeItem::PhotoInOffice), photo);
                prop_assert_eq!(bill.lines.iter().any(|l| l.item == FeeItem::DirectDelivery), direct);
            } else {
                // Refused only before the table, or for direct delivery where it is not offered.
                prop_assert!(on < FROM_2025 || direct);
            }
        }
    }
}
