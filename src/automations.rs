//! The hub's rule API as the automations page uses it (`docs/automations.md`,
//! "REST API"): the URLs (pure, tested), the calls, and the documents it
//! sends, such as a copy of a rule with its id left for the hub to choose.
//! Rule documents are read with core's own types, so the page shows exactly
//! what the hub stored. `form` is the form editor's model and `preview` the
//! firings the browser computes itself.

use chrono::{DateTime, Utc};
use hearth_core::rules::{Rule, RuleStatus, SiteZone, Template};
use js_sys::{JSON, Reflect};
use leptos::logging::warn;
use leptos::prelude::*;
use leptos::task::spawn_local;
use wasm_bindgen::JsValue;

use crate::chart::clock::local_offset_ms;
use crate::chart::time_text;
use crate::http;
use crate::router::encode;

pub(crate) mod form;
pub(crate) mod preview;

pub(crate) const RULES: &str = "/api/rules";
pub(crate) const TEMPLATES: &str = "/api/rules/templates";
pub(crate) const SITE: &str = "/api/site";
/// How far ahead a rule's firings are listed, as the hub's `next_firing` is.
pub(crate) const PREVIEW_DAYS: u32 = 7;

/// What the page asks of one rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Verb {
    Enable,
    Disable,
    Run,
    Delete,
}

impl Verb {
    /// The method and URL that do it to rule `id`.
    pub(crate) fn request(self, id: &str) -> (&'static str, String) {
        let rule = format!("{RULES}/{}", encode(id));
        match self {
            Verb::Enable => ("POST", format!("{rule}/enable")),
            Verb::Disable => ("POST", format!("{rule}/disable")),
            Verb::Run => ("POST", format!("{rule}/run")),
            Verb::Delete => ("DELETE", rule),
        }
    }

    /// What went wrong, for the page to say.
    fn failed(self) -> &'static str {
        match self {
            Verb::Enable => "Could not enable the rule",
            Verb::Disable => "Could not disable the rule",
            Verb::Run => "Could not run the rule",
            Verb::Delete => "Could not delete the rule",
        }
    }
}

/// The page's picture of the hub's rules, reloaded after each change the page
/// makes and each the hub pushes; what it says about the last change (done or
/// failed) is kept for a live region to announce.
#[derive(Debug, Clone, Copy)]
pub(crate) struct RulesModel {
    /// `None` until the first answer.
    pub(crate) rules: RwSignal<Option<Vec<RuleStatus>>>,
    pub(crate) error: RwSignal<Option<String>>,
    pub(crate) notice: RwSignal<Option<String>>,
    /// Where the hub is and its zone, for previews; `None` until it answers.
    pub(crate) site: RwSignal<Option<SiteZone>>,
    /// The latest reload asked for: reloads overlap (a push arrives while the
    /// page's own reload is in flight) and may answer out of order, so only
    /// the newest one's list is shown.
    latest: StoredValue<u64>,
}

impl RulesModel {
    pub(crate) fn new() -> Self {
        let model = RulesModel {
            rules: RwSignal::new(None),
            error: RwSignal::new(None),
            notice: RwSignal::new(None),
            site: RwSignal::new(None),
            latest: StoredValue::new(0),
        };
        model.reload();
        spawn_local(async move {
            match site().await {
                Ok(site) => {
                    model.site.try_set(Some(site));
                }
                Err(message) => model.fail(message),
            }
        });
        model
    }

    /// The ids in the hub's order.
    pub(crate) fn ids(&self) -> Vec<String> {
        self.rules.with(|rules| {
            rules
                .iter()
                .flatten()
                .map(|status| status.rule.id.clone())
                .collect()
        })
    }

    pub(crate) fn status(&self, id: &str) -> Option<RuleStatus> {
        self.rules.with(|rules| {
            rules
                .iter()
                .flatten()
                .find(|status| status.rule.id == id)
                .cloned()
        })
    }

    pub(crate) fn reload(&self) {
        let model = *self;
        self.latest.update_value(|latest| *latest += 1);
        let this = self.latest.get_value();
        spawn_local(async move {
            let answer = list().await;
            if model.latest.try_get_value() != Some(this) {
                return;
            }
            match answer {
                Ok(rules) => {
                    model.rules.try_set(Some(rules));
                }
                Err(message) => model.fail(message),
            }
        });
    }

    /// Does `verb` to rule `id`, says so in `done`, and reloads.
    pub(crate) fn act(&self, verb: Verb, id: String, done: String) {
        let model = *self;
        spawn_local(async move {
            match act(verb, &id).await {
                Ok(()) => model.succeed(done),
                Err(message) => model.fail(message),
            }
            model.reload();
        });
    }

