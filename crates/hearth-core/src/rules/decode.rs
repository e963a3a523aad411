//! What the flat decoding of rule documents shares. Triggers, conditions and
//! actions are read through one struct per kind of item, with every field any
//! variant has as an `Option`, rather than serde's internally tagged support,
//! which buffers each item in an intermediate tree and costs the browser's
//! wasm kilobytes per type (docs/PERFORMANCE.md). The JSON form is the same,
//! and so are serde's messages for the usual mistakes in it; a field given
//! as `null` now reads as one left out.

use std::fmt;
use std::marker::PhantomData;

use serde::de::value::MapAccessDeserializer;
use serde::de::{self, Deserialize, Deserializer, MapAccess, Visitor};

use crate::sun::{SunEvent, Twilight};

/// The value of a field the item's `type` needs, or serde's usual message.
pub(super) fn need<T>(value: Option<T>, field: &str) -> Result<T, String> {
    value.ok_or_else(|| format!("missing field `{field}`"))
}

/// A field two kinds give different types: a time of day as text for one
/// (`"from": "07:00"`), an object for the other (`"from": {"on": true}`).
/// Which one is right is known only once the item's `type` is, so the text
/// is kept as it came and read then.
pub(super) enum TextOr<T> {
    Text(String),
    Map(T),
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for TextOr<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(TextOrVisitor(PhantomData))
    }
}

struct TextOrVisitor<T>(PhantomData<T>);

impl<'de, T: Deserialize<'de>> Visitor<'de> for TextOrVisitor<T> {
    type Value = TextOr<T>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a string or a map")
    }

    fn visit_str<E: de::Error>(self, text: &str) -> Result<TextOr<T>, E> {
        Ok(TextOr::Text(text.to_owned()))
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<TextOr<T>, A::Error> {
        T::deserialize(MapAccessDeserializer::new(map)).map(TextOr::Map)
    }
}

/// The text as a local time of day (`07:00`, `07:00:30`), with chrono's
/// message when it is not one; a map gets the message chrono's own decoder
/// gives it.
pub(super) fn time_of_day<T>(
    value: Option<TextOr<T>>,
) -> Result<Option<chrono::NaiveTime>, String> {
    match value {
        None => Ok(None),
        Some(TextOr::Text(text)) => text.parse().map(Some).map_err(|e| format!("{e}")),
        Some(TextOr::Map(_)) => Err("invalid type: map, expected a formatted time string".into()),
    }
}

/// The kind of sun event, under `"event"`.
#[derive(Clone, Copy)]
pub(super) enum SunName {
    Sunrise,
    Sunset,
    SolarNoon,
    Dawn,
    Dusk,
}

crate::wire_names!(SunName {
    Sunrise = "sunrise",
    Sunset = "sunset",
    SolarNoon = "solar_noon",
    Dawn = "dawn",
    Dusk = "dusk",
});

/// The sun event `"event"` and `"twilight"` name together: dawn and dusk
/// need a twilight, the others take none.
pub(super) fn sun_event(
    event: Option<SunName>,
    twilight: Option<Twilight>,
) -> Result<SunEvent, String> {
    let depth = || need(twilight, "twilight");
    let plain = |event: SunEvent| match twilight {
        None => Ok(event),
        Some(_) => Err("`twilight` is only for `dawn` and `dusk`".to_owned()),
    };
    match need(event, "event")? {
        SunName::Sunrise => plain(SunEvent::Sunrise),
        SunName::Sunset => plain(SunEvent::Sunset),
        SunName::SolarNoon => plain(SunEvent::SolarNoon),
        SunName::Dawn => depth().map(SunEvent::Dawn),
        SunName::Dusk => depth().map(SunEvent::Dusk),
    }
}
