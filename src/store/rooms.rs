//! Grouping devices into rooms in the order the home page shows them: indoor
//! rooms alphabetically, then outside areas, each with its devices by name.

use hearth_core::DeviceId;

/// Areas outside the house. People scan the rooms they live in first, so these
/// come after the indoor rooms whatever their names.
const OUTSIDE: [&str; 8] = [
    "outdoors", "outside", "garden", "porch", "patio", "yard", "balcony", "terrace",
];

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Room {
    pub(crate) name: String,
    pub(crate) devices: Vec<DeviceId>,
}

impl Room {
    /// An id for the room's heading, safe in an HTML `id` attribute.
    pub(crate) fn heading_id(&self) -> String {
        let slug: String = self
            .name
            .chars()
            .map(|c| {
                if c.is_alphanumeric() {
                    c.to_ascii_lowercase()
                } else {
                    '-'
                }
            })
            .collect();
        format!("room-{slug}")
    }
}

/// One device's place: its room, its name and its id.
pub(crate) struct Placement {
    pub(crate) room: String,
    pub(crate) name: String,
    pub(crate) id: DeviceId,
}

pub(crate) fn group(placements: impl IntoIterator<Item = Placement>) -> Vec<Room> {
    let mut placements: Vec<Placement> = placements.into_iter().collect();
    placements.sort_by_cached_key(|p| (room_order(&p.room), p.name.to_lowercase(), p.id.clone()));
    let mut rooms: Vec<Room> = Vec::new();
    for placement in placements {
        match rooms.last_mut() {
            Some(room) if room.name == placement.room => room.devices.push(placement.id),
            _ => rooms.push(Room {
                name: placement.room,
                devices: vec![placement.id],
            }),
        }
    }
    rooms
}

fn room_order(room: &str) -> (bool, String, String) {
    let folded = room.to_lowercase();
    // The exact name breaks ties between rooms that differ only in case, so
    // each still forms one contiguous group.
    (OUTSIDE.contains(&folded.as_str()), folded, room.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use wasm_bindgen_test::wasm_bindgen_test;

    fn place(room: &str, name: &str, id: &str) -> Placement {
        Placement {
            room: room.into(),
            name: name.into(),
            id: DeviceId::new(id),
        }
    }

    fn check(placements: Vec<Placement>, want: &[(&str, &[&str])]) {
        let got: Vec<(String, Vec<String>)> = group(placements)
            .into_iter()
            .map(|r| (r.name, r.devices.into_iter().map(|d| d.0).collect()))
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
                place("bedroom", "Bedroom fan", "bed-fan"),
            ],
            &[
                ("Bedroom", &["bed-t"]),
                ("bedroom", &["bed-fan"]),
                ("Kitchen", &["fridge"]),
                ("Living room", &["lr-ac", "lr-light"]),
                ("Outdoors", &["outdoor"]),
                ("Porch", &["porch"]),
            ],
        );
        check(vec![], &[]);
    }

    #[wasm_bindgen_test]
    fn heading_ids_are_attribute_safe() {
        let room = Room {
            name: "Kid's Room 2".into(),
            devices: vec![],
        };
        assert_eq!(room.heading_id(), "room-kid-s-room-2");
    }
}
