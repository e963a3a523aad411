//! The hub's history endpoints as the chart uses them: the URLs (pure, tested)
//! and a fetch that reads the JSON answer through the browser's own parser
//! rather than linking a decoder for it.

use hearth_core::Metric;
use hearth_core::downsample::{Bucket, Point};
use js_sys::{Array, Reflect};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

use super::series::Series;
use super::time_text::rfc3339;
use super::view::View;
use crate::router::encode;

/// `/api/history` for one series over `view`, at most `max_points` points.
pub(crate) fn history_url(device: &str, metric: Metric, view: View, max_points: usize) -> String {
    format!(
        "/api/history?device={}&metric={}&from={}&to={}&max_points={max_points}",
        encode(device),
        metric.wire_name(),
        rfc3339(view.from),
        rfc3339(view.to)
    )
}

/// `/api/export.csv` for the same series and window.
pub(crate) fn export_url(device: &str, metric: Metric, view: View) -> String {
    format!(
        "/api/export.csv?device={}&metric={}&from={}&to={}",
        encode(device),
        metric.wire_name(),
        rfc3339(view.from),
        rfc3339(view.to)
    )
}

/// Fetches one series; the error is a sentence to show the user.
pub(crate) async fn fetch(url: &str) -> Result<Series, String> {
    let window = web_sys::window().ok_or("No browser window.")?;
    let response: web_sys::Response = JsFuture::from(window.fetch_with_str(url))
        .await
        .and_then(JsValue::dyn_into)
        .map_err(|_| "Could not reach the hub for history.".to_owned())?;
    let body = match response.json() {
        Ok(promise) => JsFuture::from(promise).await.ok(),
        Err(_) => None,
    };
    let body = body.ok_or_else(|| {
        format!(
            "The hub's history answer was unreadable ({}).",
            response.status()
        )
    })?;
    if !response.ok() {
        let message = field(&body, "message").as_string().unwrap_or_default();
        return Err(format!("The hub refused the history request: {message}"));
    }
    Ok(series(&body))
}

fn field(object: &JsValue, name: &str) -> JsValue {
    Reflect::get(object, &JsValue::from_str(name)).unwrap_or(JsValue::UNDEFINED)
}

fn number(object: &JsValue, name: &str) -> f64 {
    field(object, name).as_f64().unwrap_or(f64::NAN)
}

/// Reads the history JSON; a missing or `null` value becomes a gap (NaN).
fn series(body: &JsValue) -> Series {
    let list = |name| Array::from(&field(body, name));
    Series {
        points: list("line")
            .iter()
            .map(|item| Point::new(number(&item, "t") as i64, number(&item, "v")))
            .collect(),
        buckets: list("buckets")
            .iter()
            .map(|item| Bucket {
                t: number(&item, "t") as i64,
                min: number(&item, "min"),
                max: number(&item, "max"),
                mean: number(&item, "mean"),
                count: number(&item, "count") as u64,
                last: number(&item, "last"),
            })
            .collect(),
        bucket_ms: number(body, "bucket_ms") as i64,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use wasm_bindgen_test::wasm_bindgen_test;

    #[wasm_bindgen_test]
    fn urls_name_the_series_and_window() {
        let view = View {
            from: 1_795_701_900_000,
            to: 1_795_705_500_000,
        };
        assert_eq!(
            history_url("living room/1", Metric::Temperature, view, 800),
            "/api/history?device=living%20room%2F1&metric=temperature\
             &from=2026-11-26T14:05:00.000Z&to=2026-11-26T15:05:00.000Z&max_points=800"
        );
        assert_eq!(
            export_url("fridge", Metric::Humidity, view),
            "/api/export.csv?device=fridge&metric=humidity\
             &from=2026-11-26T14:05:00.000Z&to=2026-11-26T15:05:00.000Z"
        );
    }

    #[wasm_bindgen_test]
    fn answers_are_read_with_nulls_as_gaps() {
        let json = r#"{"bucket_ms":60000,
            "buckets":[{"t":0,"min":1,"max":3,"mean":2,"count":4,"last":3}],
            "line":[{"t":0,"v":2},{"t":30000,"v":null}]}"#;
        let got = series(&js_sys::JSON::parse(json).unwrap());
        assert_eq!(got.bucket_ms, 60_000);
        assert_eq!(
            got.buckets,
            [Bucket {
                t: 0,
                min: 1.0,
                max: 3.0,
                mean: 2.0,
                count: 4,
                last: 3.0
            }]
        );
        assert_eq!(got.points[0], Point::new(0, 2.0));
        assert!(got.points[1].is_gap() && got.points[1].t == 30_000);
    }
}
