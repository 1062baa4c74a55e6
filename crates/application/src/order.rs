//! Ordering documents from the producer (XhD, domain.md §6.1): the 28-character order number and
//! how applications are cut into orders (one document type each, 1–150 applications).

use std::fmt;

use time::PrimitiveDateTime;

use crate::{icao_check_digit, DocumentKind};

/// At most this many applications go in one order (XhD Tab. 8).
pub const MAX_APPLICATIONS_PER_ORDER: usize = 150;

/// Why an order number is not one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum OrderNumberError {
    #[error("an order number has 28 characters")]
    Length,
    #[error("the authority code is 4 capital letters or digits")]
    AuthorityCode,
    #[error("the running index is 3 digits")]
    Index,
    #[error("the check digit does not match")]
    CheckDigit,
    #[error("the date and time are not YYYY-MM-DD_hh:mm:ss")]
    Timestamp,
}

/// Bestellnummer: authority code (4), running index (3), check digit, `_`, `YYYY-MM-DD_hh:mm:ss`.
/// XhD names the parts but domain.md does not give the check digit's rule; ICAO 9303's 7-3-1 over
/// the seven characters before it is assumed (the rule the producer's other numbers use).
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct OrderNumber(String);

const TIMESTAMP: &[time::format_description::FormatItem<'static>] =
    time::macros::format_description!("[year]-[month]-[day]_[hour]:[minute]:[second]");

impl OrderNumber {
    /// The number of the `index`-th order (counted modulo 1000) of `authority_code` at `at`.
    pub fn new(authority_code: &str, index: u32, at: PrimitiveDateTime) -> Result<Self, OrderNumberError> {
        if !valid_authority_code(authority_code) {
            return Err(OrderNumberError::AuthorityCode);
        }
        let head = format!("{authority_code}{:03}", index % 1000);
        let check = icao_check_digit(&head);
        let stamp = at.format(TIMESTAMP).map_err(|_| OrderNumberError::Timestamp)?;
        Ok(Self(format!("{head}{check}_{stamp}")))
    }

    pub fn parse(raw: &str) -> Result<Self, OrderNumberError> {
        if raw.len() != 28 || !raw.is_ascii() {
            return Err(OrderNumberError::Length);
        }
        let (code, index, check, separator, stamp) = (&raw[..4], &raw[4..7], &raw[7..8], &raw[8..9], &raw[9..]);
        if !valid_authority_code(code) {
            return Err(OrderNumberError::AuthorityCode);
        }
        if !index.bytes().all(|b| b.is_ascii_digit()) {
            return Err(OrderNumberError::Index);
        }
        if check != icao_check_digit(&raw[..7]).to_string() {
            return Err(OrderNumberError::CheckDigit);
        }
        if separator != "_" || PrimitiveDateTime::parse(stamp, TIMESTAMP).is_err() {
            return Err(OrderNumberError::Timestamp);
        }
        Ok(Self(raw.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The authority code part of the order number: 4 capital letters or digits.
pub fn valid_authority_code(code: &str) -> bool {
    code.len() == 4 && code.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
}

impl fmt::Display for OrderNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for OrderNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "OrderNumber({})", self.0)
    }
}

/// Cuts applications waiting to be ordered into orders: one document type each, at most
/// [`MAX_APPLICATIONS_PER_ORDER`], the oldest first (the input's order is kept within a type).
/// Documents issued on the spot are never ordered and are left out.
pub fn orders<T>(waiting: impl IntoIterator<Item = (DocumentKind, T)>) -> Vec<(DocumentKind, Vec<T>)> {
    let mut by_kind: Vec<(DocumentKind, Vec<T>)> = Vec::new();
    for (kind, item) in waiting {
        if kind.is_temporary() {
            continue;
        }
        match by_kind.iter_mut().find(|(k, _)| *k == kind) {
            Some((_, items)) => items.push(item),
            None => by_kind.push((kind, vec![item])),
        }
    }
    let mut cut = Vec::new();
    for (kind, items) in by_kind {
        let mut items = items.into_iter().peekable();
        while items.peek().is_some() {
            cut.push((kind, items.by_ref().take(MAX_APPLICATIONS_PER_ORDER).collect()));
        }
    }
    cut
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use time::macros::datetime;

    use super::*;

    #[test]
    fn an_order_number_has_its_parts_and_checks_its_digit() {
        let number = OrderNumber::new("D111", 7, datetime!(2026-12-02 09:15:00)).unwrap();
        assert_eq!(number.as_str().len(), 28);
        assert!(number.as_str().starts_with("D111007"));
        assert!(number.as_str().ends_with("_2026-12-02_09:15:00"));
        assert_eq!(OrderNumber::parse(number.as_str()).unwrap(), number);

        let mut wrong_check = number.as_str().to_owned();
        let digit = wrong_check.as_bytes()[7] - b'0';
        wrong_check.replace_range(7..8, &((digit + 1) % 10).to_string());
        assert_eq!(OrderNumber::parse(&wrong_check), Err(OrderNumberError::CheckDigit));
        assert_eq!(OrderNumber::parse("D111007"), Err(OrderNumberError::Length));
        assert_eq!(OrderNumber::new("d11", 1, datetime!(2026-12-02 09:15:00)), Err(OrderNumberError::AuthorityCode));
        let bad_time = number.as_str().replace("09:15:00", "25:15:00");
        assert_eq!(OrderNumber::parse(&bad_time), Err(OrderNumberError::Timestamp));
    }

    #[test]
    fn the_index_counts_modulo_a_thousand() {
        let at = datetime!(2026-12-02 09:15:00);
        assert_eq!(OrderNumber::new("D111", 1001, at).unwrap().as_str()[4..7], *"001");
    }

    #[test]
    fn orders_hold_one_document_type_and_at_most_150() {
        let waiting = (0..320).map(|i| (if i % 3 == 0 { DocumentKind::Passport32 } else { DocumentKind::IdCard }, i));
        let cut = orders(waiting.chain([(DocumentKind::TemporaryIdCard, 999)]));
        let sizes: Vec<(DocumentKind, usize)> = cut.iter().map(|(k, items)| (*k, items.len())).collect();
        // 107 passports (i % 3 == 0), 213 ID cards; the temporary one is never ordered.
        assert_eq!(
            sizes,
            vec![(DocumentKind::Passport32, 107), (DocumentKind::IdCard, 150), (DocumentKind::IdCard, 63)]
        );
        assert!(cut.iter().all(|(_, items)| !items.contains(&999)));
        assert_eq!(cut[1].1[0], 1, "the oldest first");
    }

    proptest! {
        #[test]
        fn every_waiting_application_is_in_exactly_one_order(kinds in proptest::collection::vec(0usize..7, 0..400)) {
            let all = DocumentKind::ALL;
            let waiting: Vec<(DocumentKind, usize)> = kinds.iter().enumerate().map(|(i, k)| (all[*k], i)).collect();
            let cut = orders(waiting.clone());
            let mut ordered: Vec<usize> = Vec::new();
            for (kind, items) in &cut {
                prop_assert!(!items.is_empty() && items.len() <= MAX_APPLICATIONS_PER_ORDER);
                prop_assert!(!kind.is_temporary());
                prop_assert!(items.iter().all(|i| waiting[*i].0 == *kind));
                ordered.extend(items);
            }
            ordered.sort_unstable();
            let expected: Vec<usize> = waiting.iter().filter(|(k, _)| !k.is_temporary()).map(|(_, i)| *i).collect();
            prop_assert_eq!(ordered, expected);
        }
    }
}
