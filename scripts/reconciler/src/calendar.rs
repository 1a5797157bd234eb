//! Business days: the redemption deadline is the end (24:00 UTC) of the second business day
//! after the day (UTC) a redemption was requested; weekends and the issuer's holiday list are
//! not business days.
use std::collections::BTreeSet;

use chrono::{DateTime, Datelike, Days, NaiveDate, Weekday};

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Calendar {
    holidays: BTreeSet<NaiveDate>,
}

/// A `YYYY-MM-DD` date.
pub fn parse_date(text: &str) -> Result<NaiveDate, String> {
    NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d")
        .map_err(|e| format!("invalid date {text:?} (expected YYYY-MM-DD): {e}"))
}

/// The UTC date of a unix time.
pub fn utc_date(unix: i64) -> NaiveDate {
    DateTime::from_timestamp(unix, 0).map_or(NaiveDate::MIN, |t| t.date_naive())
}

/// 00:00 UTC of `date`, in unix seconds.
pub fn start_of(date: NaiveDate) -> i64 {
    date.and_hms_opt(0, 0, 0)
        .map_or(i64::MIN, |t| t.and_utc().timestamp())
}

impl Calendar {
    pub fn new(holidays: impl IntoIterator<Item = NaiveDate>) -> Self {
        Self {
            holidays: holidays.into_iter().collect(),
        }
    }

    /// A holiday list: one `YYYY-MM-DD` per line; blank lines and `#` comments ignored.
    pub fn parse(text: &str) -> Result<Self, String> {
        let mut holidays = BTreeSet::new();
        for (number, line) in text.lines().enumerate() {
            let line = line.split('#').next().unwrap_or("").trim();
            if line.is_empty() {
                continue;
            }
            let date = parse_date(line).map_err(|e| format!("line {}: {e}", number + 1))?;
            holidays.insert(date);
        }
        Ok(Self { holidays })
    }

    pub fn is_business_day(&self, date: NaiveDate) -> bool {
        !matches!(date.weekday(), Weekday::Sat | Weekday::Sun) && !self.holidays.contains(&date)
    }

    /// The unix time by which something requested at `requested_at` is due: the end of the
    /// `days`-th business day after the request's UTC date.
    pub fn deadline(&self, requested_at: i64, days: u32) -> i64 {
        let mut date = utc_date(requested_at);
        let mut counted = 0;
        while counted < days {
            date = date
                .checked_add_days(Days::new(1))
                .unwrap_or(NaiveDate::MAX);
            if date == NaiveDate::MAX {
                break;
            }
            if self.is_business_day(date) {
                counted += 1;
            }
        }
        start_of(
            date.checked_add_days(Days::new(1))
                .unwrap_or(NaiveDate::MAX),
        )
    }
}

/// A unix time as `YYYY-MM-DDTHH:MM:SSZ`.
pub fn iso(unix: i64) -> String {
    DateTime::from_timestamp(unix, 0).map_or_else(
        || unix.to_string(),
        |t| t.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(date: &str, hms: (u32, u32, u32)) -> i64 {
        parse_date(date)
            .unwrap()
            .and_hms_opt(hms.0, hms.1, hms.2)
            .unwrap()
            .and_utc()
            .timestamp()
    }

    #[test]
    fn two_business_days_skip_the_weekend() {
        let calendar = Calendar::default();
        // Wednesday 2026-11-18 -> due by the end of Friday 2026-11-20
        assert_eq!(
            calendar.deadline(at("2026-11-18", (9, 0, 0)), 2),
            at("2026-11-21", (0, 0, 0))
        );
        // Friday -> Monday, Tuesday: due by the end of Tuesday
        assert_eq!(
            calendar.deadline(at("2026-11-20", (23, 59, 59)), 2),
            at("2026-11-25", (0, 0, 0))
        );
        // Saturday and Sunday requests are due by the end of Tuesday too
        assert_eq!(
            calendar.deadline(at("2026-11-21", (0, 0, 0)), 2),
            at("2026-11-25", (0, 0, 0))
        );
        assert_eq!(
            calendar.deadline(at("2026-11-22", (12, 0, 0)), 2),
            at("2026-11-25", (0, 0, 0))
        );
    }

    #[test]
    fn holidays_are_skipped() {
        let calendar = Calendar::parse("# US\n2026-11-26 # Thanksgiving\n\n2026-11-27\n").unwrap();
        assert!(!calendar.is_business_day(parse_date("2026-11-26").unwrap()));
        // Wednesday 25th -> Thu, Fri holidays, weekend: Monday 30th, Tuesday 1st
        assert_eq!(
            calendar.deadline(at("2026-11-25", (10, 0, 0)), 2),
            at("2026-12-02", (0, 0, 0))
        );
        assert!(Calendar::parse("2026-13-01")
            .unwrap_err()
            .contains("line 1"));
    }

    #[test]
    fn iso_times() {
        assert_eq!(iso(at("2026-11-20", (1, 2, 3))), "2026-11-20T01:02:03Z");
    }
}
