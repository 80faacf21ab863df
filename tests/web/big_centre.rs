//! The Calls and Users tabs with a big centre's 10,000 agents on 10,000
//! live calls: only the rows in view are in the DOM, and the rest of the
//! table behaves as if all were.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use earshot::monitoring::{window, Tab};
use leptos::prelude::Track;
use earshot_protocol::*;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;

use crate::dashboard::{call, mount, user, SALES};
use crate::{count, settle, text_of};

const CALLS: u64 = 10_000;
/// Every thousandth call is on hold.
const HELD_EVERY: u64 = 1_000;

fn big_centre(seq: u64) -> ServerMsg {
    // Agent 100 + n is on call n.
    let agents: Vec<UserView> = (1..=CALLS as u32).map(|n| user(100 + n, &format!("Agent {n}"), Role::Agent, UserStatus::OnCall, &[SALES])).collect();
    let calls = (1..=CALLS)
        .map(|id| {
            let state = if id % HELD_EVERY == 0 { CallState::OnHold } else { CallState::Ongoing };
            call(id, SALES, Some(100 + id as u32), state, CallKind::Regular, None)
        })
        .collect();
    ServerMsg::Snapshot(Snapshot {
        seq,
        now: Millis(js_sys::Date::now() as u64),
        numbers: vec![CompanyNumber { id: SALES, name: "Sales".into(), e164: "+441615550100".into() }],
        users: agents,
        calls,
    })
}

const ROWS: &str = "[data-testid=calls] tbody tr[data-testid]";

/// The Calls tab for Sam with the big centre in it, scrolled into view.
async fn mount_big_centre() -> (web_sys::HtmlElement, earshot::live::Live, impl Drop) {
    mount_big_centre_on(Tab::Calls).await
}

async fn mount_big_centre_on(tab: Tab) -> (web_sys::HtmlElement, earshot::live::Live, impl Drop) {
    let (root, live, mounted) = mount(tab, MonitoringAccess::LiveMonitoring);
    live.receive(big_centre(1));
    settle().await;
    root.scroll_into_view();
    settle().await;
    (root, live, mounted)
}

fn viewport_rows() -> u32 {
    let height = web_sys::window().unwrap().inner_height().unwrap().as_f64().unwrap();
    (height / window::ROW_PX).ceil() as u32 + 1
}

#[wasm_bindgen_test]
async fn ten_thousand_calls_put_only_the_rows_in_view_in_the_dom() {
    let (root, _live, _mounted) = mount_big_centre().await;

    let rows = count(&root, ROWS);
    assert!(rows > 0 && rows <= viewport_rows() + 2 * window::MARGIN_ROWS as u32, "{rows} rows in the DOM");
    let table = root.query_selector("[data-testid=calls]").unwrap().unwrap();
    assert_eq!(table.get_attribute("aria-rowcount").as_deref(), Some("10001"), "the whole table's size, for screen readers");
    let first = root.query_selector(ROWS).unwrap().unwrap();
    assert_eq!(first.get_attribute("aria-rowindex").as_deref(), Some("2"), "the first row after the header");
    let list = root.query_selector_all(ROWS).unwrap();
    for i in 0..list.length() {
        let row: web_sys::HtmlElement = list.item(i).unwrap().unchecked_into();
        assert_eq!(f64::from(row.offset_height()), window::ROW_PX, "every row exactly ROW_PX high: the window's arithmetic holds");
    }
}

/// What changed in `records`, leaving out the durations' ticking text.
fn describe(records: &js_sys::Array) -> Vec<String> {
    let mut changed = Vec::new();
    for record in records.iter() {
        let record: web_sys::MutationRecord = record.unchecked_into();
        let Some(target) = record.target() else { continue };
        let element = target.dyn_ref::<web_sys::Element>().cloned().or_else(|| target.parent_element());
        if element.as_ref().and_then(|e| e.closest("td.duration").ok().flatten()).is_some() {
            continue;
        }
        changed.push(format!("{} on {:?}", record.type_(), element.map(|e| e.outer_html().chars().take(80).collect::<String>())));
    }
    changed
}

