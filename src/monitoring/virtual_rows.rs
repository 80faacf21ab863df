//! A long table with only its rows in view in the DOM (the arithmetic is
//! `window.rs`): which rows those are as the page scrolls, the spacers
//! that stand for the rest, and arrow keys that walk every row.

use std::ops::Range;

use leptos::html::Tbody;
use leptos::prelude::*;
use wasm_bindgen::JsCast;

use super::window::{self, ROW_PX};

/// The window of a table body's rows: `body` goes on the `<tbody>`.
#[derive(Clone, Copy)]
pub struct RowWindow {
    pub body: NodeRef<Tbody>,
    /// The rows to render, of all of them.
    range: Memo<Range<usize>>,
    total: Signal<usize>,
}

impl RowWindow {
    /// The window over `total` rows, following the page's scroll.
    pub fn new(total: impl Fn() -> usize + Send + Sync + 'static) -> Self {
        let body = NodeRef::new();
        let total = Signal::derive(total);
        let viewport = follow_viewport(body);
        let range = Memo::new(move |_| {
            let (top, height) = viewport.get();
            window::visible(top, height, total.get())
        });
        Self { body, range, total }
    }

    /// The height standing for the rows above the window.
    pub fn before(&self) -> f64 {
        self.range.with(|r| r.start) as f64 * ROW_PX
    }

    /// The height standing for the rows below it.
    pub fn after(&self) -> f64 {
        self.total.get().saturating_sub(self.range.with(|r| r.end)) as f64 * ROW_PX
    }

    /// Of `ids` (every row, in order), the rows in the window as `row`
    /// finds each (one gone meanwhile is left out): a change to a row
    /// outside the window leaves this as it was, and so the DOM.
    pub fn shown<K, T>(&self, ids: Memo<Vec<K>>, row: impl Fn(&K) -> Option<T> + Send + Sync + 'static) -> Memo<Vec<T>>
    where
        K: Send + Sync + 'static,
        T: PartialEq + Send + Sync + 'static,
    {
        let range = self.range;
        Memo::new(move |_| {
            let rows = range.get();
            ids.with(|ids| ids[rows].iter().filter_map(&row).collect())
        })
    }

    /// The `aria-rowindex` (1-based, after the header row) of the row of
    /// `shown` that `is` picks.
    pub fn row_index<T: Send + Sync + 'static>(&self, shown: Memo<Vec<T>>, is: impl Fn(&T) -> bool) -> Option<usize> {
        let at = shown.with(|rows| rows.iter().position(is))?;
        Some(self.range.with(|r| r.start) + at + 2)
    }

    /// Up and down arrows move the focus to the same control a row up or
    /// down, scrolling a row not rendered yet into the window first.
    pub fn arrow_keys(&self, ev: &web_sys::KeyboardEvent) {
        let step: isize = match ev.key().as_str() {
            "ArrowDown" => 1,
            "ArrowUp" => -1,
            _ => return,
        };
        let document = web_sys::window().and_then(|w| w.document());
        let (Some(tbody), Some(focused)) = (self.body.get_untracked(), document.and_then(|d| d.active_element())) else { return };
        let Some(row) = focused.closest("tr[aria-rowindex]").ok().flatten() else { return };
        let Some(index) = row.get_attribute("aria-rowindex").and_then(|i| i.parse::<usize>().ok()).and_then(|i| i.checked_sub(2)) else {
            return;
        };
        let Some(target) = index.checked_add_signed(step).filter(|&t| t < self.total.get_untracked()) else { return };
        ev.prevent_default();
        // Which of the row's controls had the focus: the same one gets it.
        let column = controls(&row).and_then(|list| (0..list.length()).find(|&i| list.item(i).is_some_and(|n| n.is_same_node(Some(&focused)))));
        let target_top = tbody.get_bounding_client_rect().top() + target as f64 * ROW_PX;
        if !self.range.with_untracked(|r| r.contains(&target)) || target_top < 0.0 || target_top + ROW_PX > viewport_height() {
            if let Some(w) = web_sys::window() {
                w.scroll_by_with_x_and_y(0.0, step as f64 * ROW_PX);
            }
        }
        let body = self.body;
        let focus = move || {
            let row = body.get_untracked()?.query_selector(&format!("tr[aria-rowindex=\"{}\"]", target + 2)).ok()??;
            let list = controls(&row)?;
            let node = list.item(column.unwrap_or(0).min(list.length().saturating_sub(1)))?;
            node.dyn_into::<web_sys::HtmlElement>().ok()?.focus().ok()
        };
        if focus().is_none() {
            // The row renders once the scroll is measured: focus it then.
            request_animation_frame(move || {
                let _ = focus();
            });
        }
    }
}

/// A row's controls that take the focus.
fn controls(row: &web_sys::Element) -> Option<web_sys::NodeList> {
    row.query_selector_all("a, button:not([disabled])").ok()
}

fn viewport_height() -> f64 {
    web_sys::window().and_then(|w| w.inner_height().ok()).and_then(|h| h.as_f64()).unwrap_or(0.0)
}

/// Where `body` starts, from the viewport's top, and the viewport's height:
/// measured once it is in the page, and at every scroll and resize.
fn follow_viewport(body: NodeRef<Tbody>) -> ReadSignal<(f64, f64)> {
    let viewport = RwSignal::new((0.0, 0.0));
    let measure = move || {
        if let Some(body) = body.get_untracked() {
            viewport.set((body.get_bounding_client_rect().top(), viewport_height()));
        }
    };
    Effect::new(move |_| {
        if body.get().is_some() {
            measure();
        }
    });
    let scroll = window_event_listener(leptos::ev::scroll, move |_| measure());
    let resize = window_event_listener(leptos::ev::resize, move |_| measure());
    on_cleanup(move || {
        scroll.remove();
        resize.remove();
    });
    viewport.read_only()
}

/// Stands for the rows not rendered on one side; absent when there are none.
#[component]
pub fn Spacer(
    /// CSS pixels.
    height: impl Fn() -> f64 + Send + Sync + 'static,
    /// The table's columns, for the one cell that holds the height.
    columns: u32,
) -> impl IntoView {
    move || {
        let px = height();
        (px > 0.0).then(|| {
            view! {
                <tr class="spacer" aria-hidden="true">
                    <td colspan=columns style=format!("height: {px}px")></td>
                </tr>
            }
        })
    }
}
