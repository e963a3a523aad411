//! The few Home Assistant `value_template` forms that devices actually send,
//! read by a tiny parser instead of a template engine: `{{ value }}`,
//! `{{ value_json.a.b }}`, `{{ value_json['a'] }}`, the `float`, `int` and
//! `round(n)` filters, and scaling by `* n` or `/ n`. Anything else is refused
//! with a reason when the config arrives, so no state is ever misread.

use std::fmt;

use serde_json::Value;

/// A parsed template, ready to render payloads.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Template {
    source: Source,
    steps: Vec<Step>,
}

#[derive(Debug, Clone, PartialEq)]
enum Source {
    /// The payload as text.
    Value,
    /// A path into the payload parsed as JSON.
    Json(Vec<Key>),
}

#[derive(Debug, Clone, PartialEq)]
enum Key {
    Field(String),
    Index(usize),
}

#[derive(Debug, Clone, PartialEq)]
enum Step {
    Float,
    Int,
    Round(u32),
    Mul(f64),
    Div(f64),
}

/// Why a template cannot be read, or a payload cannot be rendered by it.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{0}")]
pub(crate) struct TemplateError(String);

fn error(message: impl Into<String>) -> TemplateError {
    TemplateError(message.into())
}

impl Template {
    /// The template that passes the payload through unchanged.
    pub(crate) fn value() -> Template {
        Template {
            source: Source::Value,
            steps: Vec::new(),
        }
    }

    pub(crate) fn parse(text: &str) -> Result<Template, TemplateError> {
        let unsupported = |why: &str| error(format!("unsupported value template {text:?}: {why}"));
        let inner = text
            .trim()
            .strip_prefix("{{")
            .and_then(|rest| rest.strip_suffix("}}"))
            .ok_or_else(|| unsupported("only a single {{ … }} expression is understood"))?;
        let mut cursor = Cursor { rest: inner };
        cursor.skip_space();
        let source = if cursor.eat_word("value_json") {
            let mut path = Vec::new();
            loop {
                if cursor.eat(".") {
                    let name = cursor.ident();
                    if name.is_empty() {
                        return Err(unsupported("expected a field name after `.`"));
                    }
                    path.push(Key::Field(name.to_owned()));
                } else if cursor.eat("[") {
                    let key = cursor
                        .subscript()
                        .ok_or_else(|| unsupported("expected ['name'] or [number]"))?;
                    path.push(key);
                } else {
                    break;
                }
            }
            Source::Json(path)
        } else if cursor.eat_word("value") {
            Source::Value
        } else {
            return Err(unsupported("it must start with `value` or `value_json`"));
        };
        let mut steps = Vec::new();
        let mut arithmetic = false;
        loop {
            cursor.skip_space();
            if cursor.rest.is_empty() {
                break;
            }
            if cursor.eat("|") {
                // In Jinja a filter binds tighter than `*` and `/`, so after
                // arithmetic it would apply to the number, not the result.
                if arithmetic {
                    return Err(unsupported("a filter after `*` or `/` needs parentheses"));
                }
                cursor.skip_space();
                let step = match cursor.ident() {
                    "float" => Step::Float,
                    "int" => Step::Int,
                    "round" => {
                        cursor.skip_space();
                        let digits = if cursor.eat("(") {
                            let digits = cursor
                                .number()
                                .filter(|n| n.fract() == 0.0 && (0.0..=10.0).contains(n))
                                .ok_or_else(|| unsupported("round takes a whole number"))?;
                            cursor.skip_space();
                            if !cursor.eat(")") {
                                return Err(unsupported("expected `)`"));
                            }
                            digits as u32
                        } else {
                            0
                        };
                        Step::Round(digits)
                    }
                    other => return Err(unsupported(&format!("unknown filter {other:?}"))),
                };
                if cursor.rest.trim_start().starts_with('(') {
                    return Err(unsupported("filter arguments are not understood"));
                }
                steps.push(step);
            } else if let Some(op) = ["*", "/"].into_iter().find(|op| cursor.eat(op)) {
                cursor.skip_space();
                let n = cursor
                    .number()
                    .ok_or_else(|| unsupported(&format!("expected a number after `{op}`")))?;
                if op == "/" && n == 0.0 {
                    return Err(unsupported("division by zero"));
                }
                steps.push(if op == "*" {
                    Step::Mul(n)
                } else {
                    Step::Div(n)
                });
                arithmetic = true;
            } else {
                return Err(unsupported(&format!(
                    "cannot read {:?}",
                    cursor.rest.trim()
                )));
            }
        }
        Ok(Template { source, steps })
    }

