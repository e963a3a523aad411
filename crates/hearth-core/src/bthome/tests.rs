//! Table tests for the BTHome decoder, with service data from real devices
//! and from the specification's examples.

use chrono::TimeZone;

use super::Measurement::*;
use super::*;

/// Bytes from hex digits; spaces only group them for the reader.
fn hex(digits: &str) -> Vec<u8> {
    let digits: Vec<u8> = digits
        .bytes()
        .filter(|b| !b.is_ascii_whitespace())
        .collect();
    digits
        .chunks(2)
        .map(|pair| u8::from_str_radix(std::str::from_utf8(pair).unwrap(), 16).unwrap())
        .collect()
}

fn ok(packet_id: Option<u8>, measurements: &[Measurement]) -> Advertisement {
    Advertisement {
        packet_id,
        measurements: measurements.to_vec(),
        ..Advertisement::default()
    }
}

fn check(table: &[(&str, Result<Advertisement, BtHomeError>)]) {
    for (data, want) in table {
        assert_eq!(&decode(&hex(data)), want, "service data {data}");
    }
}

#[test]
fn real_advertisements() {
    check(&[
        // The example on https://bthome.io/format/ (AD element 0A16D2FC4002C40903BF13).
        (
            "40 02C409 03BF13",
            Ok(ok(None, &[Temperature(25.0), Humidity(50.55)])),
        ),
        // A LYWSD03MMC on pvvx firmware, from JsBergbau/MiTemperature2 issue
        // 154 (AD element 0E16D2FC40001B016402C808036C1A).
        (
            "40 001B 0164 02C808 036C1A",
            Ok(ok(
                Some(27),
                &[Battery(100), Temperature(22.48), Humidity(67.64)],
            )),
        ),
        // pvvx firmware with voltage, from Bluetooth-Devices/bthome-ble issue 118.
        (
            "40 003F 015E 028208 03AC17 0C830B",
            Ok(ok(
                Some(63),
                &[
                    Battery(94),
                    Temperature(21.78),
                    Humidity(60.6),
                    Voltage(2.947),
                ],
            )),
        ),
    ]);
}

#[test]
fn each_object_hearth_reads() {
    // The examples in the specification's table of sensor objects.
    check(&[
        ("40 0009", Ok(ok(Some(9), &[]))),
        ("40 0161", Ok(ok(None, &[Battery(97)]))),
        ("40 02CA09", Ok(ok(None, &[Temperature(25.06)]))),
        ("40 03BF13", Ok(ok(None, &[Humidity(50.55)]))),
        ("40 0C020C", Ok(ok(None, &[Voltage(3.074)]))),
        ("40 2E23", Ok(ok(None, &[Humidity(35.0)]))),
        ("40 451101", Ok(ok(None, &[Temperature(27.3)]))),
        ("40 4511FF", Ok(ok(None, &[Temperature(-23.9)]))),
        ("40 020CFE", Ok(ok(None, &[Temperature(-5.0)]))),
        // Limits: 0 and 100 % are fine, absolute zero too.
        ("40 0100 0164", Ok(ok(None, &[Battery(0), Battery(100)]))),
        (
            "40 030000 031027",
            Ok(ok(None, &[Humidity(0.0), Humidity(100.0)])),
        ),
        ("40 024D95", Ok(ok(None, &[Temperature(-273.15)]))),
        // Only the device information byte: valid, and says nothing.
        ("40", Ok(ok(None, &[]))),
    ]);
}

#[test]
fn objects_hearth_has_no_use_for_are_stepped_over() {
    let with = |ignored: &[u8], measurements: &[Measurement]| {
        Ok(Advertisement {
            ignored: ignored.to_vec(),
            ..ok(None, measurements)
        })
    };
    check(&[
        // Illuminance (3 bytes) between a temperature and a humidity.
        (
            "40 02C409 05138A14 2E23",
            with(&[0x05], &[Temperature(25.0), Humidity(35.0)]),
        ),
        // Two button events, one "none" and one "press".
        (
            "40 02C409 3A00 3A01",
            with(&[0x3A, 0x3A], &[Temperature(25.0)]),
        ),
        // Text carries its own length: "Hi".
        ("40 02C409 53024869", with(&[0x53], &[Temperature(25.0)])),
        // Device type id and firmware version come last.
        (
            "40 02C409 F00100 F100010204",
            with(&[0xF0, 0xF1], &[Temperature(25.0)]),
        ),
    ]);
}

