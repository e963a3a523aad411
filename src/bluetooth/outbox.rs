//! Readings of held Bluetooth devices taken while the hub is out of reach,
//! kept in the order they were taken until the link is back. The outbox is
//! bounded: a long outage costs its oldest readings, counted, never the
//! browser's memory.

use std::collections::VecDeque;

use chrono::{DateTime, Utc};
use hearth_core::{ClientMessage, DeviceId, Metric};

/// How many readings wait at most: a thermometer read every 30 s with three
/// characteristics fills it in a little over a day.
pub(crate) const CAPACITY: usize = 10_000;

/// One reading as it was taken, with its measurement time.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Taken {
    pub(crate) device: DeviceId,
    pub(crate) metric: Metric,
    pub(crate) value: f64,
    pub(crate) at: DateTime<Utc>,
}

impl Taken {
    /// The frame that relays it, stamped so a late reading lands in history
    /// when it was taken rather than when it arrived.
    pub(crate) fn message(self) -> ClientMessage {
        ClientMessage::GatewayReading {
            device: self.device,
            metric: self.metric,
            value: self.value,
            at: Some(self.at),
        }
    }
}

/// The readings waiting for the hub, oldest first.
#[derive(Debug)]
pub(crate) struct Outbox {
    waiting: VecDeque<Taken>,
    capacity: usize,
    /// Readings pushed out by newer ones since the outbox was last emptied.
    dropped: u64,
}

impl Default for Outbox {
    fn default() -> Outbox {
        Outbox::new(CAPACITY)
    }
}

impl Outbox {
    pub(crate) fn new(capacity: usize) -> Outbox {
        Outbox {
            waiting: VecDeque::new(),
            capacity,
            dropped: 0,
        }
    }

    /// Keeps `reading`; when the outbox is full the oldest reading makes
    /// room. Returns how many have been dropped since it was last emptied.
    pub(crate) fn push(&mut self, reading: Taken) -> u64 {
        self.waiting.push_back(reading);
        while self.waiting.len() > self.capacity {
            self.waiting.pop_front();
            self.dropped += 1;
        }
        self.dropped
    }

    /// Everything waiting, oldest first, and how many readings were dropped
    /// to make room; the outbox is empty afterwards.
    pub(crate) fn take(&mut self) -> (Vec<Taken>, u64) {
        let dropped = std::mem::take(&mut self.dropped);
        (self.waiting.drain(..).collect(), dropped)
    }

    /// How many readings of `device` are waiting.
    pub(crate) fn waiting_for(&self, device: &DeviceId) -> usize {
        self.waiting.iter().filter(|r| r.device == *device).count()
    }

    /// Drops the readings of a device this browser no longer holds: the hub
    /// takes readings only for devices attached on the same connection.
    pub(crate) fn discard(&mut self, device: &DeviceId) {
        self.waiting.retain(|r| r.device != *device);
    }
}

/// What a card says while its readings wait, e.g. `12 readings waiting for
/// the hub`; nothing when none do.
pub(crate) fn waiting_label(count: usize) -> Option<String> {
    match count {
        0 => None,
        1 => Some("1 reading waiting for the hub".into()),
        n => Some(format!("{n} readings waiting for the hub")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{TimeDelta, TimeZone};
    use wasm_bindgen_test::wasm_bindgen_test;

    fn taken(device: &str, value: f64, second: i64) -> Taken {
        let start = Utc.with_ymd_and_hms(2026, 11, 26, 12, 0, 0).unwrap();
        Taken {
            device: DeviceId::new(device),
            metric: Metric::Temperature,
            value,
            at: start + TimeDelta::seconds(second),
        }
    }

    fn values(readings: &[Taken]) -> Vec<f64> {
        readings.iter().map(|r| r.value).collect()
    }

    #[wasm_bindgen_test]
    fn readings_leave_in_the_order_they_were_taken() {
        let mut outbox = Outbox::default();
        for (second, value) in [(0, 21.5), (30, 21.6), (60, 21.4)] {
            assert_eq!(outbox.push(taken("ble-1", value, second)), 0);
        }
        outbox.push(taken("ble-2", 48.0, 61));
        assert_eq!(outbox.waiting_for(&DeviceId::new("ble-1")), 3);
        assert_eq!(outbox.waiting_for(&DeviceId::new("ble-2")), 1);
        let (readings, dropped) = outbox.take();
        assert_eq!(values(&readings), [21.5, 21.6, 21.4, 48.0]);
        assert_eq!(dropped, 0);
        let (again, _) = outbox.take();
        assert!(again.is_empty(), "taken once, sent once");
        assert_eq!(outbox.waiting_for(&DeviceId::new("ble-1")), 0);
    }

    #[wasm_bindgen_test]
    fn a_full_outbox_drops_the_oldest_and_counts_them() {
        let mut outbox = Outbox::new(3);
        let dropped: Vec<u64> = (0..5)
            .map(|i| outbox.push(taken("ble-1", f64::from(i), i64::from(i))))
            .collect();
        assert_eq!(dropped, [0, 0, 0, 1, 2]);
        let (readings, dropped) = outbox.take();
        assert_eq!(values(&readings), [2.0, 3.0, 4.0]);
        assert_eq!(dropped, 2);
        // The count starts again with the next outage.
        outbox.push(taken("ble-1", 5.0, 5));
        assert_eq!(outbox.take().1, 0);
    }

    #[wasm_bindgen_test]
    fn the_default_bound_is_ten_thousand_readings() {
        let mut outbox = Outbox::default();
        for i in 0..=CAPACITY {
            outbox.push(taken("ble-1", i as f64, i as i64));
        }
        assert_eq!(outbox.waiting_for(&DeviceId::new("ble-1")), CAPACITY);
        let (readings, dropped) = outbox.take();
        assert_eq!(dropped, 1);
        assert_eq!(readings.first().map(|r| r.value), Some(1.0));
    }

    #[wasm_bindgen_test]
    fn a_forgotten_device_leaves_nothing_waiting() {
        let mut outbox = Outbox::default();
        outbox.push(taken("ble-1", 21.5, 0));
        outbox.push(taken("ble-2", 48.0, 1));
        outbox.push(taken("ble-1", 21.6, 2));
        outbox.discard(&DeviceId::new("ble-1"));
        let (readings, _) = outbox.take();
        assert_eq!(values(&readings), [48.0]);
    }

    #[wasm_bindgen_test]
    fn the_card_counts_what_waits() {
        let table = [
            (0, None),
            (1, Some("1 reading waiting for the hub")),
            (12, Some("12 readings waiting for the hub")),
        ];
        for (count, want) in table {
            assert_eq!(waiting_label(count).as_deref(), want, "{count}");
        }
    }

    #[wasm_bindgen_test]
    fn a_waiting_reading_keeps_its_measurement_time() {
        let reading = taken("ble-1", 22.75, 90);
        let at = reading.at;
        let ClientMessage::GatewayReading { at: sent, .. } = reading.message() else {
            panic!("not a gateway_reading");
        };
        assert_eq!(sent, Some(at));
    }
}
