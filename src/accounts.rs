//! What the Users page works out for itself: the passwords it makes for new
//! people (from the browser's cryptographic random source), and an account's
//! rooms as checkboxes and in words.

use js_sys::{Function, Reflect, Uint8Array};
use wasm_bindgen::JsCast;

use crate::auth::Role;

/// Letters and digits without look-alikes (no `l`, `I`, `O`, `0`, `1`), as
/// the hub's own generated passwords use, so a password read aloud or
/// copied by hand comes out right.
const PASSWORD_ALPHABET: &[u8] = b"abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";

/// About 116 bits from the 56-character alphabet.
pub(crate) const PASSWORD_LENGTH: usize = 20;

/// The roles in the order the page offers them, least power first so a
/// slip of the keyboard never makes an admin.
pub(crate) const ROLES: [Role; 3] = [Role::Viewer, Role::Member, Role::Admin];

pub(crate) fn role_named(label: &str) -> Option<Role> {
    ROLES.into_iter().find(|role| role.label() == label)
}

/// Told when the browser cannot make a password itself.
pub(crate) const NO_RANDOM: &str = "This browser cannot make a password; type one instead.";

/// A new password, or `None` where the browser has no `crypto.getRandomValues`
/// (then the admin types one).
pub(crate) fn generate_password() -> Option<String> {
    let mut password = String::with_capacity(PASSWORD_LENGTH);
    while password.len() < PASSWORD_LENGTH {
        let bytes = random_bytes(2 * PASSWORD_LENGTH as u32)?;
        password.extend(password_chars(&bytes).take(PASSWORD_LENGTH - password.len()));
    }
    Some(password)
}

/// The alphabet's characters that `bytes` pick. A byte at or past the last
/// whole multiple of the alphabet's length is skipped, so that every
/// character is equally likely.
fn password_chars(bytes: &[u8]) -> impl Iterator<Item = char> + '_ {
    let size = PASSWORD_ALPHABET.len();
    let fair = 256 - 256 % size;
    bytes
        .iter()
        .map(|byte| usize::from(*byte))
        .filter(move |byte| *byte < fair)
        .map(move |byte| char::from(PASSWORD_ALPHABET[byte % size]))
}

/// `crypto.getRandomValues(new Uint8Array(count))`, through `Reflect` so the
/// wasm needs no further web-sys bindings.
fn random_bytes(count: u32) -> Option<Vec<u8>> {
    let window = web_sys::window()?;
    let crypto = Reflect::get(&window, &"crypto".into())
        .ok()
        .filter(|value| value.is_object())?;
    let fill = Reflect::get(&crypto, &"getRandomValues".into())
        .ok()?
        .dyn_into::<Function>()
        .ok()?;
    let bytes = Uint8Array::new_with_length(count);
    fill.call1(&crypto, &bytes).ok()?;
    Some(bytes.to_vec())
}

/// An account's rooms in words: `Every room`, or the list.
pub(crate) fn rooms_text(rooms: Option<&[String]>) -> String {
    match rooms {
        None => "Every room".to_owned(),
        Some([]) => "No room".to_owned(),
        Some(rooms) => rooms.join(", "),
    }
}

/// The rooms a form offers and which are ticked. The hub compares room names
/// without regard to case, and so does this.
#[derive(Debug, Clone, PartialEq, Default)]
pub(crate) struct RoomChoice {
    /// "Every room": the account is not limited (`rooms: null`).
    pub(crate) every: bool,
    chosen: Vec<String>,
}

impl RoomChoice {
    /// The choice an account's rooms make (`None`, every room, for a new one).
    pub(crate) fn new(rooms: Option<&[String]>) -> RoomChoice {
        RoomChoice {
            every: rooms.is_none(),
            chosen: rooms.map(<[String]>::to_vec).unwrap_or_default(),
        }
    }

    /// Whether `room`'s own checkbox is ticked.
    pub(crate) fn has(&self, room: &str) -> bool {
        !self.every && self.chosen.iter().any(|r| r.eq_ignore_ascii_case(room))
    }