    /// Stores each of `rules` as a new rule, then reloads.
    pub(crate) fn create(&self, rules: Vec<Rule>, done: String) {
        let model = *self;
        spawn_local(async move {
            let mut failed = None;
            for rule in &rules {
                if let Err(message) = create(rule).await {
                    failed = Some(message);
                    break;
                }
            }
            match failed {
                Some(message) => model.fail(message),
                None => model.succeed(done),
            }
            model.reload();
        });
    }

    /// Sends a rule document to the hub as rule `id` (or as a new rule), for
    /// both editors: `saving` while it is on its way; once stored, the notice,
    /// the editor closed (`open`) and the list reloaded; a refusal's message
    /// on the page and its problems in `refused`.
    pub(crate) fn store(
        self,
        id: Option<String>,
        text: String,
        saving: RwSignal<bool>,
        open: RwSignal<bool>,
        refused: RwSignal<Vec<String>>,
    ) {
        saving.set(true);
        spawn_local(async move {
            match save(id.as_deref(), &text).await {
                Ok(()) => {
                    self.succeed("Saved.".to_owned());
                    open.try_set(false);
                    self.reload();
                }
                Err(refusal) => {
                    refused.try_set(refusal.problems);
                    self.error.try_set(Some(refusal.message));
                }
            }
            saving.try_set(false);
        });
    }

    pub(crate) fn succeed(&self, done: String) {
        self.error.try_set(None);
        self.notice.try_set(Some(done));
    }

    fn fail(&self, message: String) {
        warn!("automations: {message}");
        self.error.try_set(Some(message));
    }
}

/// Every rule with its status, as `GET /api/rules` lists them.
pub(crate) async fn list() -> Result<Vec<RuleStatus>, String> {
    let text = call("GET", RULES, None, "Could not load the rules").await?;
    serde_json::from_str(&text).map_err(|e| format!("The hub's rule list was unreadable ({e})."))
}

/// The automations Hearth ships, to start a rule from.
pub(crate) async fn templates() -> Result<Vec<Template>, String> {
    let text = call("GET", TEMPLATES, None, "Could not load the templates").await?;
    serde_json::from_str(&text).map_err(|e| format!("The hub's templates were unreadable ({e})."))
}

/// Where the house is and its zone's offsets around now.
pub(crate) async fn site() -> Result<SiteZone, String> {
    let text = call(
        "GET",
        SITE,
        None,
        "Could not ask the hub where the house is",
    )
    .await?;
    serde_json::from_str(&text).map_err(|e| format!("The hub's site was unreadable ({e})."))
}

/// Where rule `id`'s stored traces are read.
pub(crate) fn traces_url(id: &str) -> String {
    format!("{RULES}/{}/traces", encode(id))
}

/// Rule `id`'s stored traces, oldest first, as the browser parsed them:
/// the page only shows them, and reading them with the browser's
/// `JSON.parse` spares the wasm serde's decoders of `Trace` and its kin.
pub(crate) async fn traces(id: &str) -> Result<Vec<JsValue>, String> {
    let text = call("GET", &traces_url(id), None, "Could not load the traces").await?;
    json_list(&text).ok_or_else(|| "The hub's traces were unreadable.".to_owned())
}

/// Where rule `id` is replayed over the `days` before `now`.
pub(crate) fn replay_url(id: &str, now: DateTime<Utc>, days: u32) -> String {
    let from = now - chrono::TimeDelta::days(i64::from(days));
    let stamp = |at: DateTime<Utc>| encode(&at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true));
    format!(
        "{RULES}/{}/replay?from={}&to={}",
        encode(id),
        stamp(from),
        stamp(now)
    )
}

/// When rule `id` would have fired over the last `days`, earliest first,
/// parsed by the browser as [`traces`] are.
pub(crate) async fn replay(
    id: &str,
    now: DateTime<Utc>,
    days: u32,
) -> Result<Vec<JsValue>, String> {
    let text = call(
        "GET",
        &replay_url(id, now, days),
        None,
        "Could not replay the rule",
    )
    .await?;
    json_list(&text).ok_or_else(|| "The hub's replay was unreadable.".to_owned())
}

/// The items of a JSON array, or `None` when `text` is not one.
fn json_list(text: &str) -> Option<Vec<JsValue>> {
    JSON::parse(text)
        .ok()
        .filter(js_sys::Array::is_array)
        .map(|list| js_sys::Array::from(&list).iter().collect())
}

/// A field of a parsed JSON object, `undefined` when absent.
pub(crate) fn field(object: &JsValue, name: &str) -> JsValue {
    Reflect::get(object, &name.into()).unwrap_or(JsValue::UNDEFINED)
}