/// The DOM changes under `scope` while `act` runs and the app settles.
async fn mutations_during(scope: &web_sys::Element, act: impl FnOnce()) -> Vec<String> {
    let seen = Rc::new(RefCell::new(Vec::new()));
    let record = {
        let seen = Rc::clone(&seen);
        Closure::<dyn FnMut(js_sys::Array)>::new(move |records: js_sys::Array| seen.borrow_mut().extend(describe(&records)))
    };
    let observer = web_sys::MutationObserver::new(record.as_ref().unchecked_ref()).unwrap();
    let options = web_sys::MutationObserverInit::new();
    options.set_subtree(true);
    options.set_child_list(true);
    options.set_character_data(true);
    options.set_attributes(true);
    observer.observe_with_options(scope, &options).unwrap();
    act();
    settle().await;
    seen.borrow_mut().extend(describe(&observer.take_records()));
    observer.disconnect();
    let changed = seen.borrow().clone();
    changed
}

#[wasm_bindgen_test]
async fn a_delta_to_a_row_in_view_updates_it_and_one_out_of_view_changes_no_dom_node() {
    let (root, live, _mounted) = mount_big_centre().await;

    let table = root.query_selector("[data-testid=calls]").unwrap().unwrap();
    let far = call(9_001, SALES, Some(9_101), CallState::OnHold, CallKind::Regular, None);
    let mutations = mutations_during(&table, || live.receive(ServerMsg::Delta { seq: 2, change: Change::CallUpdated { call: far } })).await;
    assert_eq!(mutations, Vec::<String>::new(), "a call out of view changed nothing in the DOM");

    let near = call(2, SALES, Some(102), CallState::OnHold, CallKind::Regular, None);
    let mutations = mutations_during(&table, || live.receive(ServerMsg::Delta { seq: 3, change: Change::CallUpdated { call: near } })).await;
    assert!(!mutations.is_empty(), "the observer sees a row in view change");
    let second = text_of(&root, "[data-testid=calls] [data-testid=call-2]").unwrap();
    assert!(second.contains("On hold"), "{second}");
}

#[wasm_bindgen_test]
async fn filters_narrow_the_whole_table_not_only_the_rows_in_view() {
    let (root, _live, _mounted) = mount_big_centre().await;

    let state: web_sys::HtmlSelectElement = root.query_selector("[data-testid=filter-state]").unwrap().unwrap().unchecked_into();
    state.set_value("on_hold");
    state.dispatch_event(&web_sys::Event::new("change").unwrap()).unwrap();
    settle().await;

    assert_eq!(count(&root, ROWS), (CALLS / HELD_EVERY) as u32, "the ten calls on hold, from all 10,000");
    let table = root.query_selector("[data-testid=calls]").unwrap().unwrap();
    assert_eq!(table.get_attribute("aria-rowcount").as_deref(), Some("11"));
}

#[wasm_bindgen_test]
async fn arrow_keys_walk_the_rows_beyond_the_first_window() {
    let (root, _live, _mounted) = mount_big_centre().await;

    let first: web_sys::HtmlElement = root.query_selector("[data-testid=coach-1]").unwrap().unwrap().unchecked_into();
    first.focus().unwrap();
    let steps = viewport_rows() + 2 * window::MARGIN_ROWS as u32 + 5; // past every row rendered at first
    for _ in 0..steps {
        let focused = web_sys::window().unwrap().document().unwrap().active_element().unwrap();
        let down = web_sys::KeyboardEventInit::new();
        down.set_key("ArrowDown");
        down.set_bubbles(true);
        focused.dispatch_event(&web_sys::KeyboardEvent::new_with_keyboard_event_init_dict("keydown", &down).unwrap()).unwrap();
        settle().await;
        crate::sleep(20).await; // a frame: the scrolled rows render
    }
    let focused = web_sys::window().unwrap().document().unwrap().active_element().unwrap();
    let row = focused.closest("tr").unwrap().expect("the focus is on a row's control");
    assert_eq!(row.get_attribute("aria-rowindex"), Some((steps + 2).to_string()), "the focus went down one row a press");
    assert_eq!(focused.get_attribute("data-testid"), Some(format!("coach-{}", steps + 1)), "the same control, a row down each time");
    assert!(count(&root, ROWS) <= viewport_rows() + 2 * window::MARGIN_ROWS as u32, "still a window, not every row passed");
    web_sys::window().unwrap().scroll_to_with_x_and_y(0.0, 0.0);
}

