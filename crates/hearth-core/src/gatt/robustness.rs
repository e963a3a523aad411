//! Every Bluetooth decoder (GATT and BTHome) against every short byte string
//! and many seeded random longer ones: none may panic, and what decodes must
//! hold together. The inputs and checks are the seed for issue 9's fuzz targets.

use std::panic::{AssertUnwindSafe, catch_unwind};

use super::{Digital, Sensor, digital};
use crate::bthome;

/// Runs every decoder on `bytes`, failing with the input when one panics or
/// answers something inconsistent.
fn check(bytes: &[u8]) {
    let outcome = catch_unwind(AssertUnwindSafe(|| {
        for sensor in Sensor::ALL {
            if let Ok(value) = sensor.decode(bytes) {
                let width = if sensor == Sensor::BatteryLevel { 1 } else { 2 };
                assert_eq!(bytes.len(), width, "{sensor:?} accepted a wrong length");
                assert!(
                    value.is_none_or(f64::is_finite),
                    "{sensor:?} gave {value:?}"
                );
            }
        }
        if let Ok(decoded) = Digital::decode(bytes) {
            assert_eq!(decoded.states().len(), 4 * bytes.len());
            assert_eq!(decoded.encode(), bytes, "Digital did not round-trip");
            let last = decoded.states().len() - 1;
            assert!(digital::switch(bytes, last, true).is_ok());
            assert!(digital::switch(bytes, last + 1, true).is_err());
        }
        if let Ok(advertisement) = bthome::decode(bytes) {
            let objects = advertisement.measurements.len() + advertisement.ignored.len();
            assert!(objects < bytes.len(), "more objects than bytes");
        }
    }));
    if outcome.is_err() {
        panic!("a decoder failed on {bytes:02X?}");
    }
}

#[test]
fn no_decoder_panics_on_any_byte_string_up_to_2_bytes() {
    check(&[]);
    for a in 0..=u8::MAX {
        check(&[a]);
        for b in 0..=u8::MAX {
            check(&[a, b]);
        }
    }
}

/// Every object id, followed by every byte, after a valid BTHome v2
/// device information byte: each id's length class and its first value byte.
#[test]
fn no_decoder_panics_on_any_bthome_object_of_up_to_2_bytes() {
    for id in 0..=u8::MAX {
        for value in 0..=u8::MAX {
            check(&[0x40, id, value]);
        }
    }
}

/// Bytes at the edges of what the decoders distinguish: BTHome device
/// information bytes (v2, encrypted, trigger based, other versions), object
/// ids on both sides of each length class and of the ones Hearth decodes,
/// range limits (100, 101) and sign boundaries.
const EDGES: [u8; 24] = [
    0x00, 0x01, 0x02, 0x03, 0x0C, 0x20, 0x2E, 0x2F, 0x3A, 0x3B, 0x40, 0x41, 0x44, 0x45, 0x50, 0x53,
    0x60, 0x64, 0x65, 0x7F, 0x80, 0xF0, 0xF3, 0xFF,
];

#[test]
fn no_decoder_panics_on_3_and_4_byte_strings_of_edge_bytes() {
    for a in EDGES {
        for b in EDGES {
            for c in EDGES {
                check(&[a, b, c]);
                for d in EDGES {
                    check(&[a, b, c, d]);
                }
            }
        }
    }
}

/// A fixed-seed xorshift64* generator: the same inputs on every run, with no
/// dependency for a handful of random bytes.
struct Xorshift(u64);

impl Xorshift {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
}

#[test]
fn no_decoder_panics_on_seeded_random_byte_strings() {
    let mut rng = Xorshift(0x4845_4152_5448_0006);
    for round in 0..5_000 {
        let len = 4 + (rng.next() % 61) as usize;
        let mut bytes: Vec<u8> = (0..len).map(|_| rng.next() as u8).collect();
        // Half the strings start as valid BTHome v2 so decoding gets past the
        // device information byte and into the objects.
        if round % 2 == 0 {
            bytes[0] = 0x40;
        }
        check(&bytes);
    }
}
