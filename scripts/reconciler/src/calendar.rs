//! Business days in the issuer's time zone (an IANA name, UTC by default): the redemption
//! deadline is the end (24:00 local) of the second business day after the local day a
//! redemption was requested; weekends and the issuer's holiday list are not business days.
use std::collections::BTreeSet;

use chrono::{
    DateTime, Datelike, Days, LocalResult, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Weekday,
};
use chrono_tz::Tz;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Calendar {
    holidays: BTreeSet<NaiveDate>,
    /// The issuer's time zone: its days, cut-off and deadlines.
    zone: Tz,
}

impl Default for Calendar {
    fn default() -> Self {
        Self {
            holidays: BTreeSet::new(),
            zone: Tz::UTC,
        }
    }
}

/// An IANA time zone name (`America/New_York`, `UTC`).
pub fn parse_zone(text: &str) -> Result<Tz, String> {
    text.trim()
        .parse::<Tz>()
        .map_err(|_| format!("unknown time zone {text:?} (an IANA name, e.g. America/New_York)"))
}

/// A `HH:MM` time of day.
pub fn parse_time(text: &str) -> Result<NaiveTime, String> {
    NaiveTime::parse_from_str(text.trim(), "%H:%M")
        .map_err(|e| format!("invalid time {text:?} (expected HH:MM): {e}"))
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
            zone: Tz::UTC,
        }
    }

    /// The same holidays, counted in `zone`.
    pub fn in_zone(self, zone: Tz) -> Self {
        Self { zone, ..self }
    }

    pub fn zone(&self) -> Tz {
        self.zone
    }

    /// The local date of a unix time.
    pub fn local_date(&self, unix: i64) -> NaiveDate {
        DateTime::from_timestamp(unix, 0)
            .map_or(NaiveDate::MIN, |t| t.with_timezone(&self.zone).date_naive())
    }

    /// The unix time of `time` on local `date`; in a daylight-saving gap, the first local time
    /// after it that exists; when a time occurs twice, the first.
    pub fn at(&self, date: NaiveDate, time: NaiveTime) -> i64 {
        let mut local = NaiveDateTime::new(date, time);
        for _ in 0..4 {
            match self.zone.from_local_datetime(&local) {
                LocalResult::Single(t) | LocalResult::Ambiguous(t, _) => return t.timestamp(),
                LocalResult::None => local += chrono::Duration::minutes(30),
            }
        }
        local.and_utc().timestamp()
    }

    /// 00:00 local of `date`.
    pub fn start_of(&self, date: NaiveDate) -> i64 {
        self.at(date, NaiveTime::MIN)
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
        Ok(Self::new(holidays))
    }

    pub fn is_business_day(&self, date: NaiveDate) -> bool {
        !matches!(date.weekday(), Weekday::Sat | Weekday::Sun) && !self.holidays.contains(&date)
    }

    /// The unix time by which something requested at `requested_at` is due: the end (24:00
    /// local) of the `days`-th business day after the request's local date.
    pub fn deadline(&self, requested_at: i64, days: u32) -> i64 {
        let mut date = self.local_date(requested_at);
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
        self.start_of(
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
    fn business_days_are_the_issuers_local_days() {
        let york = Calendar::default().in_zone(parse_zone("America/New_York").unwrap());
        // Friday 2026-11-20 22:30 in New York is Saturday 03:30 UTC: a Friday request there,
        // due by the end of Tuesday 24th in New York (05:00 UTC on the 25th)
        let friday_night = at("2026-11-21", (3, 30, 0));
        assert_eq!(
            york.local_date(friday_night),
            parse_date("2026-11-20").unwrap()
        );
        assert_eq!(york.deadline(friday_night, 2), at("2026-11-25", (5, 0, 0)));
        // in UTC the same instant is a Saturday request: due by the end of Tuesday UTC
        assert_eq!(
            Calendar::default().deadline(friday_night, 2),
            at("2026-11-25", (0, 0, 0))
        );
        // a holiday on the local Monday pushes it a day, ending at local midnight
        let holiday = Calendar::parse("2026-11-23").unwrap().in_zone(york.zone());
        assert_eq!(
            holiday.deadline(friday_night, 2),
            at("2026-11-26", (5, 0, 0))
        );
        // across the spring-forward gap (2026-03-08 02:00 -> 03:00 in New York)
        let gap = parse_date("2026-03-08").unwrap();
        assert_eq!(
            york.at(gap, NaiveTime::from_hms_opt(2, 30, 0).unwrap()),
            at("2026-03-08", (7, 0, 0))
        );
        assert_eq!(york.start_of(gap), at("2026-03-08", (5, 0, 0)));
        assert!(parse_zone("Mars/Olympus").unwrap_err().contains("IANA"));
        assert_eq!(
            parse_time("17:30").unwrap(),
            NaiveTime::from_hms_opt(17, 30, 0).unwrap()
        );
        assert!(parse_time("5pm").is_err());
    }

    #[test]
    fn iso_times() {
        assert_eq!(iso(at("2026-11-20", (1, 2, 3))), "2026-11-20T01:02:03Z");
    }
}
