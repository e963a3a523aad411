//! `/tokens`, for admins: the API tokens devices and scripts hold (name,
//! scopes, the devices an ingest token is bound to, when made, whether
//! revoked), a form to make one, whose secret is shown once, and Revoke on
//! each.

use leptos::prelude::*;
use leptos::task::spawn_local;
use web_sys::SubmitEvent;

use crate::auth::api::{self, SCOPES, TokenEntry};
use crate::automations::when;
use crate::components::admin_list::AdminList;
use crate::components::back_link::BackLink;
use crate::components::token_devices::{DeviceBinding, TokenDevices, devices_text};
use crate::components::token_secret::TokenSecret;

#[component]
pub(crate) fn TokensPage() -> impl IntoView {
    let list = RwSignal::new(None::<Result<Vec<TokenEntry>, String>>);
    let reload = move || {
        spawn_local(async move {
            list.try_set(Some(api::tokens().await));
        })
    };
    reload();
    let name = RwSignal::new(String::new());
    let scopes = RwSignal::new(vec!["ingest"]);
    let binding = RwSignal::new(DeviceBinding::default());
    let ingest = move || scopes.with(|s| s.contains(&"ingest"));
    let created = RwSignal::new(None::<TokenEntry>);
    let error = RwSignal::new(None::<String>);
    let submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        let wanted = name.get_untracked();
        let chosen = scopes.get_untracked();
        // A binding limits only what an ingest token sends; the picker is
        // hidden without that scope, and so is what was picked in it.
        let devices = if ingest() {
            binding.with_untracked(DeviceBinding::devices)
        } else {
            None
        };
        error.set(None);
        spawn_local(async move {
            match api::create_token(wanted.trim(), &chosen, devices).await {
                Ok(token) => {
                    created.try_set(Some(token));
                    name.try_set(String::new());
                    binding.try_set(DeviceBinding::default());
                    reload();
                }
                Err(message) => {
                    error.try_set(Some(message));
                }
            }
        });
    };
    let revoke = move |id: i64| {
        spawn_local(async move {
            match api::revoke_token(id).await {
                Ok(()) => reload(),
                Err(message) => {
                    error.try_set(Some(message));
                }
            }
        });
    };
    let row = move |token: TokenEntry| {
        let id = token.id;
        let state = match token.revoked {
            Some(at) => view! { <span>"Revoked " {when(at)}</span> }.into_any(),
            None => view! {
                <button type="button" on:click=move |_| revoke(id)>"Revoke"</button>
            }
            .into_any(),
        };
        view! {
            <tr data-token=id.to_string()>
                <td>{token.name}</td>
                <td>{token.scopes.join(", ")}</td>
                <td>{devices_text(token.devices.as_deref())}</td>
                <td>{when(token.created)}</td>
                <td>{state}</td>
            </tr>
        }
    };
    view! {
        <header class="top-bar">
            <BackLink />
            <h1>"API tokens"</h1>
        </header>
        <main class="audit tokens">
            <form class="token-form" on:submit=submit>
                <label for="token-name">"New token for"</label>
                <input
                    id="token-name"
                    required
                    maxlength="64"
                    placeholder="shed-sensor"
                    prop:value=move || name.get()
                    on:input=move |ev| name.set(event_target_value(&ev))
                />
                <fieldset class="token-scopes">
                    <legend>"Scopes"</legend>
                    {SCOPES
                        .into_iter()
                        .map(|scope| {
                            view! {
                                <label>
                                    <input
                                        type="checkbox"
                                        name="scope"
                                        value=scope
                                        prop:checked=move || scopes.with(|s| s.contains(&scope))
                                        on:change=move |_| {
                                            scopes
                                                .update(|s| {
                                                    if let Some(at) = s.iter().position(|x| *x == scope) {
                                                        s.remove(at);
                                                    } else {
                                                        s.push(scope);
                                                    }
                                                })
                                        }
                                    />
                                    {scope}
                                </label>
                            }
                        })
                        .collect_view()}
                </fieldset>
                <Show when=ingest>
                    <TokenDevices binding />
                </Show>
                <button type="submit">"Create token"</button>
            </form>
            <p class="login-error" role="alert">{move || error.get()}</p>
            {move || {
                created
                    .get()
                    .and_then(|token| {
                        let secret = token.secret?;
                        Some(view! { <TokenSecret name=token.name secret /> })
                    })
            }}
            <AdminList
                loaded=list
                empty="No tokens yet."
                class="audit-log token-list"
                columns=&["Name", "Scopes", "Devices", "Made", "State"]
                row
            />
        </main>
    }
}
