//! How `wxoa stats` shows a series of days: a bar chart in the terminal (one line a day) and
//! the same as a standalone SVG file, written as plain text.

use std::fmt::Write as _;

/// A series to draw: a title, its unit, and one value per label (a day).
#[derive(Debug, Clone)]
pub(crate) struct Series {
    pub(crate) title: String,
    pub(crate) points: Vec<(String, f64)>,
}

/// Width of the longest bar in the terminal, in characters.
const BAR_WIDTH: usize = 40;

/// The series as text: `2026-03-01 ████████▍ 123`, bars scaled to the largest value.
pub(crate) fn terminal(series: &Series) -> String {
    let mut out = format!("{}\n", series.title);
    let max = series
        .points
        .iter()
        .map(|(_, v)| *v)
        .fold(0.0_f64, f64::max);
    let label_width = series
        .points
        .iter()
        .map(|(l, _)| l.len())
        .max()
        .unwrap_or(0);
    const EIGHTHS: [&str; 8] = ["", "▏", "▎", "▍", "▌", "▋", "▊", "▉"];
    for (label, value) in &series.points {
        let eighths = if max > 0.0 {
            (value.max(0.0) / max * (BAR_WIDTH * 8) as f64).round() as usize
        } else {
            0
        };
        let bar = format!(
            "{}{}",
            "█".repeat(eighths / 8),
            EIGHTHS.get(eighths % 8).copied().unwrap_or_default()
        );
        let _ = writeln!(out, "{label:<label_width$} {bar} {}", number(*value));
    }
    out
}

/// A number as a chart shows it: whole numbers without decimals.
fn number(value: f64) -> String {
    if value.fract() == 0.0 && value.abs() < 1e15 {
        format!("{value:.0}")
    } else {
        format!("{value:.2}")
    }
}

/// Escapes text for SVG.
fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// The series as an SVG bar chart: a title, a value axis with four gridlines, one bar per
/// day, and the first and last days under the bars.
pub(crate) fn svg(series: &Series) -> String {
    let (width, height) = (720.0_f64, 360.0_f64);
    let (left, right, top, bottom) = (64.0, 16.0, 40.0, 48.0);
    let plot_w = width - left - right;
    let plot_h = height - top - bottom;
    let max = series
        .points
        .iter()
        .map(|(_, v)| *v)
        .fold(0.0_f64, f64::max)
        .max(1.0);
    let mut out = String::new();
    let _ = writeln!(
        out,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="12">"#
    );
    let _ = writeln!(
        out,
        r##"<rect width="100%" height="100%" fill="#ffffff"/>"##
    );
    let _ = writeln!(
        out,
        r##"<text x="{left}" y="24" font-size="15" font-weight="bold" fill="#1f2329">{}</text>"##,
        escape(&series.title)
    );
    for step in 0..=4 {
        let value = max * f64::from(step) / 4.0;
        let y = top + plot_h - plot_h * f64::from(step) / 4.0;
        let _ = writeln!(
            out,
            r##"<line x1="{left}" y1="{y:.1}" x2="{:.1}" y2="{y:.1}" stroke="#e5e6eb"/><text x="{:.1}" y="{:.1}" text-anchor="end" fill="#646a73">{}</text>"##,
            width - right,
            left - 6.0,
            y + 4.0,
            number(value.round())
        );
    }
    let count = series.points.len().max(1) as f64;
    let slot = plot_w / count;
    let bar = (slot * 0.7).max(1.0);
    for (i, (label, value)) in series.points.iter().enumerate() {
        let h = plot_h * value.max(0.0) / max;
        let x = left + slot * i as f64 + (slot - bar) / 2.0;
        let y = top + plot_h - h;
        let _ = writeln!(
            out,
            r##"<rect class="bar" x="{x:.1}" y="{y:.1}" width="{bar:.1}" height="{h:.1}" fill="#07c160"><title>{}: {}</title></rect>"##,
            escape(label),
            number(*value)
        );
    }
    let base = top + plot_h + 18.0;
    if let (Some((first, _)), Some((last, _))) = (series.points.first(), series.points.last()) {
        let _ = writeln!(
            out,
            r##"<text x="{left}" y="{base}" fill="#646a73">{}</text><text x="{:.1}" y="{base}" text-anchor="end" fill="#646a73">{}</text>"##,
            escape(first),
            width - right,
            escape(last)
        );
    }
    out.push_str("</svg>\n");
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;

    fn series() -> Series {
        Series {
            title: "Followers <all>".into(),
            points: vec![("2026-03-01".into(), 10.0), ("2026-03-02".into(), 5.0)],
        }
    }

    #[test]
    fn terminal_bars_scale_to_the_largest() {
        let text = terminal(&series());
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 3);
        assert!(lines[1].contains(&"█".repeat(40)));
        assert!(lines[2].contains(&"█".repeat(20)) && !lines[2].contains(&"█".repeat(21)));
        assert!(lines[2].ends_with(" 5"));
    }

    #[test]
    fn svg_has_a_bar_a_day_and_escapes_text() {
        let svg = svg(&series());
        assert!(svg.starts_with("<svg "));
        assert_eq!(svg.matches("class=\"bar\"").count(), 2);
        assert!(svg.contains("Followers &lt;all&gt;"));
        assert!(svg.trim_end().ends_with("</svg>"));
    }
}
