//! Charts drawn on the server as SVG: readable without JavaScript, in
//! print, and in a saved page. Horizontal bars for groups (buildings,
//! people, sources), columns for periods (days, weeks).

use std::fmt::Write as _;

use domovoy_domain::markup::escape;

/// One series of values, a value per category.
#[derive(Debug, Clone)]
pub struct Series {
    pub name: String,
    pub values: Vec<f64>,
}

/// How values read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scale {
    /// Whole numbers.
    Count,
    /// Fractions 0–1 shown as percentages; the axis ends at 100 %.
    Share,
}

/// Colours that stay apart in print too (different lightness).
const COLOURS: [&str; 6] = ["#1f5f9e", "#e8892c", "#4c9a52", "#8a5cb8", "#c9b22e", "#c0392b"];
/// The most groups a bar chart draws (the table has them all).
pub const MAX_BARS: usize = 30;
const WIDTH: f64 = 720.0;

fn shorten(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        text.to_owned()
    } else {
        let mut cut: String = text.chars().take(max.saturating_sub(1)).collect();
        cut.push('…');
        cut
    }
}

fn format_value(value: f64, scale: Scale, decimal: char) -> String {
    match scale {
        #[allow(clippy::cast_possible_truncation)]
        Scale::Count => format!("{}", value.round() as i64),
        Scale::Share => {
            let number = format!("{:.1}", value * 100.0).trim_end_matches(".0").replace('.', &decimal.to_string());
            // Russian puts a space before the sign.
            if decimal == ',' { format!("{number}\u{a0}%") } else { format!("{number}%") }
        }
    }
}

fn legend(out: &mut String, series: &[Series], y: f64) {
    let mut x = 0.0;
    for (i, s) in series.iter().enumerate() {
        let colour = COLOURS[i % COLOURS.len()];
        let _ = write!(
            out,
            r#"<rect x="{x}" y="{}" width="12" height="12" fill="{colour}"/><text x="{}" y="{}" class="chart-legend">{}</text>"#,
            y - 10.0,
            x + 16.0,
            y,
            escape(&s.name)
        );
        #[allow(clippy::cast_precision_loss)]
        let step = 28.0 + 7.5 * s.name.chars().count() as f64;
        x += step;
    }
}

fn maximum(series: &[Series], scale: Scale) -> f64 {
    let max = series.iter().flat_map(|s| s.values.iter().copied()).fold(0.0_f64, f64::max);
    match scale {
        Scale::Share => 1.0,
        Scale::Count => max.max(1.0),
    }
}

/// Horizontal bars: a row per category, a bar per series.
pub fn bars(title: &str, categories: &[String], series: &[Series], scale: Scale, decimal: char) -> String {
    let shown = categories.len().min(MAX_BARS);
    let bar = 14.0;
    #[allow(clippy::cast_precision_loss)]
    let row = bar * series.len().max(1) as f64 + 10.0;
    let top = 28.0;
    #[allow(clippy::cast_precision_loss)]
    let height = top + row * shown as f64 + 8.0;
    let (label_width, value_width) = (210.0, 56.0);
    let plot = WIDTH - label_width - value_width;
    let max = maximum(series, scale);
    let mut out = String::new();
    let _ = write!(
        out,
        r#"<svg class="chart" viewBox="0 0 {WIDTH} {height}" role="img" aria-label="{t}" xmlns="http://www.w3.org/2000/svg"><title>{t}</title>"#,
        t = escape(title)
    );
    legend(&mut out, series, 14.0);
    for (i, category) in categories.iter().take(shown).enumerate() {
        #[allow(clippy::cast_precision_loss)]
        let y0 = top + row * i as f64;
        let _ = write!(
            out,
            r#"<text x="{}" y="{}" class="chart-label" text-anchor="end">{}</text>"#,
            label_width - 8.0,
            y0 + row / 2.0,
            escape(&shorten(category, 30))
        );
        for (j, s) in series.iter().enumerate() {
            let value = s.values.get(i).copied().unwrap_or(0.0);
            let w = (value / max * plot).max(0.0);
            #[allow(clippy::cast_precision_loss)]
            let y = y0 + 4.0 + bar * j as f64;
            let colour = COLOURS[j % COLOURS.len()];
            let _ = write!(
                out,
                r#"<rect x="{label_width}" y="{y}" width="{w:.1}" height="{}" fill="{colour}"><title>{}: {}</title></rect><text x="{:.1}" y="{}" class="chart-value">{}</text>"#,
                bar - 2.0,
                escape(&s.name),
                format_value(value, scale, decimal),
                label_width + w + 4.0,
                y + bar - 4.0,
                format_value(value, scale, decimal)
            );
        }
    }
    out.push_str("</svg>");
    out
}

