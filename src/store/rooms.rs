//! Grouping devices into rooms in the order the home page shows them: indoor
//! rooms alphabetically, then outside areas, each with its devices by name.

use std::cmp::Ordering;

/// Areas outside the house. People scan the rooms they live in first, so these
/// come after the indoor rooms whatever their names.
const OUTSIDE: [&str; 8] = [
    "outdoors", "outside", "garden", "porch", "patio", "yard", "balcony", "terrace",
];

/// A room and its devices (`T` is whatever stands for a device: an id in
/// tests, the device's signals in the app).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Room<T> {
    pub(crate) name: String,
    pub(crate) devices: Vec<T>,
}

impl<T> Room<T> {
    /// An id for the room's heading, safe in an HTML `id` attribute (which
    /// only excludes ASCII whitespace). Non-ASCII characters are kept as they
    /// are, so `Küche` and `Kuche` stay apart without Unicode's tables for
    /// `is_alphanumeric` in the wasm; ASCII punctuation becomes `-`.
    pub(crate) fn heading_id(&self) -> String {
        let slug: String = self
            .name
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || !c.is_ascii() {
                    c.to_ascii_lowercase()
                } else {
                    '-'
                }
            })
            .collect();
        format!("room-{slug}")
    }
}

/// One device's place: its room, its name, and the device itself.
pub(crate) struct Placement<T> {
    pub(crate) room: String,
    pub(crate) name: String,
    pub(crate) device: T,
}

/// Groups devices into rooms in display order. Devices with the same name
/// keep the order they came in (the store gives them in id order).
pub(crate) fn group<T>(placements: impl IntoIterator<Item = Placement<T>>) -> Vec<Room<T>> {
    let mut placements: Vec<Placement<T>> = placements.into_iter().collect();
    let order = |a: &Placement<T>, b: &Placement<T>| {
        room_order(&a.room).cmp(&room_order(&b.room)).then_with(|| {
            a.name
                .to_ascii_lowercase()
                .cmp(&b.name.to_ascii_lowercase())
        })
    };
    // A stable insertion sort instead of `sort_by`: a home has tens of devices,
    // not thousands, and the standard library's sort adds about 3 kB to the
    // wasm (docs/PERFORMANCE.md). Only a strictly greater neighbour moves, so
    // equal devices keep their order.
    for i in 1..placements.len() {
        let mut j = i;
        while j > 0 && order(&placements[j - 1], &placements[j]) == Ordering::Greater {
            placements.swap(j - 1, j);
            j -= 1;
        }
    }
    let mut rooms: Vec<Room<T>> = Vec::new();
    for placement in placements {
        match rooms.last_mut() {
            Some(room) if room.name == placement.room => room.devices.push(placement.device),
            _ => rooms.push(Room {
                name: placement.room,
                devices: vec![placement.device],
            }),
        }
    }
    rooms
}

/// Case-insensitive for ASCII letters only: full Unicode case folding would
/// add its tables to the wasm, and other letters still sort consistently.
fn room_order(room: &str) -> (bool, String, &str) {
    let folded = room.to_ascii_lowercase();
    // The exact name breaks ties between rooms that differ only in case, so
    // each still forms one contiguous group.
    (OUTSIDE.contains(&folded.as_str()), folded, room)
}

#[cfg(test)]
mod tests {
    use super::*;
    use wasm_bindgen_test::wasm_bindgen_test;

    fn place(room: &str, name: &str, id: &'static str) -> Placement<&'static str> {
        Placement {
            room: room.into(),
            name: name.into(),
            device: id,
        }
    }

    fn check(placements: Vec<Placement<&'static str>>, want: &[(&str, &[&str])]) {
        let got: Vec<(String, Vec<String>)> = group(placements)
            .into_iter()
            .map(|r| (r.name, r.devices.into_iter().map(String::from).collect()))
            .collect();
        let want: Vec<(String, Vec<String>)> = want
            .iter()
            .map(|(room, ids)| {
                (
                    room.to_string(),
                    ids.iter().map(|i| i.to_string()).collect(),
                )
            })
            .collect();
        assert_eq!(got, want);
    }

    #[wasm_bindgen_test]
    fn rooms_alphabetical_with_outside_last() {
        check(
            vec![
                place("Outdoors", "Outdoor thermometer", "outdoor"),
                place("Living room", "Living room light", "lr-light"),
                place("Porch", "Porch light", "porch"),
                place("Bedroom", "Bedroom thermometer", "bed-t"),
                place("Kitchen", "Fridge", "fridge"),
                place("Living room", "Living room AC", "lr-ac"),
                place("Living room", "living room AC", "lr-ac-2"),
                place("bedroom", "Bedroom fan", "bed-fan"),
            ],
            &[
                ("Bedroom", &["bed-t"]),
                ("bedroom", &["bed-fan"]),
                ("Kitchen", &["fridge"]),
                ("Living room", &["lr-ac", "lr-ac-2", "lr-light"]),
                ("Outdoors", &["outdoor"]),
                ("Porch", &["porch"]),
            ],
        );
        check(vec![], &[]);
    }

    #[wasm_bindgen_test]
    fn heading_ids_are_attribute_safe() {
        let room: Room<()> = Room {
            name: "Kid's Room 2".into(),
            devices: vec![],
        };
        assert_eq!(room.heading_id(), "room-kid-s-room-2");
        let room: Room<()> = Room {
            name: "Küche".into(),
            devices: vec![],
        };
        assert_eq!(room.heading_id(), "room-küche");
    }
}
