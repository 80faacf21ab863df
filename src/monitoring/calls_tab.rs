use earshot_protocol::{CallId, CallKind, CallState, CallView, Direction, NumberId, Role, UserId};
use leptos::prelude::*;
use wasm_bindgen::JsCast;

use super::filter::CallFilter;
use super::window;
use super::{state_label, KindBadge};
use crate::coaching::CoachAction;
use crate::contacts::ContactName;
use crate::live::{format_duration, Live};

/// Every ongoing call, live, with search and filters. Only the rows in
/// the viewport (and a margin) are in the DOM, each [`window::ROW_PX`]
/// high (set here, so no stylesheet can break the arithmetic), between two
/// spacers that stand for the rest; the table tells
/// assistive technology its whole row count and each row's place.
#[component]
pub fn CallsTab() -> impl IntoView {
    let live = Live::expect();
    let filter = RwSignal::new(CallFilter::default());
    // The matching calls, in the table's order.
    let ids = Memo::new(move |_| {
        filter.with(|f| {
            let matches = f.matcher();
            live.state().with(|s| s.calls.values().filter(|c| matches(c, s)).map(|c| c.id).collect::<Vec<CallId>>())
        })
    });
    let body = NodeRef::<leptos::html::Tbody>::new();
    let viewport = follow_viewport(body);
    let range = Memo::new(move |_| {
        let (top, height) = viewport.get();
        window::visible(top, height, ids.with(Vec::len))
    });
    // The rendered rows' calls: a change to any other call leaves this as it
    // was, and so the DOM.
    let shown = Memo::new(move |_| {
        let rows = range.get();
        ids.with(|ids| live.state().with(|s| ids[rows].iter().filter_map(|id| s.calls.get(id).cloned()).collect::<Vec<_>>()))
    });
    let before = move || range.with(|r| r.start) as f64 * window::ROW_PX;
    let after = move || ids.with(Vec::len).saturating_sub(range.with(|r| r.end)) as f64 * window::ROW_PX;
    // 1-based, the header row first.
    let row_index = move |id: CallId| shown.with(|rows| rows.iter().position(|c| c.id == id)).map(|at| range.with(|r| r.start) + at + 2);
    view! {
        <Filters filter />
        <table class="grid calls" data-testid="calls" aria-rowcount=move || ids.with(Vec::len) + 1>
            <caption class="visually-hidden">"Ongoing calls"</caption>
            // Fixed widths: columns stay put while calls come and go.
            <colgroup>
                <col class="col-agent" />
                <col class="col-customer" />
                <col class="col-number" />
                <col class="col-direction" />
                <col class="col-state" />
                <col class="col-duration" />
                <col class="col-coached-by" />
                <col class="col-action" />
            </colgroup>
            <thead>
                <tr aria-rowindex="1">
                    <th scope="col">"Agent"</th>
                    <th scope="col">"Customer"</th>
                    <th scope="col">"Number"</th>
                    <th scope="col">"Direction"</th>
                    <th scope="col">"State"</th>
                    <th scope="col">"Duration"</th>
                    <th scope="col">"Coached by"</th>
                    <th scope="col"><span class="visually-hidden">"Actions"</span></th>
                </tr>
            </thead>
            <tbody node_ref=body on:keydown=move |ev| arrow_keys(&ev, body, ids, range)>
                <Spacer height=before />
                <For each=move || shown.get() key=|call| call.clone() let:call>
                    <CallRow row_index=Signal::derive({ let id = call.id; move || row_index(id) }) call />
                </For>
                <Spacer height=after />
            </tbody>
        </table>
        <Show when=move || ids.with(Vec::is_empty)>
            <p class="empty" role="status">"No calls in progress match."</p>
        </Show>
    }
}

/// Stands for rows not rendered; absent when there are none.
#[component]
fn Spacer(
    /// CSS pixels.
    height: impl Fn() -> f64 + Send + Sync + 'static,
) -> impl IntoView {
    move || {
        let px = height();
        // A row holds its height only through a cell.
        (px > 0.0).then(|| view! { <tr class="spacer" aria-hidden="true"><td colspan="8" style=format!("height: {px}px")></td></tr> })
    }
}