#[wasm_bindgen_test]
async fn the_users_tab_holds_only_the_users_in_view_and_knows_each_ones_call() {
    let (root, _live, _mounted) = mount_big_centre_on(Tab::Users).await;

    let rows = count(&root, "[data-testid=users] tbody tr[data-testid]");
    assert!(rows > 0 && rows <= viewport_rows() + 2 * window::MARGIN_ROWS as u32, "{rows} rows in the DOM");
    let table = root.query_selector("[data-testid=users]").unwrap().unwrap();
    assert_eq!(table.get_attribute("aria-rowcount").as_deref(), Some("10001"), "10,000 agents and the header");
    // Agent 1 (user 101) is on call 1: its row offers to coach it.
    assert_eq!(text_of(&root, "[data-testid=user-101] [data-testid=call]").as_deref(), Some("+447700900901"));
    assert!(root.query_selector("[data-testid=user-101] [data-testid=coach-1]").unwrap().is_some());
}

/// The frame callback that schedules itself again.
type FrameLoop = Rc<RefCell<Option<Closure<dyn FnMut()>>>>;

/// Counts the frames the page draws until dropped.
struct Frames {
    count: Rc<Cell<u32>>,
    running: Rc<Cell<bool>>,
}

impl Frames {
    fn count() -> Frames {
        let (count, running) = (Rc::new(Cell::new(0)), Rc::new(Cell::new(true)));
        let next: FrameLoop = Rc::default();
        let again = Rc::clone(&next);
        let (c, r) = (Rc::clone(&count), Rc::clone(&running));
        *next.borrow_mut() = Some(Closure::new(move || {
            if r.get() {
                c.set(c.get() + 1);
                let again = again.borrow();
                web_sys::window().unwrap().request_animation_frame(again.as_ref().unwrap().as_ref().unchecked_ref()).unwrap();
            }
        }));
        web_sys::window().unwrap().request_animation_frame(next.borrow().as_ref().unwrap().as_ref().unchecked_ref()).unwrap();
        std::mem::forget(next); // lives while the loop runs; a test's worth
        Frames { count, running }
    }
}

impl Drop for Frames {
    fn drop(&mut self) {
        self.running.set(false);
    }
}

#[wasm_bindgen_test]
async fn a_stream_of_deltas_reaches_the_page_at_most_once_a_frame() {
    let (root, live, _mounted) = mount_big_centre().await;
    let renders = Rc::new(Cell::new(0));
    let counted = Rc::clone(&renders);
    let _effect = leptos::prelude::Effect::new(move |_| {
        live.state().track();
        counted.set(counted.get() + 1);
    });
    settle().await;
    let before = renders.get();

    // A hundred changes, each in a task of its own as the socket's
    // messages come.
    let frames = Frames::count();
    for seq in 2..102 {
        let changed = call(seq, SALES, Some(100 + seq as u32), CallState::OnHold, CallKind::Regular, None);
        live.receive(ServerMsg::Delta { seq, change: Change::CallUpdated { call: changed } });
        crate::sleep(0).await;
    }
    settle().await;
    let drawn = frames.count.get();
    drop(frames);

    let notified = renders.get() - before;
    assert!(notified <= drawn + 1, "{notified} notifications in {drawn} frames: at most one a frame");
    assert!(notified < 100, "fewer than the messages");
    let held = text_of(&root, "[data-testid=calls] [data-testid=call-3]").unwrap();
    assert!(held.contains("On hold"), "and every change shown: {held}");
}
