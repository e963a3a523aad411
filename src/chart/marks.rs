//! Moments marked on the history chart (a rule's replayed firings), and the
//! device page's query that carries them with the window to show, so a link
//! to them can be shared and survives a reload.

use super::view::View;

/// What a device page's address asks the chart to show beyond its defaults.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct ChartQuery {
    /// The window to open on; the last day when absent.
    pub(crate) view: Option<View>,
    /// Moments to mark, in milliseconds since the epoch, earliest first.
    pub(crate) marks: Vec<i64>,
}

impl ChartQuery {
    /// The query string (`?` included) for `view` with `marks`.
    pub(crate) fn to_query(&self) -> String {
        let mut pairs = Vec::new();
        if let Some(view) = self.view {
            pairs.push(format!("from={}&to={}", view.from, view.to));
        }
        if !self.marks.is_empty() {
            let marks: Vec<String> = self.marks.iter().map(i64::to_string).collect();
            pairs.push(format!("marks={}", marks.join(",")));
        }
        if pairs.is_empty() {
            String::new()
        } else {
            format!("?{}", pairs.join("&"))
        }
    }

    /// Reads a query string (`?` included or not). Whatever cannot be read
    /// is left out and described in the second value, for a warning: a
    /// mangled link still opens the page.
    pub(crate) fn parse(query: &str) -> (ChartQuery, Vec<String>) {
        let mut problems = Vec::new();
        let (mut from, mut to, mut marks) = (None, None, Vec::new());
        for pair in query.trim_start_matches('?').split('&') {
            let Some((key, value)) = pair.split_once('=') else {
                continue;
            };
            let mut number = |text: &str| match text.trim().parse::<i64>() {
                Ok(ms) => Some(ms),
                Err(_) => {
                    problems.push(format!("{key}: “{text}” is not a time in milliseconds"));
                    None
                }
            };
            match key {
                "from" => from = number(value),
                "to" => to = number(value),
                "marks" => marks.extend(
                    value
                        .split(',')
                        .filter(|text| !text.is_empty())
                        .filter_map(&mut number),
                ),
                _ => {}
            }
        }
        let view = match (from, to) {
            (Some(from), Some(to)) if from < to => Some(View::between(from, to)),
            (None, None) => None,
            _ => {
                problems.push("from and to must both be given, from before to".to_owned());
                None
            }
        };
        marks.sort_unstable();
        marks.dedup();
        (ChartQuery { view, marks }, problems)
    }
}

/// The marks inside `view`, for drawing.
pub(crate) fn visible(marks: &[i64], view: View) -> &[i64] {
    let start = marks.partition_point(|&t| t < view.from);
    let end = marks.partition_point(|&t| t <= view.to);
    &marks[start..end.max(start)]
}

#[cfg(test)]
mod tests {
    use super::*;
    use wasm_bindgen_test::wasm_bindgen_test;

    #[wasm_bindgen_test]
    fn queries_carry_the_window_and_marks_and_bad_values_are_dropped() {
        let view = Some(View {
            from: 1_000_000,
            to: 90_000_000,
        });
        let table: [(&str, ChartQuery, usize); 7] = [
            ("", ChartQuery::default(), 0),
            (
                "?from=1000000&to=90000000&marks=5000000,2000000",
                ChartQuery {
                    view,
                    marks: vec![2_000_000, 5_000_000],
                },
                0,
            ),
            (
                "from=1000000&to=90000000&marks=2000000,soon,,2000000",
                ChartQuery {
                    view,
                    marks: vec![2_000_000],
                },
                1,
            ),
            ("?from=90000000&to=1000000", ChartQuery::default(), 1),
            ("?from=1000000", ChartQuery::default(), 1),
            ("?from=x&to=90000000", ChartQuery::default(), 2),
            (
                "?marks=7&other=1&junk",
                ChartQuery {
                    view: None,
                    marks: vec![7],
                },
                0,
            ),
        ];
        for (query, want, problems) in table {
            let (got, found) = ChartQuery::parse(query);
            assert_eq!(got, want, "{query}");
            assert_eq!(found.len(), problems, "{query}: {found:?}");
        }
    }

    #[wasm_bindgen_test]
    fn a_query_reads_back_as_written() {
        let query = ChartQuery {
            view: Some(View {
                from: 10 * 60_000,
                to: 3 * 86_400_000,
            }),
            marks: vec![86_400_000, 90_000_000],
        };
        assert_eq!(ChartQuery::parse(&query.to_query()), (query, Vec::new()));
        assert_eq!(ChartQuery::default().to_query(), "");
    }

    #[wasm_bindgen_test]
    fn only_marks_in_view_are_drawn() {
        let marks = [10, 20, 30, 40];
        assert_eq!(visible(&marks, View { from: 15, to: 30 }), &[20, 30]);
        assert_eq!(visible(&marks, View { from: 50, to: 60 }), &[] as &[i64]);
    }
}
