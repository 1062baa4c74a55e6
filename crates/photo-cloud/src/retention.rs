//! How long the cloud keeps a photo: at the latest six months after the upload, whatever an
//! authority asks for; an authority may shorten that by naming a "keep until" date.
//! Dates are calendar days in UTC.

use time::macros::format_description;
use time::{Date, Month, OffsetDateTime, Time};

use crate::CloudError;

/// Months after the upload at which every photo disappears.
pub const MAX_MONTHS: u8 = 6;

/// The moment (Unix seconds) six calendar months after `uploaded_at`; the day of month is
/// clamped (31 August + 6 months = 28/29 February).
pub fn latest_expiry(uploaded_at: i64) -> i64 {
    let at = OffsetDateTime::from_unix_timestamp(uploaded_at).unwrap_or(OffsetDateTime::UNIX_EPOCH);
    let months = u8::from(at.month()) - 1 + MAX_MONTHS;
    let year = at.year() + i32::from(months / 12);
    let month = Month::try_from(months % 12 + 1).unwrap_or(Month::January);
    let day = at.day().min(month.length(year));
    let date = Date::from_calendar_date(year, month, day).unwrap_or(at.date());
    date.with_time(at.time()).assume_utc().unix_timestamp()
}

/// Parses `YYYY-MM-DD`.
pub fn parse_date(raw: &str) -> Result<Date, CloudError> {
    Date::parse(raw.trim(), format_description!("[year]-[month]-[day]")).map_err(|_| CloudError::InvalidDate)
}

pub fn format_date(date: Date) -> String {
    date.format(format_description!("[year]-[month]-[day]")).unwrap_or_default()
}

/// The expiry that a "keep until" date results in, or why the date is refused. The photo is
/// kept through the whole of `keep_until` (UTC), but never past [`latest_expiry`].
pub fn expiry_for(uploaded_at: i64, keep_until: Date, now: i64) -> Result<i64, CloudError> {
    let latest = latest_expiry(uploaded_at);
    let latest_day =
        OffsetDateTime::from_unix_timestamp(latest).map_err(|e| CloudError::Internal(e.to_string()))?.date();
    if keep_until > latest_day {
        return Err(CloudError::RetentionTooLong { limit: format_date(latest_day) });
    }
    let today = OffsetDateTime::from_unix_timestamp(now).map_err(|e| CloudError::Internal(e.to_string()))?.date();
    if keep_until < today {
        return Err(CloudError::RetentionInPast);
    }
    let end_of_day = keep_until.next_day().map(|d| d.with_time(Time::MIDNIGHT).assume_utc().unix_timestamp());
    Ok(end_of_day.map_or(latest, |end| end.min(latest)))
}

#[cfg(test)]
mod tests {
    use time::macros::datetime;

    use super::*;

    fn ts(at: OffsetDateTime) -> i64 {
        at.unix_timestamp()
    }

    #[test]
    fn six_calendar_months_with_clamped_day() {
        assert_eq!(latest_expiry(ts(datetime!(2025-05-02 10:00 UTC))), ts(datetime!(2025-11-02 10:00 UTC)));
        assert_eq!(latest_expiry(ts(datetime!(2025-08-31 09:30 UTC))), ts(datetime!(2026-02-28 09:30 UTC)));
        assert_eq!(latest_expiry(ts(datetime!(2027-08-31 09:30 UTC))), ts(datetime!(2028-02-29 09:30 UTC)));
        assert_eq!(latest_expiry(ts(datetime!(2025-12-15 00:00 UTC))), ts(datetime!(2026-06-15 00:00 UTC)));
    }

    #[test]
    fn keep_until_is_bounded_by_six_months() {
        let uploaded = ts(datetime!(2025-05-02 10:00 UTC));
        let now = uploaded + 60;
        // Through the whole named day …
        assert_eq!(
            expiry_for(uploaded, parse_date("2025-06-01").unwrap(), now).unwrap(),
            ts(datetime!(2025-06-02 0:00 UTC))
        );
        // … but the last allowed day ends at the six-month mark.
        assert_eq!(
            expiry_for(uploaded, parse_date("2025-11-02").unwrap(), now).unwrap(),
            ts(datetime!(2025-11-02 10:00 UTC))
        );
        let refused = expiry_for(uploaded, parse_date("2025-11-03").unwrap(), now).unwrap_err();
        assert_eq!(refused.code(), "retention_too_long");
        assert!(refused.to_string().contains("2025-11-02"), "{refused}");
        assert_eq!(
            expiry_for(uploaded, parse_date("2025-05-01").unwrap(), now).unwrap_err().code(),
            "retention_in_past"
        );
    }

    #[test]
    fn dates_must_be_iso() {
        assert!(parse_date("2025-06-01").is_ok());
        for bad in ["01.06.2025", "2025-13-01", "2025-6-1", ""] {
            assert_eq!(parse_date(bad).unwrap_err().code(), "invalid_date", "{bad}");
        }
    }
}
