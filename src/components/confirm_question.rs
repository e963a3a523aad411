//! The question a row asks in place before an action that cannot be undone
//! (delete a rule, remove an account, reset a password): the question, the
//! action's button and Keep, which takes the focus so that Enter or Space
//! never acts by accident; Escape keeps too.

use leptos::html;
use leptos::prelude::*;

#[component]
pub(crate) fn ConfirmQuestion(
    /// The group's name for assistive technology.
    label: &'static str,
    #[prop(into)] question: Signal<String>,
    /// The text on the button that acts.
    #[prop(into)]
    answer: Signal<&'static str>,
    on_confirm: Callback<()>,
    /// Told on Keep and on Escape; the row closes the question and gives
    /// the focus back to the button that opened it.
    on_keep: Callback<()>,
) -> impl IntoView {
    let keep = NodeRef::<html::Button>::new();
    Effect::new(move || {
        if let Some(button) = keep.get() {
            let _ = button.focus();
        }
    });
    view! {
        <div
            class="rule-confirm"
            role="group"
            aria-label=label
            on:keydown=move |ev| {
                if ev.key() == "Escape" {
                    on_keep.run(());
                }
            }
        >
            <p>{move || question.get()}</p>
            <button type="button" class="danger" on:click=move |_| on_confirm.run(())>
                {move || answer.get()}
            </button>
            <button type="button" node_ref=keep on:click=move |_| on_keep.run(())>
                "Keep"
            </button>
        </div>
    }
}