/// A text field, empty when absent.
pub(crate) fn text(object: &JsValue, name: &str) -> String {
    string(object, name).unwrap_or_default()
}

/// A whole-number field (an index), 0 when absent.
pub(crate) fn index(object: &JsValue, name: &str) -> usize {
    field(object, name).as_f64().unwrap_or_default() as usize
}

/// An array field's items, none when absent.
pub(crate) fn items(object: &JsValue, name: &str) -> Vec<JsValue> {
    let list = field(object, name);
    if js_sys::Array::is_array(&list) {
        js_sys::Array::from(&list).iter().collect()
    } else {
        Vec::new()
    }
}

/// An RFC 3339 instant from the hub, in the browser's time zone as [`when`]
/// writes it, and its milliseconds since the epoch.
pub(crate) fn when_text(at: &str) -> (String, f64) {
    let utc_ms = js_sys::Date::parse(at);
    if utc_ms.is_nan() {
        return (at.to_owned(), f64::NAN);
    }
    let ms = utc_ms as i64;
    (time_text::full(ms + local_offset_ms(ms)), utc_ms)
}

pub(crate) async fn act(verb: Verb, id: &str) -> Result<(), String> {
    let (method, url) = verb.request(id);
    call(method, &url, None, verb.failed()).await.map(drop)
}

/// Stores `rule` as a new rule under an id the hub makes from its name, so a
/// template or a copy never collides with a rule already there.
pub(crate) async fn create(rule: &Rule) -> Result<(), String> {
    call(
        "POST",
        RULES,
        Some(&new_document(rule)),
        "Could not create the rule",
    )
    .await
    .map(drop)
}

/// `rule` as a `POST /api/rules` body, with an empty `id`: the hub replaces
/// it with one made from the name.
pub(crate) fn new_document(rule: &Rule) -> String {
    let unnamed = Rule {
        id: String::new(),
        ..rule.clone()
    };
    // A rule is plain data: it always serialises.
    serde_json::to_string(&unnamed).unwrap_or_default()
}

/// A copy of `rule` to store beside it: named as a copy and disabled, so two
/// rules do not act on the same moment before the user has changed one.
pub(crate) fn duplicate(rule: &Rule) -> Rule {
    Rule {
        name: format!("{} (copy)", rule.name),
        enabled: false,
        ..rule.clone()
    }
}

/// `Thu 26 Nov 2026 14:05` in the browser's time zone.
pub(crate) fn when(at: DateTime<Utc>) -> String {
    let utc_ms = at.timestamp_millis();
    time_text::full(utc_ms + local_offset_ms(utc_ms))
}

/// A request the hub refused or that did not reach it: a sentence for the
/// page and, for a rule the hub found invalid, each problem at its path.
#[derive(Debug, Clone, PartialEq, Default)]
pub(crate) struct Refusal {
    pub(crate) message: String,
    /// `actions[0].device: no device `attic``, in document order.
    pub(crate) problems: Vec<String>,
}

/// Stores `text` (a rule document) as rule `id`, or as a new rule.
async fn save(id: Option<&str>, text: &str) -> Result<(), Refusal> {
    let (method, url, failed) = match id {
        Some(id) => (
            "PUT",
            format!("{RULES}/{}", encode(id)),
            "Could not save the rule",
        ),
        None => ("POST", RULES.to_owned(), "Could not create the rule"),
    };
    request(method, &url, Some(text), failed).await.map(drop)
}

/// `rule` as text to edit: the documented JSON, indented by the browser's
/// `JSON.stringify`, since serde_json's pretty printer would be a second copy
/// of the rule's serialiser in the wasm (about 10 kB brotli).
pub(crate) fn document_text(rule: &Rule) -> String {
    // A rule is plain data: it always serialises.
    let compact = serde_json::to_string(rule).unwrap_or_default();
    JSON::parse(&compact)
        .and_then(|value| {
            JSON::stringify_with_replacer_and_space(&value, &JsValue::NULL, &2.into())
        })
        .ok()
        .and_then(|text| text.as_string())
        .unwrap_or(compact)
}

/// A rule document as typed, for the form: JSON with the documented
/// fields; the `id` may be left out, as the hub allows.
pub(crate) fn parse_document(text: &str) -> Result<Rule, String> {
    let value = JSON::parse(text).map_err(|_| "The text is not JSON.".to_owned())?;
    if !value.is_object() {
        return Err("The text is not a rule: it must be a JSON object.".to_owned());
    }
    if Reflect::get(&value, &"id".into()).is_ok_and(|id| id.is_undefined()) {
        let _ = Reflect::set(&value, &"id".into(), &"".into());
    }
    let json = JSON::stringify(&value)
        .ok()
        .and_then(|text| text.as_string())
        .unwrap_or_default();
    serde_json::from_str(&json).map_err(|e| format!("The text is not a rule: {e}."))
}

