use earshot_protocol::{CallId, CallKind, CallState, CallView, Direction, NumberId, Role, UserId};
use leptos::prelude::*;

use super::attention::AttentionCell;
use super::filter::CallFilter;
use super::virtual_rows::{RowWindow, Spacer};
use super::window::ROW_PX;
use super::{state_label, KindBadge};
use crate::coaching::CoachAction;
use crate::contacts::ContactName;
use crate::live::{format_duration, Live};

/// Every ongoing call, live, with search and filters. Only the rows in
/// the viewport (and a margin) are in the DOM, each [`ROW_PX`]
/// high (set here, so no stylesheet can break the arithmetic), between two
/// spacers that stand for the rest; the table tells
/// assistive technology its whole row count and each row's place.
#[component]
pub fn CallsTab(
    /// The calls that need a coach, in their order.
    flagged: Memo<Vec<CallId>>,
) -> impl IntoView {
    let live = Live::expect();
    let filter = RwSignal::new(CallFilter::default());
    // The matching calls, in the table's order: those that need a coach
    // first (raised hands, then phrases, then signals; the newest first);
    // then the rest.
    let ids = Memo::new(move |_| {
        filter.with(|f| {
            let matches = f.matcher();
            live.state().with(|s| {
                let first = flagged.with(|flagged| flagged.iter().filter(|id| s.calls.get(id).is_some_and(|c| matches(c, s))).copied().collect::<Vec<_>>());
                let rest = s.calls.values().filter(|c| !c.needs_attention() && matches(c, s)).map(|c| c.id);
                first.into_iter().chain(rest).collect::<Vec<CallId>>()
            })
        })
    });
    let rows = RowWindow::new(move || ids.with(Vec::len));
    let shown = rows.shown(ids, move |id| live.state().with(|s| s.calls.get(id).cloned()));
    let row_index = move |id: CallId| rows.row_index(shown, |c: &CallView| c.id == id);
    view! {
        <Filters filter />
        <table class="grid calls" data-testid="calls" aria-rowcount=move || ids.with(Vec::len) + 1>
            <caption class="visually-hidden">"Ongoing calls"</caption>
            // Fixed widths: columns stay put while calls come and go.
            <colgroup>
                <col class="col-attention" />
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
                    <th scope="col">"Attention"</th>
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
            <tbody node_ref=rows.body on:keydown=move |ev| rows.arrow_keys(&ev)>
                <Spacer height=move || rows.before() columns=9 />
                <For each=move || shown.get() key=|call| call.clone() let:call>
                    <CallRow row_index=Signal::derive({ let id = call.id; move || row_index(id) }) call />
                </For>
                <Spacer height=move || rows.after() columns=9 />
            </tbody>
        </table>
        <Show when=move || ids.with(Vec::is_empty)>
            <p class="empty" role="status">"No calls in progress match."</p>
        </Show>
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
            style:height=format!("{ROW_PX}px")
            data-state=state_label(call.state)
            class:unusual=kind != CallKind::Regular
            class:flagged=call.needs_attention()
            class:asking=call.needs_help()
        >
            <AttentionCell call=call.clone() />
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

/// The most agents the Agent filter lists.
const AGENTS_LISTED: usize = 200;

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
            // A list of thousands is no way to pick one: a big centre finds
            // an agent by the search box.
            {(agents.len() <= AGENTS_LISTED).then(|| view! {
                <label>
                    "Agent"
                    <select data-testid="filter-agent" on:change=move |ev| filter.update(|f| f.agent = event_target_value(&ev).parse().ok().map(UserId))>
                        <option value="">"All agents"</option>
                        {agents.into_iter().map(|(id, name)| view! { <option value=id.0.to_string()>{name}</option> }).collect_view()}
                    </select>
                </label>
            })}
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