/// Where `body` starts, from the viewport's top, and the viewport's height:
/// measured now and at every scroll and resize.
fn follow_viewport(body: NodeRef<leptos::html::Tbody>) -> ReadSignal<(f64, f64)> {
    let viewport = RwSignal::new((0.0, 0.0));
    let measure = move || {
        let Some(body) = body.get_untracked() else { return };
        let height = web_sys::window().and_then(|w| w.inner_height().ok()).and_then(|h| h.as_f64()).unwrap_or(0.0);
        viewport.set((body.get_bounding_client_rect().top(), height));
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

/// Up and down arrows move the focus to the same control a row up or down,
/// scrolling rows not rendered yet into the window first.
fn arrow_keys(ev: &web_sys::KeyboardEvent, body: NodeRef<leptos::html::Tbody>, ids: Memo<Vec<CallId>>, range: Memo<std::ops::Range<usize>>) {
    let step: isize = match ev.key().as_str() {
        "ArrowDown" => 1,
        "ArrowUp" => -1,
        _ => return,
    };
    let (Some(tbody), Some(focused)) = (body.get_untracked(), web_sys::window().and_then(|w| w.document()).and_then(|d| d.active_element())) else { return };
    let Some(row) = focused.closest("tr[aria-rowindex]").ok().flatten() else { return };
    let Some(index) = row.get_attribute("aria-rowindex").and_then(|i| i.parse::<usize>().ok()).and_then(|i| i.checked_sub(2)) else { return };
    let Some(target) = index.checked_add_signed(step).filter(|&t| t < ids.with_untracked(Vec::len)) else { return };
    ev.prevent_default();
    // Which of the row's controls had the focus: the same one gets it below.
    let controls = |row: &web_sys::Element| row.query_selector_all("a, button:not([disabled])").ok();
    let column = controls(&row).and_then(|list| (0..list.length()).find(|&i| list.item(i).is_some_and(|n| n.is_same_node(Some(&focused)))));
    let target_top = tbody.get_bounding_client_rect().top() + target as f64 * window::ROW_PX;
    let height = web_sys::window().and_then(|w| w.inner_height().ok()).and_then(|h| h.as_f64()).unwrap_or(0.0);
    if !range.with_untracked(|r| r.contains(&target)) || target_top < 0.0 || target_top + window::ROW_PX > height {
        if let Some(w) = web_sys::window() {
            w.scroll_by_with_x_and_y(0.0, step as f64 * window::ROW_PX);
        }
    }
    let focus = move || {
        let selector = format!("tr[aria-rowindex=\"{}\"]", target + 2);
        let row = body.get_untracked()?.query_selector(&selector).ok()??;
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

#[component]
fn CallRow(
    /// The call shown by this row.
    call: CallView,
    /// Its place in the whole table, for assistive technology.
    row_index: Signal<Option<usize>>,
) -> impl IntoView {
    let live = Live::expect();
    let (agent, line) = live.state().with_untracked(|s| (call.agent.map(|a| s.user_name(a)), s.number_name(call.number)));
    let started = call.started_at;
    let kind = call.kind;
    view! {
        <tr
            data-testid=format!("call-{}", call.id.0)
            aria-rowindex=move || row_index.get()
            style:height=format!("{}px", window::ROW_PX)
            data-state=state_label(call.state)
            class:unusual=kind != CallKind::Regular
        >
            <td>{agent.clone().unwrap_or_else(|| "—".into())}</td>
            <td><ContactName customer=call.customer.clone() /></td>
            <td>{line}</td>
            <td>{match call.direction { Direction::Inbound => "Inbound", Direction::Outbound => "Outbound" }}</td>
            <td>
                <span class=format!("state {}", state_label(call.state).to_lowercase().replace(' ', "-"))>{state_label(call.state)}</span>
                <KindBadge kind />
            </td>
            <td class="duration">{move || format_duration(live.server_now().0.saturating_sub(started.0))}</td>
            <td data-testid="coach-name">{call.coaching.as_ref().map_or_else(|| "—".to_owned(), |c| c.coach_name.clone())}</td>
            <td><CoachAction agent=agent.clone().unwrap_or_default() call=call.clone() /></td>
        </tr>
    }
}

/// Search box and the number, agent and state filters.
#[component]
fn Filters(
    /// The filter these controls edit.
    filter: RwSignal<CallFilter>,
) -> impl IntoView {
    let live = Live::expect();
    let (numbers, agents) = live.state().with_untracked(|s| {
        let numbers: Vec<(NumberId, String)> = s.numbers.values().map(|n| (n.id, n.name.clone())).collect();
        let agents: Vec<(UserId, String)> =
            s.users.values().filter(|u| u.role == Role::Agent).map(|u| (u.id, u.name.clone())).collect();
        (numbers, agents)
    });
    view! {
        <div class="filters" role="search">
            <label>
                "Search"
                <input
                    type="search"
                    data-testid="search"
                    placeholder="Agent, contact or phone"
                    on:input=move |ev| filter.update(|f| f.text = event_target_value(&ev))
                />
            </label>
            <label>
                "Number"
                <select data-testid="filter-number" on:change=move |ev| filter.update(|f| f.number = event_target_value(&ev).parse().ok().map(NumberId))>
                    <option value="">"All numbers"</option>
                    {numbers.into_iter().map(|(id, name)| view! { <option value=id.0.to_string()>{name}</option> }).collect_view()}
                </select>
            </label>
            <label>
                "Agent"
                <select data-testid="filter-agent" on:change=move |ev| filter.update(|f| f.agent = event_target_value(&ev).parse().ok().map(UserId))>
                    <option value="">"All agents"</option>
                    {agents.into_iter().map(|(id, name)| view! { <option value=id.0.to_string()>{name}</option> }).collect_view()}
                </select>
            </label>
            <label>
                "State"
                <select data-testid="filter-state" on:change=move |ev| filter.update(|f| f.state = parse_state(&event_target_value(&ev)))>
                    <option value="">"All states"</option>
                    <option value="waiting">"Waiting"</option>
                    <option value="ongoing">"Ongoing"</option>
                    <option value="on_hold">"On hold"</option>
                </select>
            </label>
        </div>
    }
}

fn parse_state(value: &str) -> Option<CallState> {
    match value {
        "waiting" => Some(CallState::Waiting),
        "ongoing" => Some(CallState::Ongoing),
        "on_hold" => Some(CallState::OnHold),
        _ => None,
    }
}
