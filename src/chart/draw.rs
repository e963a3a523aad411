//! Paints a chart on a canvas at the screen's pixel density: grid and axis
//! labels, each series' min–max band (when its data are aggregated) and its
//! decimated line, gaps left open, and marked moments as thin vertical lines
//! over it all.

use wasm_bindgen::JsCast;
use web_sys::{CanvasRenderingContext2d, HtmlCanvasElement};

use super::decimate::{Polyline, polyline};
use super::marks;
use super::scale::{Frame, Scale, padded};
use super::series::Series;
use super::ticks;
use super::view::View;

/// One series as drawn, in its colour.
pub(crate) struct Layer<'a> {
    pub(crate) series: &'a Series,
    pub(crate) color: &'a str,
}

/// Everything about a frame that is not the data.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Paint {
    pub(crate) frame: Frame,
    /// Device pixels per CSS pixel.
    pub(crate) density: f64,
    pub(crate) view: View,
    /// Added to UTC milliseconds to get local ones, for the time labels.
    pub(crate) offset_ms: i64,
    /// From stored values (°C for temperatures) to the ones shown.
    pub(crate) convert: fn(f64) -> f64,
}

const GRID: &str = "rgba(128,128,128,0.22)";
const LABEL: &str = "#8a8580";
const FONT: &str = "11px system-ui, sans-serif";
/// Marks (replayed firings) are dashed in a colour no series is given.
pub(crate) const MARK: &str = "#ca8a04";
/// The line's width in CSS pixels.
const LINE_WIDTH: f64 = 1.5;

/// Draws a frame, with a vertical line at each of `marks` in view, and
/// returns the value scale used, for hover placement; `None` when the canvas
/// has no 2D context.
pub(crate) fn draw(
    canvas: &HtmlCanvasElement,
    paint: &Paint,
    layers: &[Layer],
    marks: &[i64],
) -> Option<Scale> {
    let Paint {
        frame,
        density,
        view,
        ..
    } = *paint;
    let (width, height) = (
        (frame.width * density).round() as u32,
        (frame.height * density).round() as u32,
    );
    if canvas.width() != width || canvas.height() != height {
        canvas.set_width(width);
        canvas.set_height(height);
    }
    let ctx: CanvasRenderingContext2d = canvas.get_context("2d").ok()??.dyn_into().ok()?;
    ctx.set_transform(density, 0.0, 0.0, density, 0.0, 0.0)
        .ok()?;
    ctx.clear_rect(0.0, 0.0, frame.width, frame.height);

    let lines: Vec<Polyline> = layers
        .iter()
        .map(|layer| {
            let series = layer.series;
            polyline(
                &series.points,
                view,
                frame.left(),
                frame.columns(),
                series.gap_ms(),
            )
        })
        .collect();
    let (mut low, mut high) = (f64::INFINITY, f64::NEG_INFINITY);
    for (layer, line) in layers.iter().zip(&lines) {
        low = low.min(line.low);
        high = high.max(line.high);
        if layer.series.is_aggregated() {
            for bucket in visible_buckets(layer.series, view) {
                low = low.min(bucket.min);
                high = high.max(bucket.max);
            }
        }
    }
    let convert = paint.convert;
    let y = frame.y(padded((convert(low), convert(high))));
    let x = frame.x(view);
    axes(&ctx, paint, &x, &y);

    ctx.save();
    ctx.begin_path();
    ctx.rect(
        frame.left(),
        frame.top(),
        frame.plot_width(),
        frame.bottom() - frame.top(),
    );
    ctx.clip();
    for (layer, line) in layers.iter().zip(&lines) {
        if layer.series.is_aggregated() {
            ctx.set_global_alpha(0.18);
            ctx.set_fill_style_str(layer.color);
            let width =
                (layer.series.bucket_ms as f64 * frame.plot_width() / view.span() as f64).max(1.0);
            for bucket in visible_buckets(layer.series, view) {
                let top = y.px(convert(bucket.max));
                let bottom = y.px(convert(bucket.min));
                ctx.fill_rect(x.px(bucket.t as f64), top, width, (bottom - top).max(1.0));
            }
            ctx.set_global_alpha(1.0);
        }
        let screen: Vec<(f64, f64)> = line
            .vertices
            .iter()
            .map(|&(px, value)| (px, y.px(convert(value))))
            .collect();
        ctx.set_stroke_style_str(layer.color);
        ctx.set_line_width(1.0 / density);
        for offset in hairline_offsets(density) {
            // The path is fixed in place when it is built, so each pass
            // shifts the transform and builds it again.
            ctx.set_transform(density, 0.0, 0.0, density, offset, offset)
                .ok()?;
            ctx.begin_path();
            let mut pen_down = false;
            for &(px, py) in &screen {
                if py.is_nan() {
                    pen_down = false;
                } else if pen_down {
                    ctx.line_to(px, py);
                } else {
                    ctx.move_to(px, py);
                    pen_down = true;
                }
            }
            ctx.stroke();
        }
        ctx.set_transform(density, 0.0, 0.0, density, 0.0, 0.0)
            .ok()?;
    }
    marked(&ctx, paint, &x, marks);
    ctx.restore();
    Some(y)
}

