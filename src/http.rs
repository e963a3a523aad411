//! One request to the hub's REST API through the browser's `fetch`, for
//! every page that calls it (sign-in, audit, tokens, rules): a JSON body out,
//! and back the status, the body's text and `Retry-After`.

use js_sys::{JSON, Object, Reflect};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{RequestInit, Response};

/// What came back: the status, the body, and `Retry-After` in seconds.
pub(crate) struct Answer {
    pub(crate) status: u16,
    pub(crate) body: String,
    pub(crate) retry_after: Option<u64>,
}

impl Answer {
    /// The hub's own words for a refusal: its `message` (or `error`) field.
    pub(crate) fn message(&self) -> Option<String> {
        let body = JSON::parse(&self.body).ok()?;
        ["message", "error"]
            .iter()
            .find_map(|name| Reflect::get(&body, &(*name).into()).ok()?.as_string())
    }
}

/// `Err` when the hub cannot be reached; any answer it gave otherwise.
pub(crate) async fn send(method: &str, url: &str, body: Option<&str>) -> Result<Answer, ()> {
    let window = web_sys::window().ok_or(())?;
    let init = RequestInit::new();
    init.set_method(method);
    if let Some(body) = body {
        let headers = Object::new();
        // Setting a property on a fresh plain object cannot fail.
        let _ = Reflect::set(&headers, &"content-type".into(), &"application/json".into());
        init.set_headers(&headers);
        init.set_body(&JsValue::from_str(body));
    }
    let response: Response = JsFuture::from(window.fetch_with_str_and_init(url, &init))
        .await
        .and_then(JsValue::dyn_into)
        .map_err(drop)?;
    let retry_after = response
        .headers()
        .get("retry-after")
        .ok()
        .flatten()
        .and_then(|value| value.trim().parse().ok());
    let body = match response.text() {
        Ok(promise) => JsFuture::from(promise).await.ok(),
        Err(_) => None,
    }
    .and_then(|text| text.as_string())
    .unwrap_or_default();
    Ok(Answer {
        status: response.status(),
        body,
        retry_after,
    })
}
