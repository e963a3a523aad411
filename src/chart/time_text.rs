//! Times as the chart writes and reads them, in integer arithmetic on "local
//! milliseconds" (UTC milliseconds shifted by the browser's offset), so no
//! date-formatting or parsing machinery is linked into the wasm.

use super::view::{DAY, HOUR, MINUTE};

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];
const WEEKDAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];

/// A local calendar date and time of day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Civil {
    pub(crate) year: i64,
    /// 1 to 12.
    pub(crate) month: u32,
    /// 1 to 31.
    pub(crate) day: u32,
    pub(crate) hour: u32,
    pub(crate) minute: u32,
}

impl Civil {
    /// Howard Hinnant's `civil_from_days`, on local milliseconds.
    pub(crate) fn from_local_ms(ms: i64) -> Civil {
        let days = ms.div_euclid(DAY);
        let in_day = ms.rem_euclid(DAY);
        let z = days + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z - era * 146_097;
        let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
        let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
        let year = yoe + era * 400 + i64::from(month <= 2);
        Civil {
            year,
            month,
            day,
            hour: (in_day / HOUR) as u32,
            minute: (in_day % HOUR / MINUTE) as u32,
        }
    }

    /// Howard Hinnant's `days_from_civil`, back to local milliseconds.
    pub(crate) fn to_local_ms(self) -> i64 {
        let year = self.year - i64::from(self.month <= 2);
        let era = year.div_euclid(400);
        let yoe = year - era * 400;
        let month = i64::from(self.month);
        let mp = if month > 2 { month - 3 } else { month + 9 };
        let doy = (153 * mp + 2) / 5 + i64::from(self.day) - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        let days = era * 146_097 + doe - 719_468;
        days * DAY + i64::from(self.hour) * HOUR + i64::from(self.minute) * MINUTE
    }

    fn month_name(self) -> &'static str {
        MONTHS[(self.month - 1) as usize]
    }
}

/// `14:05`.
pub(crate) fn clock(local_ms: i64) -> String {
    let c = Civil::from_local_ms(local_ms);
    format!("{:02}:{:02}", c.hour, c.minute)
}

/// `26 Nov`.
pub(crate) fn day_month(local_ms: i64) -> String {
    let c = Civil::from_local_ms(local_ms);
    format!("{} {}", c.day, c.month_name())
}

/// `Nov 2026`.
pub(crate) fn month_year(local_ms: i64) -> String {
    let c = Civil::from_local_ms(local_ms);
    format!("{} {}", c.month_name(), c.year)
}

/// `Thu 26 Nov 2026 14:05`, what the tooltip says.
pub(crate) fn full(local_ms: i64) -> String {
    let c = Civil::from_local_ms(local_ms);
    let weekday = WEEKDAYS[local_ms.div_euclid(DAY).rem_euclid(7) as usize];
    format!(
        "{weekday} {} {} {} {:02}:{:02}",
        c.day,
        c.month_name(),
        c.year,
        c.hour,
        c.minute
    )
}

/// The value of an `<input type="datetime-local">`: `2026-11-26T14:05`.
pub(crate) fn input_value(local_ms: i64) -> String {
    let c = Civil::from_local_ms(local_ms);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}",
        c.year, c.month, c.day, c.hour, c.minute
    )
}

/// UTC milliseconds as RFC 3339, what the hub's `from` and `to` take:
/// `2026-11-26T14:05:00.250Z`.
pub(crate) fn rfc3339(utc_ms: i64) -> String {
    let c = Civil::from_local_ms(utc_ms);
    let ms = utc_ms.rem_euclid(MINUTE);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z",
        c.year,
        c.month,
        c.day,
        c.hour,
        c.minute,
        ms / 1_000,
        ms % 1_000
    )
}

/// Reads a `datetime-local` value (seconds, if present, are ignored) back to
/// local milliseconds; `None` for anything else, including impossible dates.
pub(crate) fn parse_input(text: &str) -> Option<i64> {
    let bytes = text.as_bytes();
    if bytes.len() < 16
        || bytes[4] != b'-'
        || bytes[7] != b'-'
        || bytes[10] != b'T'
        || bytes[13] != b':'
    {
        return None;
    }
    let number = |range: std::ops::Range<usize>| -> Option<u32> {
        let part = text.get(range)?;
        part.bytes()
            .all(|b| b.is_ascii_digit())
            .then(|| part.parse().ok())?
    };
    let civil = Civil {
        year: i64::from(number(0..4)?),
        month: number(5..7)?,
        day: number(8..10)?,
        hour: number(11..13)?,
        minute: number(14..16)?,
    };
    let valid = (1..=12).contains(&civil.month)
        && civil.day >= 1
        && civil.hour < 24
        && civil.minute < 60
        && Civil::from_local_ms(civil.to_local_ms()) == civil;
    valid.then(|| civil.to_local_ms())
}

#[cfg(test)]
mod tests {
    use super::*;
    use wasm_bindgen_test::wasm_bindgen_test;

    /// 2026-11-26T14:05:00Z.
    const THURSDAY: i64 = 1_795_701_900_000;

    #[wasm_bindgen_test]
    fn formats_read_as_people_write_them() {
        assert_eq!(clock(THURSDAY), "14:05");
        assert_eq!(day_month(THURSDAY), "26 Nov");
        assert_eq!(month_year(THURSDAY), "Nov 2026");
        assert_eq!(full(THURSDAY), "Thu 26 Nov 2026 14:05");
        assert_eq!(input_value(THURSDAY), "2026-11-26T14:05");
        assert_eq!(full(0), "Thu 1 Jan 1970 00:00");
        assert_eq!(full(951_782_400_000), "Tue 29 Feb 2000 00:00");
        assert_eq!(rfc3339(THURSDAY + 7_250), "2026-11-26T14:05:07.250Z");
    }

    #[wasm_bindgen_test]
    fn input_values_round_trip_and_nonsense_is_refused() {
        for ms in [0, THURSDAY, 951_782_400_000, 4_102_444_740_000] {
            assert_eq!(parse_input(&input_value(ms)), Some(ms));
        }
        assert_eq!(parse_input("2026-11-26T14:05:30"), Some(THURSDAY));
        for bad in [
            "",
            "2026-11-26",
            "2026-02-30T10:00",
            "2026-13-01T10:00",
            "2026-11-26T24:00",
            "2026-11-26 14:05",
            "20a6-11-26T14:05",
        ] {
            assert_eq!(parse_input(bad), None, "{bad:?}");
        }
    }
}