#[test]
fn device_information_byte() {
    let trigger_based = decode(&hex("44 3A01")).unwrap();
    assert!(trigger_based.trigger_based);
    assert!(!decode(&hex("40 3A01")).unwrap().trigger_based);
    check(&[
        ("", Err(BtHomeError::Empty)),
        (
            "41 02C409",
            Err(BtHomeError::Unsupported(Unsupported::Encrypted)),
        ),
        (
            "45 02C409",
            Err(BtHomeError::Unsupported(Unsupported::Encrypted)),
        ),
        // BTHome v1 data under the v2 UUID, and versions not yet defined.
        ("20 02C409", Err(BtHomeError::Version(1))),
        ("00", Err(BtHomeError::Version(0))),
        ("60", Err(BtHomeError::Version(3))),
        ("E0", Err(BtHomeError::Version(7))),
        // Reserved bits are ignored.
        ("5A", Ok(ok(None, &[]))),
    ]);
    assert_eq!(
        BtHomeError::Unsupported(Unsupported::Encrypted).to_string(),
        "encrypted BTHome advertisements are not supported: set the device to send them unencrypted"
    );
}

#[test]
fn decoding_stops_at_the_first_problem_keeping_what_came_before() {
    let stopped = |measurements: &[Measurement], error: ObjectError| {
        Ok(Advertisement {
            stopped: Some(error),
            ..ok(None, measurements)
        })
    };
    use ObjectError::*;
    check(&[
        (
            "40 02C409 60 0102",
            stopped(&[Temperature(25.0)], UnsupportedObject { id: 0x60, at: 4 }),
        ),
        // The timestamp's length is ambiguous in the specification.
        (
            "40 505D396164",
            stopped(&[], UnsupportedObject { id: 0x50, at: 1 }),
        ),
        (
            "40 02C4",
            stopped(
                &[],
                Truncated {
                    id: 0x02,
                    at: 1,
                    needed: 2,
                    left: 1,
                },
            ),
        ),
        (
            "40 0161 03BF",
            stopped(
                &[Battery(97)],
                Truncated {
                    id: 0x03,
                    at: 3,
                    needed: 2,
                    left: 1,
                },
            ),
        ),
        (
            "40 01",
            stopped(
                &[],
                Truncated {
                    id: 0x01,
                    at: 1,
                    needed: 1,
                    left: 0,
                },
            ),
        ),
        (
            "40 53",
            stopped(
                &[],
                Truncated {
                    id: 0x53,
                    at: 1,
                    needed: 1,
                    left: 0,
                },
            ),
        ),
        (
            "40 530541",
            stopped(
                &[],
                Truncated {
                    id: 0x53,
                    at: 1,
                    needed: 6,
                    left: 2,
                },
            ),
        ),
        (
            "40 03BF13 02C409",
            stopped(
                &[Humidity(50.55)],
                OutOfOrder {
                    id: 0x02,
                    at: 4,
                    after: 0x03,
                },
            ),
        ),
        (
            "40 0165",
            stopped(
                &[],
                OutOfRange {
                    id: 0x01,
                    at: 1,
                    value: 101.0,
                    min: 0.0,
                    max: 100.0,
                },
            ),
        ),
        (
            "40 02C409 031127",
            stopped(
                &[Temperature(25.0)],
                OutOfRange {
                    id: 0x03,
                    at: 4,
                    value: 100.01,
                    min: 0.0,
                    max: 100.0,
                },
            ),
        ),
        (
            "40 2E65",
            stopped(
                &[],
                OutOfRange {
                    id: 0x2E,
                    at: 1,
                    value: 101.0,
                    min: 0.0,
                    max: 100.0,
                },
            ),
        ),
        (
            "40 024C95",
            stopped(
                &[],
                OutOfRange {
                    id: 0x02,
                    at: 1,
                    value: -273.16,
                    min: -273.15,
                    max: 327.67,
                },
            ),
        ),
    ]);
}

#[test]
fn errors_say_where_and_why() {
    let stop = |data: &str| decode(&hex(data)).unwrap().stopped.unwrap().to_string();
    assert_eq!(
        stop("40 02C409 60 0102"),
        "unsupported object 0x60 at byte 4: its length is unknown, so nothing after it can be read"
    );
    assert_eq!(
        stop("40 0161 03BF"),
        "object 0x03 at byte 3 needs 2 byte(s) after its id, 1 left"
    );
    assert_eq!(
        stop("40 03BF13 02C409"),
        "object 0x02 at byte 4 follows 0x03: objects must be in numerical order"
    );
    assert_eq!(
        stop("40 0165"),
        "object 0x01 at byte 1: value 101 is outside 0..=100"
    );
}

#[test]
fn measurements_become_readings_except_voltage() {
    let at = Utc.with_ymd_and_hms(2026, 11, 26, 12, 0, 0).unwrap();
    let device = DeviceId::new("ble-atc-3eb393");
    let advertisement = decode(&hex("40 003F 015E 028208 03AC17 0C830B")).unwrap();
    let reading = |metric, value| Reading::new(device.clone(), metric, value, at);
    assert_eq!(
        advertisement.readings(&device, at),
        [
            reading(Metric::Battery, 94.0),
            reading(Metric::Temperature, 21.78),
            reading(Metric::Humidity, 60.6),
        ]
    );
}
