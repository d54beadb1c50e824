//! Small SVG charts drawn on the server (no JavaScript): horizontal bars of a share per row,
//! labels escaped by maud like any other text.

use maud::{Markup, html};

const ROW: f64 = 20.0;
const LABEL: f64 = 150.0;
const WIDTH: f64 = 640.0;

/// A horizontal bar chart of shares (0..=1) with a title; red below `warn_below`. A row with no
/// share (nothing was due) shows "—", not 0%.
pub fn bars(title: &str, rows: &[(String, Option<f64>)], warn_below: f64) -> Markup {
    let plot = WIDTH - LABEL - 60.0;
    let height = 28.0 + ROW * rows.len() as f64 + 18.0;
    html! {
        svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" aria-label=(title)
            width=(WIDTH) height=(height) viewBox=(format!("0 0 {WIDTH} {height}")) {
            text x="0" y="16" font-size="14" font-weight="bold" { (title) }
            @for tick in [0.0, 0.25, 0.5, 0.75, 1.0] {
                @let x = LABEL + plot * tick;
                line x1=(x) x2=(x) y1="24" y2=(height - 16.0) stroke="#d0d7de" stroke-width="1" {}
                text x=(x) y=(height - 4.0) font-size="10" text-anchor="middle" fill="#667085" { (format!("{:.0}%", tick * 100.0)) }
            }
            @for (i, (label, share)) in rows.iter().enumerate() {
                @let y = 28.0 + ROW * i as f64;
                text x=(LABEL - 6.0) y=(y + 13.0) font-size="12" text-anchor="end" { (label) }
                @if let Some(share) = share.map(|s| s.clamp(0.0, 1.0)) {
                    rect x=(LABEL) y=(y + 3.0) width=(format!("{:.1}", plot * share)) height=(ROW - 6.0)
                        fill=(if share < warn_below { "#c0392b" } else { "#2f7d4f" }) {}
                    text x=(LABEL + plot * share + 4.0) y=(y + 13.0) font-size="11" { (format!("{:.1}%", share * 100.0)) }
                } @else {
                    text x=(LABEL + 4.0) y=(y + 13.0) font-size="11" fill="#667085" { "—" }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_are_escaped_and_bars_scaled() {
        let rows =
            [("<村>".into(), Some(0.5)), ("东关村".into(), Some(1.5)), ("西村".into(), None)];
        let svg = bars("覆盖率", &rows, 0.8).into_string();
        assert!(svg.starts_with("<svg") && svg.contains("&lt;村&gt;"));
        assert!(svg.contains("width=\"215.0\""), "half of the plot: {svg}");
        assert!(svg.contains("100.0%"), "shares are clamped");
        assert!(svg.contains("#c0392b") && svg.contains("#2f7d4f"));
        assert!(svg.contains("—") && !svg.contains(">0.0%<"), "nothing due is not 0%");
    }
}