    /// Renders `payload` to the text Home Assistant would compare or parse.
    pub(crate) fn render(&self, payload: &str) -> Result<String, TemplateError> {
        let mut value = match &self.source {
            Source::Value => Rendered::Text(payload.to_owned()),
            Source::Json(path) => {
                let mut json: Value = serde_json::from_str(payload)
                    .map_err(|e| error(format!("the payload is not JSON ({e})")))?;
                for key in path {
                    json = match (key, json) {
                        (Key::Field(name), Value::Object(mut map)) => map
                            .remove(name)
                            .ok_or_else(|| error(format!("the payload has no {name:?}")))?,
                        (Key::Index(i), Value::Array(mut items)) if *i < items.len() => {
                            items.swap_remove(*i)
                        }
                        (key, _) => {
                            return Err(error(format!("the payload has nothing at {key}")));
                        }
                    };
                }
                match json {
                    Value::String(text) => Rendered::Text(text),
                    Value::Number(n) => Rendered::Number(n.as_f64().unwrap_or(f64::NAN)),
                    // Home Assistant renders Python's booleans and None.
                    Value::Bool(true) => Rendered::Text("True".into()),
                    Value::Bool(false) => Rendered::Text("False".into()),
                    Value::Null => Rendered::Text("None".into()),
                    Value::Array(_) | Value::Object(_) => {
                        return Err(error("the template selects a list or an object"));
                    }
                }
            }
        };
        for step in &self.steps {
            let number = match &value {
                Rendered::Number(n) => *n,
                Rendered::Text(text) => match step {
                    Step::Float | Step::Int => text
                        .trim()
                        .parse::<f64>()
                        .map_err(|_| error(format!("{text:?} is not a number")))?,
                    // Jinja would repeat or reject a string; neither is a reading.
                    _ => return Err(error(format!("{text:?} is text: add `| float`"))),
                },
            };
            value = Rendered::Number(match step {
                Step::Float => number,
                Step::Int => number.trunc(),
                Step::Round(digits) => {
                    let scale = 10f64.powi(*digits as i32);
                    (number * scale).round() / scale
                }
                Step::Mul(n) => number * n,
                Step::Div(n) => number / n,
            });
        }
        Ok(match value {
            Rendered::Text(text) => text,
            Rendered::Number(n) => n.to_string(),
        })
    }
}

enum Rendered {
    Text(String),
    Number(f64),
}

impl fmt::Display for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Key::Field(name) => write!(f, ".{name}"),
            Key::Index(i) => write!(f, "[{i}]"),
        }
    }
}

struct Cursor<'a> {
    rest: &'a str,
}

impl Cursor<'_> {
    fn skip_space(&mut self) {
        self.rest = self.rest.trim_start();
    }

    fn eat(&mut self, token: &str) -> bool {
        match self.rest.strip_prefix(token) {
            Some(rest) => {
                self.rest = rest;
                true
            }
            None => false,
        }
    }

    /// Eats `word` only if no identifier character follows it.
    fn eat_word(&mut self, word: &str) -> bool {
        match self.rest.strip_prefix(word) {
            Some(rest) if !rest.starts_with(is_ident) => {
                self.rest = rest;
                true
            }
            _ => false,
        }
    }

    fn ident(&mut self) -> &str {
        let end = self.rest.find(|c| !is_ident(c)).unwrap_or(self.rest.len());
        let (ident, rest) = self.rest.split_at(end);
        self.rest = rest;
        ident
    }

    fn number(&mut self) -> Option<f64> {
        let end = self
            .rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.' || c == '-'))
            .unwrap_or(self.rest.len());
        let n = self.rest[..end].parse().ok()?;
        self.rest = &self.rest[end..];
        Some(n)
    }

    /// What follows `[`: a quoted name or an index, and the closing `]`.
    fn subscript(&mut self) -> Option<Key> {
        self.skip_space();
        let key = if let Some(quote) = ['\'', '"'].into_iter().find(|q| self.rest.starts_with(*q)) {
            let body = &self.rest[1..];
            let end = body.find(quote)?;
            let name = body[..end].to_owned();
            self.rest = &body[end + 1..];
            Key::Field(name)
        } else {
            let n = self.number()?;
            if n.fract() != 0.0 || n < 0.0 {
                return None;
            }
            Key::Index(n as usize)
        };
        self.skip_space();
        self.eat("]").then_some(key)
    }
}

