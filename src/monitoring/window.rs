//! Which rows of a long table are in the DOM: those in the browser's
//! viewport and a margin either side. Rows are of one fixed height (the
//! stylesheet's), so a row's place is its index times that height. Plain
//! Rust: tested natively.

use std::ops::Range;

/// Every row's height in CSS pixels; `style/` gives rows exactly this.
pub const ROW_PX: f64 = 44.0;

/// Rows rendered beyond the viewport on either side, so a scroll or a
/// keypress finds the next rows already there.
pub const MARGIN_ROWS: usize = 8;

/// The rows of `total` to render when the table's first row starts
/// `top_px` from the viewport's top (negative once scrolled past) in a
/// viewport `height_px` high.
pub fn visible(top_px: f64, height_px: f64, total: usize) -> Range<usize> {
    let first_seen = (-top_px / ROW_PX).floor().max(0.0) as usize;
    let last_seen = ((height_px - top_px) / ROW_PX).ceil().max(0.0) as usize;
    let start = first_seen.saturating_sub(MARGIN_ROWS).min(total);
    let end = last_seen.saturating_add(MARGIN_ROWS).min(total).max(start);
    start..end
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_short_table_is_rendered_whole() {
        assert_eq!(visible(120.0, 800.0, 3), 0..3);
        assert_eq!(visible(120.0, 800.0, 0), 0..0);
    }

    #[test]
    fn a_long_table_renders_the_viewport_and_a_margin() {
        // The table starts 200 px down a 660 px viewport: rows 0..11 show
        // (the eleventh in part).
        let rows = visible(200.0, 660.0, 10_000);
        assert_eq!(rows, 0..(11 + MARGIN_ROWS));
    }

    #[test]
    fn scrolled_down_the_window_moves_with_the_viewport() {
        // 1,000 rows scrolled past: rows 1,000..1,015 show.
        let rows = visible(-1_000.0 * ROW_PX, 660.0, 10_000);
        assert_eq!(rows, (1_000 - MARGIN_ROWS)..(1_015 + MARGIN_ROWS));
    }

    #[test]
    fn scrolled_past_the_table_nothing_is_rendered_beyond_it() {
        let rows = visible(-1e9, 660.0, 10_000);
        assert_eq!(rows, 10_000..10_000);
        assert_eq!(visible(5_000.0, 660.0, 10_000), 0..MARGIN_ROWS, "far below the viewport: only the first margin");
    }
}
