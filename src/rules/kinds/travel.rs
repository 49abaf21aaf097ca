//! Impossible travel: two places too far apart for the time between them.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_yaml_ng::Value;

use super::{Hit, Kind, KindContext, config, evict_oldest};
use crate::event::NormalizedEvent;
use crate::rules::error::RuleError;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Config {
    /// Faster than this between two events is impossible (an airliner does about 900).
    #[serde(default = "default_speed")]
    max_speed_kmh: f64,
    /// Closer than this is never reported: GeoIP is not that precise.
    #[serde(default = "default_distance")]
    min_distance_km: f64,
    /// Entities remembered.
    #[serde(default = "default_max_entities")]
    max_entities: usize,
}

fn default_speed() -> f64 {
    1000.0
}
fn default_distance() -> f64 {
    500.0
}
fn default_max_entities() -> usize {
    100_000
}

/// Where an entity was last seen.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
struct Place {
    time: DateTime<Utc>,
    lat: f64,
    lon: f64,
    name: String,
    event_id: String,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct State {
    last: HashMap<String, Place>,
    evicted: u64,
}

/// The `travel` kind.
#[derive(Debug, Clone)]
pub struct Travel {
    max_speed_kmh: f64,
    min_distance_km: f64,
    max_entities: usize,
    state: State,
}

/// Builds it from `qtrail.travel`.
pub fn build(block: &Value, ctx: &KindContext<'_>) -> Result<Box<dyn Kind>, RuleError> {
    let c: Config = config(block, "travel", ctx)?;
    if c.max_speed_kmh <= 0.0 {
        return Err(RuleError::new(
            ctx.file,
            "qtrail.travel.max_speed_kmh",
            "must be a positive speed",
        ));
    }
    Ok(Box::new(Travel {
        max_speed_kmh: c.max_speed_kmh,
        min_distance_km: c.min_distance_km,
        max_entities: c.max_entities.max(1),
        state: State::default(),
    }))
}

/// Great-circle distance in km.
pub fn haversine_km(lat1: f64, lon1: f64, lat2: f64, lon2: f64) -> f64 {
    let (p1, p2) = (lat1.to_radians(), lat2.to_radians());
    let dp = (lat2 - lat1).to_radians();
    let dl = (lon2 - lon1).to_radians();
    let a = (dp / 2.0).sin().powi(2) + p1.cos() * p2.cos() * (dl / 2.0).sin().powi(2);
    2.0 * 6371.0 * a.sqrt().asin()
}

fn place_name(event: &NormalizedEvent) -> String {
    match (&event.src_city, &event.src_country) {
        (Some(city), Some(c)) => format!("{city}, {c}"),
        (None, Some(c)) => c.clone(),
        (Some(city), None) => city.clone(),
        (None, None) => event.src_ip.clone().unwrap_or_else(|| "?".into()),
    }
}

impl Kind for Travel {
    fn name(&self) -> &'static str {
        "travel"
    }
    fn stateful(&self) -> bool {
        true
    }

    fn observe(&mut self, event: &NormalizedEvent, entity: &str) -> Option<Hit> {
        let (lat, lon) = (event.src_lat?, event.src_lon?);
        let here = Place {
            time: event.time,
            lat,
            lon,
            name: place_name(event),
            event_id: event.event_id.clone(),
        };
        let hit = self.state.last.get(entity).and_then(|prev| {
            let km = haversine_km(prev.lat, prev.lon, lat, lon);
            let hours = (event.time - prev.time).num_seconds().max(0) as f64 / 3600.0;
            let speed = if hours > 0.0 { km / hours } else { f64::INFINITY };
            (km >= self.min_distance_km && speed > self.max_speed_kmh).then(|| Hit {
                explanation: format!(
                    "{entity} seen in {} then {} {:.0} km away {} later ({}; the limit is {:.0} km/h)",
                    prev.name,
                    here.name,
                    km,
                    humanize(event.time - prev.time),
                    if speed.is_finite() {
                        format!("{speed:.0} km/h")
                    } else {
                        "at the same instant".to_string()
                    },
                    self.max_speed_kmh
                ),
                evidence: vec![event.event_id.clone(), prev.event_id.clone()],
                first_seen: prev.time,
                last_seen: event.time,
            })
        });
        self.state.last.insert(entity.to_string(), here);
        self.state.evicted += evict_oldest(&mut self.state.last, self.max_entities, |p| p.time);
        hit
    }

    kind_state!(last);
}

/// `40m`, `3h 5m`, `2d 4h`.
pub fn humanize(d: chrono::Duration) -> String {
    let m = d.num_minutes().max(0);
    match m {
        0 => format!("{}s", d.num_seconds().max(0)),
        1..60 => format!("{m}m"),
        60..1440 => format!("{}h {}m", m / 60, m % 60),
        _ => format!("{}d {}h", m / 1440, (m % 1440) / 60),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distances_are_great_circle() {
        // Boston to São Paulo is about 7,600 km.
        let d = haversine_km(42.36, -71.06, -23.55, -46.63);
        assert!((7_500.0..7_800.0).contains(&d), "{d}");
        assert_eq!(haversine_km(1.0, 2.0, 1.0, 2.0), 0.0);
    }
}
