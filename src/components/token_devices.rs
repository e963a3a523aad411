//! "Only these devices" on the new-token form: a checkbox for each device the
//! hub has, and a field for ids of devices that have not connected yet.
//! Nothing ticked or typed leaves the token free to speak for any device.

use leptos::prelude::*;

use crate::app_context::use_app_context;
use crate::components::choice_boxes::ChoiceBoxes;

/// The devices a new ingest token is bound to. Ids are compared exactly, as
/// the hub compares them (rooms, unlike ids, ignore case: see
/// `accounts::RoomChoice`).
#[derive(Debug, Clone, PartialEq, Default)]
pub(crate) struct DeviceBinding {
    ticked: Vec<String>,
    /// Ids typed by hand, separated by commas.
    pub(crate) typed: String,
}

impl DeviceBinding {
    pub(crate) fn has(&self, id: &str) -> bool {
        self.ticked.iter().any(|t| t == id)
    }

    pub(crate) fn toggle(&mut self, id: &str) {
        if self.has(id) {
            self.ticked.retain(|t| t != id);
        } else {
            self.ticked.push(id.to_owned());
        }
    }

    /// What the hub is sent: the ticked ids, then the typed ones (trimmed,
    /// each once); `None`, any device, when there are none.
    pub(crate) fn devices(&self) -> Option<Vec<String>> {
        let mut devices: Vec<String> = Vec::new();
        let typed = self.typed.split(',').map(str::trim);
        for id in self.ticked.iter().map(String::as_str).chain(typed) {
            if !id.is_empty() && !devices.iter().any(|d| d == id) {
                devices.push(id.to_owned());
            }
        }
        (!devices.is_empty()).then_some(devices)
    }
}

/// How the token list shows a token's binding.
pub(crate) fn devices_text(devices: Option<&[String]>) -> String {
    match devices {
        None => "Any device".to_owned(),
        Some(devices) => format!("Devices: {}", devices.join(", ")),
    }
}

#[component]
pub(crate) fn TokenDevices(binding: RwSignal<DeviceBinding>) -> impl IntoView {
    let ctx = use_app_context();
    let ids = Memo::new(move |_| {
        ctx.store
            .rooms()
            .into_iter()
            .flat_map(|room| room.devices)
            .map(|entry| entry.device.with_value(|device| device.id.to_string()))
            .collect::<Vec<_>>()
    });
    view! {
        <fieldset class="choice-row token-devices">
            <legend>"Only these devices"</legend>
            <ChoiceBoxes
                offered=ids
                name="device"
                ticked=Callback::new(move |id: String| binding.with(|b| b.has(&id)))
                toggle=Callback::new(move |id: String| binding.update(|b| b.toggle(&id)))
            />
            <label>
                "Not yet connected "
                <input
                    name="devices"
                    placeholder="shed-door, pond-probe"
                    prop:value=move || binding.with(|b| b.typed.clone())
                    on:input=move |ev| binding.update(|b| b.typed = event_target_value(&ev))
                />
            </label>
        </fieldset>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use wasm_bindgen_test::wasm_bindgen_test;

    #[wasm_bindgen_test]
    fn ticked_and_typed_ids_bind_the_token_and_none_leave_it_free() {
        let mut binding = DeviceBinding::default();
        assert_eq!(binding.devices(), None);
        binding.typed = " , ".into();
        assert_eq!(binding.devices(), None, "blank ids are no binding");
        binding.toggle("shed-thermometer");
        binding.toggle("porch-light");
        binding.toggle("porch-light");
        binding.typed = "shed-door, shed-thermometer,Shed-Door".into();
        assert!(binding.has("shed-thermometer") && !binding.has("porch-light"));
        assert_eq!(
            binding.devices(),
            Some(
                ["shed-thermometer", "shed-door", "Shed-Door"]
                    .map(str::to_owned)
                    .to_vec()
            )
        );
    }

    #[wasm_bindgen_test]
    fn bindings_read_as_words() {
        let shed = ["shed-thermometer".to_owned(), "shed-door".to_owned()];
        assert_eq!(devices_text(None), "Any device");
        assert_eq!(
            devices_text(Some(&shed)),
            "Devices: shed-thermometer, shed-door"
        );
    }
}
