//! Automations on the hub: the rule runner that feeds the hub's events and its
//! clock through hearth-core's pure engine and carries out what it decides,
//! and the site (coordinates and time zone) that sun triggers and local times
//! are worked out for.
//!
//! The engine decides; this module only does the I/O around it. Commands go
//! through [`Hub::execute`](crate::Hub::execute), the same validated path a
//! browser's commands take, so a rule can do nothing a user could not.

mod api;
mod clock;
mod runner;

#[cfg(test)]
mod tests;

use chrono_tz::Tz;
use hearth_core::Site;

pub(crate) use api::routes;
pub use clock::{Clock, ManualClock};
pub use hearth_core::rules::{Notification, Outcome, RuleStatus, StepResult, Trace};
pub use runner::{Automations, RuleError};

/// Where the house is: what sun events and local times are computed for.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Place {
    pub site: Site,
    pub zone: Tz,
}

/// Everything wrong with a site's settings, each problem in words.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{}", .problems.join("; "))]
pub struct PlaceError {
    pub problems: Vec<String>,
}

impl Place {
    /// A place at `latitude`° north and `longitude`° east in the IANA time
    /// zone `zone` (`Europe/London`). Reports every problem at once.
    pub fn new(latitude: f64, longitude: f64, zone: &str) -> Result<Place, PlaceError> {
        let site = Site::new(latitude, longitude);
        let zone = zone
            .parse::<Tz>()
            .map_err(|_| format!("{zone:?} is not an IANA time zone (e.g. Europe/London)"));
        match (site, zone) {
            (Ok(site), Ok(zone)) => Ok(Place { site, zone }),
            (site, zone) => {
                let mut problems: Vec<String> = site
                    .err()
                    .unwrap_or_default()
                    .iter()
                    .map(ToString::to_string)
                    .collect();
                problems.extend(zone.err());
                Err(PlaceError { problems })
            }
        }
    }
}

/// London, until the hub is told where it is.
impl Default for Place {
    fn default() -> Place {
        Place {
            site: Site::new(51.5, -0.13).expect("London's coordinates are in range"),
            zone: Tz::Europe__London,
        }
    }
}