/// Where the line's passes go, in device pixels along the diagonal: the line
/// is stroked as one-device-pixel hairlines side by side, at most a device
/// pixel apart, until they cover `LINE_WIDTH`. Chromium's software rasteriser
/// strokes a hairline of a dense line several times faster than a wider line
/// (a 1.5 px stroke of 166,650 points took 18 ms of the first frame's
/// raster), because a hairline needs no outline of the path.
fn hairline_offsets(density: f64) -> impl Iterator<Item = f64> {
    let width = (LINE_WIDTH * density).max(1.0);
    let passes = width.ceil().max(1.0) as usize;
    let step = if passes > 1 {
        (width - 1.0) / (passes - 1) as f64
    } else {
        0.0
    };
    let first = -(width - 1.0) / 2.0;
    (0..passes).map(move |i| first + step * i as f64)
}

/// One dashed line the plot's height at each mark in view.
fn marked(ctx: &CanvasRenderingContext2d, paint: &Paint, x: &Scale, moments: &[i64]) {
    let shown = marks::visible(moments, paint.view);
    if shown.is_empty() {
        return;
    }
    let frame = paint.frame;
    ctx.set_stroke_style_str(MARK);
    ctx.set_line_width(1.5);
    let dash = js_sys::Array::of2(&4.0.into(), &3.0.into());
    let _ = ctx.set_line_dash(&dash);
    ctx.begin_path();
    for &at in shown {
        let px = x.px(at as f64).round() + 0.5;
        ctx.move_to(px, frame.top());
        ctx.line_to(px, frame.bottom());
    }
    ctx.stroke();
    let _ = ctx.set_line_dash(&js_sys::Array::new());
}

fn visible_buckets(series: &Series, view: View) -> &[hearth_core::downsample::Bucket] {
    let buckets = &series.buckets;
    let start = buckets.partition_point(|b| b.t + series.bucket_ms < view.from);
    let end = buckets.partition_point(|b| b.t <= view.to);
    &buckets[start..end.max(start)]
}

/// Horizontal grid lines with value labels, and time labels along the bottom.
fn axes(ctx: &CanvasRenderingContext2d, paint: &Paint, x: &Scale, y: &Scale) {
    let frame = paint.frame;
    ctx.set_font(FONT);
    ctx.set_line_width(1.0);
    ctx.set_stroke_style_str(GRID);
    ctx.set_fill_style_str(LABEL);
    ctx.begin_path();
    let rows = ((frame.bottom() - frame.top()) / 40.0).max(2.0) as usize;
    let (low, high) = (y.value(frame.bottom()), y.value(frame.top()));
    ctx.set_text_align("right");
    ctx.set_text_baseline("middle");
    for value in ticks::values(low, high, rows) {
        let py = y.px(value).round() + 0.5;
        ctx.move_to(frame.left(), py);
        ctx.line_to(frame.right(), py);
        let _ = ctx.fill_text(&ticks::value_label(value), frame.left() - 6.0, py);
    }
    ctx.set_text_align("center");
    ctx.set_text_baseline("top");
    let view = paint.view;
    let offset = paint.offset_ms;
    let step = ticks::time_step(view.span(), (frame.plot_width() / 90.0).max(2.0) as usize);
    for local in ticks::times(view.from + offset, view.to + offset, step) {
        let px = x.px((local - offset) as f64).round() + 0.5;
        ctx.move_to(px, frame.top());
        ctx.line_to(px, frame.bottom());
        let _ = ctx.fill_text(&ticks::time_label(local, step), px, frame.bottom() + 5.0);
    }
    ctx.stroke();
}

#[cfg(test)]
mod tests {
    use super::*;
    use wasm_bindgen_test::wasm_bindgen_test;

    #[wasm_bindgen_test]
    fn the_line_is_as_wide_at_every_density_and_has_no_gaps() {
        for density in [1.0, 1.5, 2.0, 3.0] {
            let offsets: Vec<f64> = hairline_offsets(density).collect();
            let covered = offsets[offsets.len() - 1] - offsets[0] + 1.0;
            assert!(
                (covered - LINE_WIDTH * density).abs() < 1e-9,
                "{covered} device px at {density}"
            );
            assert!(
                offsets.windows(2).all(|w| w[1] - w[0] <= 1.0),
                "hairlines touch at {density}"
            );
            let middle = (offsets[0] + offsets[offsets.len() - 1]) / 2.0;
            assert!(middle.abs() < 1e-9, "centred on the data at {density}");
        }
    }
}
