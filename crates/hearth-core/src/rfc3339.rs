//! Timestamps on the wire: RFC 3339 text for `DateTime<Utc>`, used through
//! `#[serde(with = "crate::rfc3339")]`. Writing goes through chrono, so the text
//! is exactly what chrono's own serde support emits (`Z`, and 0, 3, 6 or 9
//! fraction digits). Reading is a small hand-written parser instead of chrono's
//! general format machinery, which costs the browser's wasm several kilobytes
//! (see docs/PERFORMANCE.md).
//!
//! Accepted: `YYYY-MM-DDTHH:MM:SS`, an optional `.` and 1 to 9 fraction digits,
//! then `Z` or an offset `+HH:MM` / `-HH:MM`; `t`, `z` and a space separator are
//! accepted too, as chrono does. A leap second (`:60`) reads as chrono's leap
//! second representation. Anything else is an error, never a panic.

use chrono::{DateTime, NaiveDate, SecondsFormat, TimeDelta, Utc};
use serde::{Deserializer, Serializer, de};

pub fn serialize<S: Serializer>(value: &DateTime<Utc>, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(&value.to_rfc3339_opts(SecondsFormat::AutoSi, true))
}

pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<DateTime<Utc>, D::Error> {
    deserializer.deserialize_str(Rfc3339Visitor)
}

/// The same for `Option<DateTime<Utc>>`: `null` is `None`.
pub mod option {
    use super::*;

    pub fn serialize<S: Serializer>(
        value: &Option<DateTime<Utc>>,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        match value {
            Some(value) => super::serialize(value, serializer),
            None => serializer.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Option<DateTime<Utc>>, D::Error> {
        deserializer.deserialize_option(OptionVisitor)
    }

    struct OptionVisitor;

    impl<'de> de::Visitor<'de> for OptionVisitor {
        type Value = Option<DateTime<Utc>>;

        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("an RFC 3339 timestamp or null")
        }

        fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }

        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }

        fn visit_some<D: Deserializer<'de>>(
            self,
            deserializer: D,
        ) -> Result<Self::Value, D::Error> {
            super::deserialize(deserializer).map(Some)
        }
    }
}

struct Rfc3339Visitor;

impl de::Visitor<'_> for Rfc3339Visitor {
    type Value = DateTime<Utc>;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("an RFC 3339 timestamp")
    }

    fn visit_str<E: de::Error>(self, text: &str) -> Result<Self::Value, E> {
        parse(text).ok_or_else(|| E::custom("malformed RFC 3339 timestamp"))
    }
}

/// Parses one RFC 3339 timestamp; `None` for anything malformed or out of range.
pub fn parse(text: &str) -> Option<DateTime<Utc>> {
    let b = text.as_bytes();
    // The fixed-width head: `YYYY-MM-DDTHH:MM:SS`.
    if b.len() < 20 || b[4] != b'-' || b[7] != b'-' || b[13] != b':' || b[16] != b':' {
        return None;
    }
    if !matches!(b[10], b'T' | b't' | b' ') {
        return None;
    }
    let year = digits(&b[0..4])?;
    let month = digits(&b[5..7])?;
    let day = digits(&b[8..10])?;
    let hour = digits(&b[11..13])?;
    let minute = digits(&b[14..16])?;
    let second = digits(&b[17..19])?;

    let mut rest = &b[19..];
    let mut nanos = 0;
    if let [b'.', tail @ ..] = rest {
        let count = tail.iter().take_while(|c| c.is_ascii_digit()).count();
        if count == 0 || count > 9 {
            return None;
        }
        nanos = digits(&tail[..count])? * 10u32.pow(9 - count as u32);
        rest = &tail[count..];
    }
    let offset_minutes = match rest {
        [b'Z' | b'z'] => 0,
        [sign @ (b'+' | b'-'), h1, h2, b':', m1, m2] => {
            let hours = digits(&[*h1, *h2])?;
            let minutes = digits(&[*m1, *m2])?;
            if hours > 23 || minutes > 59 {
                return None;
            }
            let total = (hours * 60 + minutes) as i64;
            if *sign == b'-' { -total } else { total }
        }
        _ => return None,
    };

    // chrono represents a leap second as second 59 with a nanosecond count of
    // one second or more.
    let (second, nanos) = if second == 60 {
        (59, nanos + 1_000_000_000)
    } else {
        (second, nanos)
    };
    let local = NaiveDate::from_ymd_opt(year as i32, month, day)?
        .and_hms_nano_opt(hour, minute, second, nanos)?;
    let utc = local.checked_sub_signed(TimeDelta::minutes(offset_minutes))?;
    Some(utc.and_utc())
}

