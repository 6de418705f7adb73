//! Dates as the sources write them, turned into RFC 3339 with an offset.

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime, TimeZone, Utc};

/// Parses the date forms our inputs use: RFC 3339 (`2024-05-01T21:14:00+02:00`), RFC 2822
/// (`Wed, 01 May 2024 21:14:00 +0200`, RSS), WordPress's `2024-05-01 21:14:00` (taken as UTC;
/// callers that know the zone pass the GMT field), a bare date, and Unix seconds (Reddit's
/// `created_utc`, possibly with a fraction). Returns `None` for anything else, and for the
/// WordPress "no date" value `0000-00-00 00:00:00`.
pub fn parse_datetime(raw: &str) -> Option<DateTime<FixedOffset>> {
    let s = raw.trim();
    if s.is_empty() || s.starts_with("0000-00-00") {
        return None;
    }
    if let Ok(dt) = DateTime::parse_from_rfc3339(s) {
        return Some(dt);
    }
    if let Ok(dt) = DateTime::parse_from_rfc2822(s) {
        return Some(dt);
    }
    for fmt in [
        "%Y-%m-%d %H:%M:%S",
        "%Y-%m-%dT%H:%M:%S",
        "%Y-%m-%d %H:%M",
        "%Y-%m-%dT%H:%M:%S%.f",
    ] {
        if let Ok(naive) = NaiveDateTime::parse_from_str(s, fmt) {
            return Some(utc(naive));
        }
    }
    if let Ok(date) = NaiveDate::parse_from_str(s, "%Y-%m-%d") {
        return Some(utc(date.and_hms_opt(0, 0, 0)?));
    }
    if s.bytes().all(|b| b.is_ascii_digit() || b == b'.')
        && s.bytes().filter(|&b| b == b'.').count() <= 1
    {
        let secs: f64 = s.parse().ok()?;
        return from_unix(secs);
    }
    None
}

/// Unix seconds to a UTC time; `None` when out of chrono's range or not finite.
pub fn from_unix(secs: f64) -> Option<DateTime<FixedOffset>> {
    if !secs.is_finite() {
        return None;
    }
    let whole = secs.trunc() as i64;
    let nanos = ((secs - secs.trunc()) * 1e9)
        .round()
        .clamp(0.0, 999_999_999.0) as u32;
    let dt = Utc.timestamp_opt(whole, nanos).single()?;
    Some(dt.fixed_offset())
}

fn utc(naive: NaiveDateTime) -> DateTime<FixedOffset> {
    Utc.from_utc_datetime(&naive).fixed_offset()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rfc(s: &str) -> String {
        parse_datetime(s)
            .map(|d| d.to_rfc3339())
            .unwrap_or_else(|| "none".into())
    }

    #[test]
    fn forms_we_meet() {
        assert_eq!(
            rfc("2024-05-01T21:14:00+02:00"),
            "2024-05-01T21:14:00+02:00"
        );
        assert_eq!(
            rfc("Wed, 01 May 2024 21:14:00 +0200"),
            "2024-05-01T21:14:00+02:00"
        );
        assert_eq!(rfc("2024-05-01 21:14:00"), "2024-05-01T21:14:00+00:00");
        assert_eq!(rfc("2024-05-01"), "2024-05-01T00:00:00+00:00");
        assert_eq!(rfc("1714598040"), "2024-05-01T21:14:00+00:00");
        assert_eq!(rfc("1714598040.0"), "2024-05-01T21:14:00+00:00");
        assert_eq!(rfc("0000-00-00 00:00:00"), "none");
        assert_eq!(rfc("yesterday"), "none");
        assert_eq!(rfc(""), "none");
    }
}