    /// Ticks or unticks one room; ticking one means the account is limited.
    pub(crate) fn toggle(&mut self, room: &str) {
        if self.has(room) {
            self.chosen.retain(|r| !r.eq_ignore_ascii_case(room));
        } else {
            if self.every {
                self.chosen.clear();
            }
            self.every = false;
            self.chosen.push(room.to_owned());
        }
    }

    /// What the hub is sent: `None` for every room.
    pub(crate) fn rooms(&self) -> Option<Vec<String>> {
        (!self.every).then(|| self.chosen.clone())
    }

    /// The checkboxes to offer: the rooms the devices are in (in their
    /// order), then any this choice names that no device is in, so that
    /// saving never drops them unseen.
    pub(crate) fn offered(&self, device_rooms: impl IntoIterator<Item = String>) -> Vec<String> {
        let mut offered: Vec<String> = Vec::new();
        let named = self.chosen.iter().cloned();
        for room in device_rooms.into_iter().chain(named) {
            if !offered.iter().any(|r| r.eq_ignore_ascii_case(&room)) {
                offered.push(room);
            }
        }
        offered
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use wasm_bindgen_test::wasm_bindgen_test;

    #[wasm_bindgen_test]
    fn a_generated_password_is_long_and_has_no_look_alikes() {
        let first = generate_password().expect("Chromium has crypto.getRandomValues");
        assert_eq!(first.chars().count(), PASSWORD_LENGTH);
        assert!(
            first.bytes().all(|c| PASSWORD_ALPHABET.contains(&c)),
            "{first}"
        );
        assert!(!first.contains(['l', 'I', 'O', '0', '1']), "{first}");
        assert_ne!(first, generate_password().unwrap(), "two passwords differ");
    }

    #[wasm_bindgen_test]
    fn bytes_past_the_fair_range_are_skipped() {
        // 56 characters: bytes 0..224 go four times round the alphabet.
        let picked: String = password_chars(&[0, 55, 56, 223, 224, 255]).collect();
        assert_eq!(picked, "a9a9");
    }

    #[wasm_bindgen_test]
    fn rooms_read_as_words() {
        let kitchen = ["Kitchen".to_owned(), "Porch".to_owned()];
        let table = [
            (None, "Every room"),
            (Some(&kitchen[..0]), "No room"),
            (Some(&kitchen[..1]), "Kitchen"),
            (Some(&kitchen[..]), "Kitchen, Porch"),
        ];
        for (rooms, want) in table {
            assert_eq!(rooms_text(rooms), want);
        }
    }

    #[wasm_bindgen_test]
    fn ticking_a_room_limits_the_account_and_every_room_lifts_it() {
        let mut choice = RoomChoice::new(None);
        assert_eq!(choice.rooms(), None);
        assert!(!choice.has("Kitchen"));
        choice.toggle("Kitchen");
        assert_eq!(choice.rooms(), Some(vec!["Kitchen".to_owned()]));
        choice.toggle("porch");
        choice.toggle("KITCHEN");
        assert_eq!(choice.rooms(), Some(vec!["porch".to_owned()]));
        choice.every = true;
        assert_eq!(choice.rooms(), None);
        assert!(
            !choice.has("porch"),
            "every room shows no single room ticked"
        );
    }

    #[wasm_bindgen_test]
    fn offered_rooms_keep_ones_no_device_is_in() {
        let named = ["kitchen".to_owned(), "Attic".to_owned()];
        let choice = RoomChoice::new(Some(&named));
        let devices = ["Kitchen", "Porch"].map(str::to_owned);
        assert_eq!(choice.offered(devices), ["Kitchen", "Porch", "Attic"]);
        assert!(choice.has("Kitchen"));
    }

    #[wasm_bindgen_test]
    fn roles_read_back_from_their_labels() {
        for role in ROLES {
            assert_eq!(role_named(role.label()), Some(role));
        }
        assert_eq!(role_named("owner"), None);
    }
}
