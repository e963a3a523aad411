//! One checkbox per offered value, for pickers such as an account's rooms and
//! a token's devices.

use leptos::prelude::*;

#[component]
pub(crate) fn ChoiceBoxes(
    /// The values offered, in order.
    #[prop(into)]
    offered: Signal<Vec<String>>,
    /// The `name` each checkbox is submitted under.
    name: &'static str,
    /// Whether a value is ticked.
    ticked: Callback<String, bool>,
    /// Ticks or unticks a value.
    toggle: Callback<String>,
) -> impl IntoView {
    move || {
        offered
            .get()
            .into_iter()
            .map(|value| {
                let checked = value.clone();
                let toggled = value.clone();
                view! {
                    <label>
                        <input
                            type="checkbox"
                            name=name
                            value=value.clone()
                            prop:checked=move || ticked.run(checked.clone())
                            on:change=move |_| toggle.run(toggled.clone())
                        />
                        {value}
                    </label>
                }
            })
            .collect_view()
    }
}
