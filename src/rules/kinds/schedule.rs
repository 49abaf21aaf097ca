//! `schedule`: an event outside approved hours, in a named IANA time zone, with
//! weekdays, holidays and per-project overrides.

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate, NaiveTime, Timelike, Weekday};
use chrono_tz::Tz;
use serde::Deserialize;
use serde_yaml_ng::Value;

use super::{Hit, Kind, KindContext, config, describe};
use crate::event::NormalizedEvent;
use crate::rules::error::RuleError;
use crate::rules::spec::OneOrMany;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct WindowConfig {
    /// IANA zone, `Europe/Berlin`.
    timezone: Option<String>,
    /// `08:00-19:00`, or a list of such ranges; `22:00-06:00` runs past midnight.
    hours: Option<OneOrMany>,
    /// Approved days: mon, tue, ...
    weekdays: Option<Vec<String>>,
    /// Days with no approved hours, `2026-12-25`.
    holidays: Option<Vec<NaiveDate>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Config {
    #[serde(flatten)]
    default: WindowConfig,
    /// Per project: a window that replaces the default (unset keys inherit it).
    #[serde(default)]
    projects: BTreeMap<String, WindowConfig>,
}

/// Approved hours in one zone.
#[derive(Debug, Clone)]
struct Window {
    tz: Tz,
    ranges: Vec<(NaiveTime, Option<NaiveTime>)>,
    hours_text: String,
    weekdays: Vec<Weekday>,
    holidays: Vec<NaiveDate>,
}

/// The `schedule` kind.
#[derive(Debug, Clone)]
pub struct Schedule {
    default: Window,
    projects: BTreeMap<String, Window>,
}

/// Builds it from `qtrail.schedule`.
pub fn build(block: &Value, ctx: &KindContext<'_>) -> Result<Box<dyn Kind>, RuleError> {
    let c: Config = config(block, "schedule", ctx)?;
    let base = WindowConfig {
        timezone: Some(c.default.timezone.clone().unwrap_or_else(|| "UTC".into())),
        hours: Some(
            c.default
                .hours
                .clone()
                .unwrap_or(OneOrMany::One("08:00-18:00".into())),
        ),
        weekdays: Some(c.default.weekdays.clone().unwrap_or_else(|| {
            ["mon", "tue", "wed", "thu", "fri"]
                .iter()
                .map(|s| s.to_string())
                .collect()
        })),
        holidays: Some(c.default.holidays.clone().unwrap_or_default()),
    };
    let default = window(&base, "qtrail.schedule", ctx)?;
    let mut projects = BTreeMap::new();
    for (name, w) in &c.projects {
        let merged = WindowConfig {
            timezone: w.timezone.clone().or(base.timezone.clone()),
            hours: w.hours.clone().or(base.hours.clone()),
            weekdays: w.weekdays.clone().or(base.weekdays.clone()),
            holidays: w.holidays.clone().or(base.holidays.clone()),
        };
        projects.insert(
            name.to_ascii_lowercase(),
            window(&merged, &format!("qtrail.schedule.projects.{name}"), ctx)?,
        );
    }
    Ok(Box::new(Schedule { default, projects }))
}

fn window(c: &WindowConfig, place: &str, ctx: &KindContext<'_>) -> Result<Window, RuleError> {
    let err = |key: &str, msg: String| RuleError::new(ctx.file, &format!("{place}.{key}"), msg);
    let tz_name = c.timezone.as_deref().unwrap_or("UTC");
    let tz: Tz = tz_name.parse().map_err(|_| {
        err(
            "timezone",
            format!("`{tz_name}` is not an IANA time zone: write it like Europe/Berlin or America/New_York"),
        )
    })?;
    let hours = c.hours.as_ref().map(OneOrMany::to_vec).unwrap_or_default();
    let mut ranges = Vec::new();
    for h in &hours {
        let bad = || {
            err(
                "hours",
                format!("`{h}` is not a range of hours: write 08:00-19:00"),
            )
        };
        let (a, b) = h.split_once('-').ok_or_else(bad)?;
        let start = NaiveTime::parse_from_str(a.trim(), "%H:%M").map_err(|_| bad())?;
        // 24:00 is the end of the day, which NaiveTime cannot hold.
        let end = match b.trim() {
            "24:00" => None,
            b => Some(NaiveTime::parse_from_str(b, "%H:%M").map_err(|_| bad())?),
        };
        ranges.push((start, end));
    }
    let mut weekdays = Vec::new();
    for d in c.weekdays.as_deref().unwrap_or_default() {
        weekdays.push(d.parse::<Weekday>().map_err(|_| {
            err(
                "weekdays",
                format!("`{d}` is not a weekday: write mon, tue, wed, thu, fri, sat, sun"),
            )
        })?);
    }
    Ok(Window {
        tz,
        ranges,
        hours_text: hours.join(", "),
        weekdays,
        holidays: c.holidays.clone().unwrap_or_default(),
    })
}

impl Window {
    /// Whether a local time is approved; the reason when it is not.
    fn refuses(&self, event: &NormalizedEvent) -> Option<String> {
        let local = event.time.with_timezone(&self.tz);
        let day = local.date_naive();
        let t = local.time().with_nanosecond(0).unwrap_or(local.time());
        let holiday = self.holidays.contains(&day);
        let off_day = !self.weekdays.contains(&local.weekday());
        let inside = self.ranges.iter().any(|(start, end)| match end {
            None => t >= *start,
            Some(end) if start <= end => t >= *start && t < *end,
            // Past midnight: 22:00-06:00.
            Some(end) => t >= *start || t < *end,
        });
        if inside && !holiday && !off_day {
            return None;
        }
        // Words only for a refusal: most events are inside the hours.
        let approved_days = self
            .weekdays
            .iter()
            .map(|d| format!("{d}"))
            .collect::<Vec<_>>()
            .join(",");
        let when = format!(
            "{} {} ({})",
            local.format("%a %Y-%m-%d %H:%M"),
            local.format("%Z"),
            self.tz.name()
        );
        Some(if holiday {
            format!("{when} is a holiday")
        } else if off_day {
            format!("{when} is not an approved day ({approved_days})")
        } else {
            format!(
                "{when} is outside approved hours {} {approved_days}",
                self.hours_text
            )
        })
    }
}

impl Kind for Schedule {
    fn name(&self) -> &'static str {
        "schedule"
    }
    fn stateful(&self) -> bool {
        false
    }

    fn observe(&mut self, event: &NormalizedEvent, _entity: &str) -> Option<Hit> {
        let window = event
            .project
            .as_deref()
            .and_then(|p| self.projects.get(&p.to_ascii_lowercase()))
            .unwrap_or(&self.default);
        let why = window.refuses(event)?;
        Some(Hit::single(event, format!("{}: {why}", describe(event))))
    }

    no_state!();
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vocab::{Class, Source};

    fn schedule(yaml: &str) -> Box<dyn Kind> {
        let v: Value = serde_yaml_ng::from_str(yaml).unwrap();
        build(
            &v,
            &KindContext {
                file: "t.yml",
                title: "t",
                entity: &[],
            },
        )
        .unwrap_or_else(|e| panic!("{e}"))
    }

    fn job_at(utc: &str, project: Option<&str>) -> NormalizedEvent {
        let t = chrono::DateTime::parse_from_rfc3339(utc).unwrap().to_utc();
        let mut e = NormalizedEvent::new(Source::CloudTrail, t, Class::Job, "submit");
        e.project = project.map(str::to_string);
        e
    }

    #[test]
    fn local_hours_weekdays_holidays_and_dst() {
        let mut s = schedule(
            "timezone: Europe/Berlin\nhours: '08:00-19:00'\nweekdays: [mon, tue, wed, thu, fri]\nholidays: [2026-12-25]\n",
        );
        // Tue 2026-11-10 07:30 UTC is 08:30 in Berlin (CET, UTC+1): approved.
        assert!(
            s.observe(&job_at("2026-11-10T07:30:00Z", None), "")
                .is_none()
        );
        // 01:30 UTC is 02:30 in Berlin: refused, and the explanation gives local time.
        let hit = s
            .observe(&job_at("2026-11-10T01:30:00Z", None), "")
            .unwrap();
        assert!(hit.explanation.contains("02:30 CET"), "{}", hit.explanation);
        // In summer Berlin is UTC+2: 06:30 UTC is 08:30 local, approved.
        assert!(
            s.observe(&job_at("2026-07-07T06:30:00Z", None), "")
                .is_none()
        );
        // Saturday and a holiday are refused at noon.
        assert!(
            s.observe(&job_at("2026-11-14T11:00:00Z", None), "")
                .is_some()
        );
        let xmas = s
            .observe(&job_at("2026-12-25T11:00:00Z", None), "")
            .unwrap();
        assert!(xmas.explanation.contains("holiday"));
    }

    #[test]
    fn projects_override_and_overnight_ranges() {
        let mut s = schedule(
            "timezone: UTC\nhours: '08:00-18:00'\nprojects:\n  night-lab:\n    hours: '22:00-06:00'\n    weekdays: [mon, tue, wed, thu, fri, sat, sun]\n",
        );
        assert!(
            s.observe(&job_at("2026-11-10T03:00:00Z", Some("night-lab")), "")
                .is_none()
        );
        assert!(
            s.observe(&job_at("2026-11-10T12:00:00Z", Some("night-lab")), "")
                .is_some()
        );
        assert!(
            s.observe(&job_at("2026-11-10T03:00:00Z", Some("day-lab")), "")
                .is_some()
        );
    }

    #[test]
    fn bad_zone_and_hours_are_named() {
        let v: Value = serde_yaml_ng::from_str("timezone: Europe/Berlln\n").unwrap();
        let ctx = KindContext {
            file: "t.yml",
            title: "t",
            entity: &[],
        };
        let e = build(&v, &ctx).err().unwrap().to_string();
        assert!(
            e.contains("qtrail.schedule.timezone") && e.contains("Europe/Berlln"),
            "{e}"
        );
        let v: Value = serde_yaml_ng::from_str("hours: '8-19'\n").unwrap();
        let e = build(&v, &ctx).err().unwrap().to_string();
        assert!(e.contains("qtrail.schedule.hours"), "{e}");
    }
}