/// Vertical columns: a group of columns per period, a column per series;
/// labels thinned to fit.
pub fn columns(title: &str, categories: &[String], series: &[Series], decimal: char) -> String {
    let height = 260.0;
    let (left, top, bottom) = (44.0, 28.0, 36.0);
    let plot_w = WIDTH - left - 8.0;
    let plot_h = height - top - bottom;
    // Four whole steps on the axis.
    let max = (maximum(series, Scale::Count) / 4.0).ceil() * 4.0;
    #[allow(clippy::cast_precision_loss)]
    let slot = plot_w / categories.len().max(1) as f64;
    #[allow(clippy::cast_precision_loss)]
    let column = (slot * 0.8 / series.len().max(1) as f64).max(0.5);
    let mut out = String::new();
    let _ = write!(
        out,
        r#"<svg class="chart" viewBox="0 0 {WIDTH} {height}" role="img" aria-label="{t}" xmlns="http://www.w3.org/2000/svg"><title>{t}</title>"#,
        t = escape(title)
    );
    legend(&mut out, series, 14.0);
    for step in 0..=4 {
        let value = max * f64::from(step) / 4.0;
        let y = top + plot_h - plot_h * f64::from(step) / 4.0;
        let _ = write!(
            out,
            r#"<line x1="{left}" x2="{}" y1="{y:.1}" y2="{y:.1}" class="chart-grid"/><text x="{}" y="{:.1}" class="chart-axis" text-anchor="end">{}</text>"#,
            WIDTH - 8.0,
            left - 4.0,
            y + 4.0,
            format_value(value, Scale::Count, decimal)
        );
    }
    let every = categories.len().div_ceil(12).max(1);
    for (i, category) in categories.iter().enumerate() {
        #[allow(clippy::cast_precision_loss)]
        let x0 = left + slot * i as f64 + slot * 0.1;
        for (j, s) in series.iter().enumerate() {
            let value = s.values.get(i).copied().unwrap_or(0.0);
            let h = value / max * plot_h;
            #[allow(clippy::cast_precision_loss)]
            let x = x0 + column * j as f64;
            let _ = write!(
                out,
                r#"<rect x="{x:.1}" y="{:.1}" width="{column:.1}" height="{h:.1}" fill="{}"><title>{} — {}: {}</title></rect>"#,
                top + plot_h - h,
                COLOURS[j % COLOURS.len()],
                escape(category),
                escape(&s.name),
                format_value(value, Scale::Count, decimal)
            );
        }
        if i % every == 0 {
            let _ = write!(
                out,
                r#"<text x="{:.1}" y="{}" class="chart-axis" text-anchor="middle">{}</text>"#,
                x0 + slot * 0.4,
                height - bottom + 16.0,
                escape(&shorten(category, 12))
            );
        }
    }
    out.push_str("</svg>");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bars_are_escaped_and_scaled() {
        let svg = bars(
            "Доля <в срок>",
            &["Дом 1".into(), "\"Дом\" & 2".into()],
            &[Series { name: "Ответ".into(), values: vec![0.5, 1.0] }],
            Scale::Share,
            ',',
        );
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"));
        assert!(svg.contains("Доля &lt;в срок&gt;") && svg.contains("&quot;Дом&quot; &amp; 2"));
        assert!(svg.contains(">50\u{a0}%<") && svg.contains(">100\u{a0}%<"));
        // Half the plot for 50 %, the whole for 100 %.
        let plot = WIDTH - 210.0 - 56.0;
        assert!(svg.contains(&format!("width=\"{:.1}\"", plot / 2.0)) && svg.contains(&format!("width=\"{plot:.1}\"")));
    }

    #[test]
    fn columns_thin_their_labels() {
        let days: Vec<String> = (1..=31).map(|d| format!("{d:02}.12")).collect();
        let svg = columns("Подано", &days, &[Series { name: "Подано".into(), values: vec![1.0; 31] }], ',');
        let labels = svg.matches("text-anchor=\"middle\"").count();
        assert!(labels <= 12, "{labels} labels");
        assert_eq!(svg.matches("<rect").count(), 31 + 1, "a column a day and the legend's square");
    }
}
