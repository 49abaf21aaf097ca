//! Times and spans as users write them: on the command line and in rule files.

use anyhow::{Result, bail};
use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};

/// Parses a span: a whole number and a unit, `90s`, `30m`, `24h`, `7d`, `2w`.
pub fn parse_span(text: &str) -> Result<Duration> {
    let t = text.trim();
    if let Some(unit) = t.chars().last()
        && let Ok(n) = t[..t.len() - unit.len_utf8()].parse::<i64>()
    {
        let secs = match unit {
            's' => Some(1),
            'm' => Some(60),
            'h' => Some(3600),
            'd' => Some(86_400),
            'w' => Some(7 * 86_400),
            _ => None,
        };
        if let Some(secs) = secs
            && n >= 0
            && let Some(span) = n.checked_mul(secs).and_then(Duration::try_seconds)
        {
            // Every time a span is added to or taken from lies between 2000 and
            // today: capped, no such sum can leave chrono's range and panic.
            if span > max_span() {
                bail!(
                    "the span {text:?} is longer than the longest qtrail accepts ({}w, about a century)",
                    max_span().num_weeks()
                );
            }
            return Ok(span);
        }
    }
    bail!(
        "cannot read the span {text:?}: give a whole number and a unit, such as 90s, 30m, 24h, 7d, 2w"
    )
}

/// The longest span accepted anywhere (rule windows, lateness, `--since`).
fn max_span() -> Duration {
    Duration::weeks(5218)
}

/// Writes a span the way [`parse_span`] reads it, in its largest whole unit.
pub fn format_span(span: Duration) -> String {
    let s = span.num_seconds();
    for (unit, secs) in [("w", 7 * 86_400), ("d", 86_400), ("h", 3600), ("m", 60)] {
        if s != 0 && s % secs == 0 {
            return format!("{}{unit}", s / secs);
        }
    }
    format!("{s}s")
}

/// Parses a time bound: RFC 3339 (`2026-10-01T12:00:00Z`), a day (`2026-10-01`,
/// midnight UTC), or an age before `now` (`90s`, `30m`, `24h`, `7d`, `2w`).
pub fn parse_time(text: &str, now: DateTime<Utc>) -> Result<DateTime<Utc>> {
    let t = text.trim();
    if let Ok(dt) = DateTime::parse_from_rfc3339(t) {
        return Ok(dt.with_timezone(&Utc));
    }
    if let Ok(day) = NaiveDate::parse_from_str(t, "%Y-%m-%d") {
        return Ok(Utc.from_utc_datetime(&day.and_hms_opt(0, 0, 0).expect("midnight")));
    }
    if let Ok(age) = parse_span(t) {
        return Ok(now - age);
    }
    bail!(
        "cannot read the time {text:?}: give RFC 3339 (2026-10-01T12:00:00Z), a day (2026-10-01) \
         or an age such as 90s, 30m, 24h, 7d, 2w"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_past_a_century_are_refused_not_overflowed() {
        assert_eq!(parse_span("5218w").unwrap(), Duration::weeks(5218));
        let e = parse_span("1000000000d").unwrap_err().to_string();
        assert!(e.contains("longer than the longest"), "{e}");
    }

    #[test]
    fn spans_read_and_write_back() {
        assert_eq!(parse_span("10m").unwrap(), Duration::minutes(10));
        assert_eq!(parse_span("30d").unwrap(), Duration::days(30));
        assert_eq!(format_span(Duration::days(30)), "30d");
        assert_eq!(format_span(Duration::seconds(90)), "90s");
        assert!(
            parse_span("ten minutes")
                .unwrap_err()
                .to_string()
                .contains("30m")
        );
    }

    #[test]
    fn times_absolute_dates_and_ages() {
        let now = Utc.with_ymd_and_hms(2026, 11, 1, 12, 0, 0).unwrap();
        assert_eq!(
            parse_time("2026-10-01T08:30:00+02:00", now).unwrap(),
            Utc.with_ymd_and_hms(2026, 10, 1, 6, 30, 0).unwrap()
        );
        assert_eq!(
            parse_time("2026-10-01", now).unwrap(),
            Utc.with_ymd_and_hms(2026, 10, 1, 0, 0, 0).unwrap()
        );
        assert_eq!(
            parse_time("24h", now).unwrap(),
            Utc.with_ymd_and_hms(2026, 10, 31, 12, 0, 0).unwrap()
        );
        assert_eq!(
            parse_time("7d", now).unwrap(),
            Utc.with_ymd_and_hms(2026, 10, 25, 12, 0, 0).unwrap()
        );
        assert_eq!(
            parse_time("90s", now).unwrap(),
            Utc.with_ymd_and_hms(2026, 11, 1, 11, 58, 30).unwrap()
        );
        for bad in ["yesterday", "7x", "-3d", "h", "", "99999999999999999w"] {
            let e = parse_time(bad, now).unwrap_err().to_string();
            assert!(e.contains("24h"), "{bad}: {e}");
        }
    }
}