/// Where a new rule written as text starts: the smallest useful rule.
pub(crate) const BLANK: &str = r#"{
  "name": "New rule",
  "triggers": [{"type": "time", "at": "07:00"}],
  "actions": [{"type": "notify", "message": "Good morning"}]
}"#;

async fn call(method: &str, url: &str, body: Option<&str>, failed: &str) -> Result<String, String> {
    request(method, url, body, failed)
        .await
        .map_err(|refusal| refusal.message)
}

/// One request; the answer's text, or what failed: the hub's own message
/// and problems when it sent them.
async fn request(
    method: &str,
    url: &str,
    body: Option<&str>,
    failed: &str,
) -> Result<String, Refusal> {
    let unreachable = || Refusal {
        message: format!("{failed}: the hub cannot be reached."),
        problems: Vec::new(),
    };
    let answer = http::send(method, url, body)
        .await
        .map_err(|()| unreachable())?;
    if (200..300).contains(&answer.status) {
        return Ok(answer.body);
    }
    let body = JSON::parse(&answer.body).unwrap_or(JsValue::UNDEFINED);
    let message =
        string(&body, "message").unwrap_or_else(|| format!("the hub answered {}", answer.status));
    let problems = Reflect::get(&body, &"diagnostics".into())
        .ok()
        .filter(js_sys::Array::is_array)
        .map(|list| {
            js_sys::Array::from(&list)
                .iter()
                .map(|problem| {
                    let path = string(&problem, "path").unwrap_or_default();
                    let message = string(&problem, "message").unwrap_or_default();
                    if path.is_empty() {
                        message
                    } else {
                        format!("{path}: {message}")
                    }
                })
                .collect()
        })
        .unwrap_or_default();
    Err(Refusal {
        message: format!("{failed}: {message}"),
        problems,
    })
}

fn string(object: &JsValue, name: &str) -> Option<String> {
    Reflect::get(object, &name.into()).ok()?.as_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use hearth_core::rules::templates as shipped;
    use wasm_bindgen_test::wasm_bindgen_test;

    #[wasm_bindgen_test]
    fn verbs_name_their_endpoints() {
        let table = [
            (Verb::Enable, "porch", ("POST", "/api/rules/porch/enable")),
            (Verb::Disable, "porch", ("POST", "/api/rules/porch/disable")),
            (Verb::Run, "a b", ("POST", "/api/rules/a%20b/run")),
            (Verb::Delete, "porch", ("DELETE", "/api/rules/porch")),
        ];
        for (verb, id, (method, url)) in table {
            assert_eq!(verb.request(id), (method, url.to_owned()), "{verb:?}");
        }
        assert_eq!(traces_url("a b"), "/api/rules/a%20b/traces");
        let now = "2026-11-26T12:00:00Z".parse().unwrap();
        assert_eq!(
            replay_url("porch", now, 3),
            "/api/rules/porch/replay?from=2026-11-23T12%3A00%3A00Z&to=2026-11-26T12%3A00%3A00Z"
        );
    }

    #[wasm_bindgen_test]
    fn new_rules_leave_the_id_to_the_hub() {
        let rule = shipped()[0].rules[0].clone();
        let body: serde_json::Value = serde_json::from_str(&new_document(&rule)).unwrap();
        assert_eq!(body["id"], "", "{body}");
        assert_eq!(body["name"], rule.name);
        assert_eq!(
            body["triggers"],
            serde_json::to_value(&rule.triggers).unwrap()
        );
    }

    #[wasm_bindgen_test]
    fn the_text_view_round_trips() {
        for template in shipped() {
            for rule in template.rules {
                assert_eq!(parse_document(&document_text(&rule)), Ok(rule));
            }
        }
        let blank = parse_document(BLANK).unwrap();
        assert_eq!((blank.id.as_str(), blank.name.as_str()), ("", "New rule"));
        assert!(parse_document("[1]").is_err());
        assert!(parse_document("{").is_err());
    }

    #[wasm_bindgen_test]
    fn a_copy_is_named_so_and_starts_disabled() {
        let rule = shipped()[0].rules[0].clone();
        let copy = duplicate(&rule);
        assert_eq!(copy.name, format!("{} (copy)", rule.name));
        assert!(!copy.enabled);
        assert_eq!(copy.actions, rule.actions);
    }
}