fn is_ident(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Renders `payload` through `template`, or says why not, as one string.
    fn check(template: &str, payload: &str) -> String {
        match Template::parse(template) {
            Err(e) => format!("refused: {e}"),
            Ok(t) => match t.render(payload) {
                Ok(text) => text,
                Err(e) => format!("error: {e}"),
            },
        }
    }

    #[test]
    fn the_common_forms_render_as_home_assistant_would() {
        let table = [
            ("{{ value }}", "21.5", "21.5"),
            ("{{value}}", "ON", "ON"),
            ("  {{ value }}  ", " x ", " x "),
            (
                "{{ value_json.temperature }}",
                r#"{"temperature": 21.5}"#,
                "21.5",
            ),
            (
                "{{ value_json.AM2301.Temperature }}",
                r#"{"AM2301":{"Temperature":19}}"#,
                "19",
            ),
            ("{{ value_json['state'] }}", r#"{"state":"ON"}"#, "ON"),
            (r#"{{ value_json["a b"] }}"#, r#"{"a b":"x"}"#, "x"),
            ("{{ value_json.list[1] }}", r#"{"list":[1,2]}"#, "2"),
            (
                "{{ value_json.occupancy }}",
                r#"{"occupancy":true}"#,
                "True",
            ),
            ("{{ value | float }}", "21.5", "21.5"),
            ("{{ value | int }}", "21.9", "21"),
            ("{{ value | float / 10 }}", "215", "21.5"),
            ("{{ value | float * 0.1 }}", "215", "21.5"),
            ("{{ value|float*0.5/2 }}", "100", "25"),
            ("{{ value_json.t / 10 }}", r#"{"t":215}"#, "21.5"),
            ("{{ value_json.t | round(1) }}", r#"{"t":21.456}"#, "21.5"),
            (
                "{{ value_json.t | float | round }}",
                r#"{"t":"21.6"}"#,
                "22",
            ),
        ];
        for (template, payload, want) in table {
            assert_eq!(check(template, payload), want, "{template} on {payload}");
        }
    }

    #[test]
    fn payloads_it_cannot_render_are_errors() {
        let table = [
            ("{{ value_json.t }}", "not json"),
            ("{{ value_json.t }}", r#"{"u":1}"#),
            ("{{ value_json.t.u }}", r#"{"t":1}"#),
            ("{{ value_json.t }}", r#"{"t":{"u":1}}"#),
            ("{{ value_json.l[5] }}", r#"{"l":[1]}"#),
            ("{{ value | float }}", "warm"),
            ("{{ value / 10 }}", "215"),
        ];
        for (template, payload) in table {
            let got = check(template, payload);
            assert!(got.starts_with("error: "), "{template} on {payload}: {got}");
        }
    }

    #[test]
    fn templates_it_does_not_understand_are_refused_with_a_reason() {
        let table = [
            "value",
            "{{ value }} °C",
            "{% if value == '1' %}ON{% endif %}",
            "{{ states('sensor.x') }}",
            "{{ value_json.t | float(0) }}",
            "{{ value_json.t | default(0) }}",
            "{{ value | float / 10 | round(1) }}",
            "{{ (value | float) / 10 }}",
            "{{ value / 0 }}",
            "{{ value_json. }}",
            "{{ value_json['t }}",
            "{{ value + 1 }}",
            "{{ values }}",
        ];
        for template in table {
            let got = check(template, "1");
            assert!(got.starts_with("refused: "), "{template}: {got}");
        }
    }
}
