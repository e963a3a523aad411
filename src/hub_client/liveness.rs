//! Deciding when a connection is dead. A socket can look open for minutes after
//! the network under it has gone (a sleeping laptop, a Wi-Fi hand-over), so the
//! client pings when the hub is silent and gives up when the silence persists.

use chrono::{DateTime, TimeDelta, Utc};

/// What the connection task should do after a periodic check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Verdict {
    Fine,
    Ping,
    GiveUp,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Liveness {
    opened_at: DateTime<Utc>,
    greeted: bool,
    last_frame_at: DateTime<Utc>,
    last_ping_at: Option<DateTime<Utc>>,
}

impl Liveness {
    /// How often the task runs [`Liveness::check`].
    pub(crate) const CHECK_EVERY_MS: u32 = 5_000;
    /// A hub that has not said hello by then is not coming.
    const HELLO_TIMEOUT: TimeDelta = TimeDelta::seconds(10);
    /// Silence after which we ask the hub whether it is still there.
    const PING_AFTER: TimeDelta = TimeDelta::seconds(20);
    /// Silence after which the connection is treated as dead.
    const DEAD_AFTER: TimeDelta = TimeDelta::seconds(45);

    pub(crate) fn new(opened_at: DateTime<Utc>) -> Self {
        Liveness {
            opened_at,
            greeted: false,
            last_frame_at: opened_at,
            last_ping_at: None,
        }
    }

    pub(crate) fn on_frame(&mut self, now: DateTime<Utc>) {
        self.last_frame_at = now;
    }

    pub(crate) fn on_hello(&mut self) {
        self.greeted = true;
    }

    /// Whether the hub has greeted us on this connection.
    pub(crate) fn greeted(&self) -> bool {
        self.greeted
    }

    pub(crate) fn check(&mut self, now: DateTime<Utc>) -> Verdict {
        if !self.greeted {
            return if now - self.opened_at >= Self::HELLO_TIMEOUT {
                Verdict::GiveUp
            } else {
                Verdict::Fine
            };
        }
        let silence = now - self.last_frame_at;
        if silence >= Self::DEAD_AFTER {
            return Verdict::GiveUp;
        }
        let since_ping = self.last_ping_at.map_or(silence, |at| now - at);
        if silence >= Self::PING_AFTER && since_ping >= Self::PING_AFTER {
            self.last_ping_at = Some(now);
            return Verdict::Ping;
        }
        Verdict::Fine
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use wasm_bindgen_test::wasm_bindgen_test;

    fn at(seconds: i64) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 26, 12, 0, 0).unwrap() + TimeDelta::seconds(seconds)
    }

    #[wasm_bindgen_test]
    fn a_hub_that_never_says_hello_is_abandoned() {
        let mut liveness = Liveness::new(at(0));
        assert_eq!(liveness.check(at(5)), Verdict::Fine);
        assert_eq!(liveness.check(at(10)), Verdict::GiveUp);
    }

    #[wasm_bindgen_test]
    fn silence_leads_to_a_ping_then_to_giving_up() {
        let mut liveness = Liveness::new(at(0));
        liveness.on_frame(at(1));
        liveness.on_hello();
        let checks: Vec<Verdict> = [5, 20, 21, 25, 40, 41, 45, 46]
            .into_iter()
            .map(|s| liveness.check(at(s)))
            .collect();
        use Verdict::*;
        assert_eq!(checks, [Fine, Fine, Ping, Fine, Fine, Ping, Fine, GiveUp]);
    }

    #[wasm_bindgen_test]
    fn any_frame_keeps_the_connection_alive() {
        let mut liveness = Liveness::new(at(0));
        liveness.on_hello();
        for s in (0..300).step_by(5) {
            liveness.on_frame(at(s));
            assert_eq!(liveness.check(at(s + 4)), Verdict::Fine, "at {s}");
        }
    }
}