/// The value of a run of ASCII digits; `None` if any byte is not a digit.
fn digits(bytes: &[u8]) -> Option<u32> {
    bytes.iter().try_fold(0u32, |n, &c| {
        c.is_ascii_digit().then(|| n * 10 + u32::from(c - b'0'))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn utc(y: i32, mo: u32, d: u32, h: u32, mi: u32, s: u32, nanos: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, mo, d, h, mi, s).unwrap() + TimeDelta::nanoseconds(nanos.into())
    }

    #[test]
    fn parses_what_chrono_writes_and_common_offsets() {
        let noon = utc(2026, 11, 26, 12, 0, 0, 0);
        let table: &[(&str, Option<DateTime<Utc>>)] = &[
            ("2026-11-26T12:00:00Z", Some(noon)),
            (
                "2026-11-26T12:00:00.123Z",
                Some(utc(2026, 11, 26, 12, 0, 0, 123_000_000)),
            ),
            (
                "2026-11-26T12:00:00.123456Z",
                Some(utc(2026, 11, 26, 12, 0, 0, 123_456_000)),
            ),
            (
                "2026-11-26T12:00:00.123456789Z",
                Some(utc(2026, 11, 26, 12, 0, 0, 123_456_789)),
            ),
            (
                "2026-11-26T12:00:00.5Z",
                Some(utc(2026, 11, 26, 12, 0, 0, 500_000_000)),
            ),
            ("2026-11-26T12:00:00+00:00", Some(noon)),
            ("2026-11-26T13:00:00+01:00", Some(noon)),
            ("2026-11-26T06:30:00-05:30", Some(noon)),
            (
                "2026-11-27T00:30:00.25+12:30",
                Some(utc(2026, 11, 26, 12, 0, 0, 250_000_000)),
            ),
            ("2026-11-26t12:00:00z", Some(noon)),
            ("2026-11-26 12:00:00Z", Some(noon)),
            (
                "2024-02-29T23:59:59Z",
                Some(utc(2024, 2, 29, 23, 59, 59, 0)),
            ),
            (
                "2026-01-01T00:30:00+01:00",
                Some(utc(2025, 12, 31, 23, 30, 0, 0)),
            ),
            // Garbage and out-of-range values.
            ("", None),
            ("now", None),
            ("2026-11-26", None),
            ("2026-11-26T12:00:00", None),
            ("2026-11-26T12:00Z", None),
            ("2026-11-26T12:00:00.Z", None),
            ("2026-11-26T12:00:00.1234567891Z", None),
            ("2026-11-26T12:00:00ZZ", None),
            ("2026-11-26T12:00:00+0100", None),
            ("2026-11-26T12:00:00+24:00", None),
            ("2026-11-26T12:00:00+01:60", None),
            ("2026-13-26T12:00:00Z", None),
            ("2026-02-30T12:00:00Z", None),
            ("2025-02-29T12:00:00Z", None),
            ("2026-11-26T24:00:00Z", None),
            ("2026-11-26T12:60:00Z", None),
            ("2026-11-26T12:00:61Z", None),
            ("2026-11-26X12:00:00Z", None),
            ("-026-11-26T12:00:00Z", None),
            ("2026-1a-26T12:00:00Z", None),
            ("2026-11-26T12:00:00.12a4Z", None),
            ("2026-11-26T12:00:00+01:0x", None),
            ("２０２６-11-26T12:00:00Z", None),
            ("2026-11-26T12:00:00Zé", None),
        ];
        for (text, want) in table {
            assert_eq!(parse(text), *want, "parsing {text:?}");
        }
    }

    #[test]
    fn a_leap_second_reads_as_chrono_does() {
        let chrono: DateTime<Utc> = "2016-12-31T23:59:60Z".parse().unwrap();
        assert_eq!(parse("2016-12-31T23:59:60Z"), Some(chrono));
    }

    #[test]
    fn round_trips_through_chrono_text() {
        for nanos in [0, 1, 120_000_000, 123_456_000, 999_999_999] {
            let at = utc(2026, 11, 26, 12, 34, 56, nanos);
            let text = at.to_rfc3339_opts(SecondsFormat::AutoSi, true);
            assert_eq!(parse(&text), Some(at), "{text}");
        }
    }

    #[derive(Debug, PartialEq, serde::Serialize, serde::Deserialize)]
    struct Stamped {
        #[serde(with = "crate::rfc3339")]
        at: DateTime<Utc>,
        #[serde(with = "crate::rfc3339::option")]
        seen: Option<DateTime<Utc>>,
    }

    #[test]
    fn serde_form_matches_chrono_and_refuses_garbage() {
        let value = Stamped {
            at: utc(2026, 11, 26, 12, 0, 0, 123_456_789),
            seen: None,
        };
        let text = serde_json::to_string(&value).unwrap();
        assert_eq!(
            text,
            r#"{"at":"2026-11-26T12:00:00.123456789Z","seen":null}"#
        );
        assert_eq!(serde_json::from_str::<Stamped>(&text).unwrap(), value);

        let seen = r#"{"at":"2026-11-26T12:00:00Z","seen":"2026-11-26T13:00:00+01:00"}"#;
        let parsed: Stamped = serde_json::from_str(seen).unwrap();
        assert_eq!(parsed.seen, Some(utc(2026, 11, 26, 12, 0, 0, 0)));

        for bad in [
            r#"{"at":"yesterday","seen":null}"#,
            r#"{"at":12,"seen":null}"#,
            r#"{"at":"2026-11-26T12:00:00Z","seen":"soon"}"#,
            r#"{"at":"2026-11-26T12:00:00Z","seen":false}"#,
        ] {
            assert!(serde_json::from_str::<Stamped>(bad).is_err(), "{bad}");
        }
    }
}
