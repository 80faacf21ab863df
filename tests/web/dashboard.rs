//! The dashboard's components fed by protocol messages, as the socket would.

use std::cell::Cell;
use std::rc::Rc;

use earshot::auth::SignedIn;
use earshot::audio::Source;
use earshot::coaching::{AudioSetup, CoachDialog, CoachMedia, CoachingPanel, CoachingUi, LastJoined};
use earshot::live::Live;
use earshot::monitoring::{Dashboard, Tab};
use earshot::routes::Address;
use earshot_protocol::*;
use leptos::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;

use crate::audio::{built, clear_site_caches, install_built};
use crate::{click, container, count, settle, text_of};

const SAM: UserId = UserId(2);
pub const SALES: NumberId = NumberId(1);
const SUPPORT: NumberId = NumberId(2);

fn me(access: MonitoringAccess) -> Me {
    Me { id: SAM, name: "Sam Rivera".into(), role: Role::Supervisor, access }
}

pub fn user(id: u32, name: &str, role: Role, status: UserStatus, numbers: &[NumberId]) -> UserView {
    UserView { id: UserId(id), name: name.into(), role, status, since: Millis(0), reason: None, numbers: numbers.to_vec() }
}

pub fn call(id: u64, number: NumberId, agent: Option<u32>, state: CallState, kind: CallKind, contact: Option<(u32, &str)>) -> CallView {
    CallView {
        id: CallId(id),
        number,
        agent: agent.map(UserId),
        customer: Customer {
            phone: format!("+4477009009{id:02}"),
            contact: contact.map(|(id, name)| ContactRef { id: ContactId(id), name: name.into() }),
        },
        direction: Direction::Inbound,
        kind,
        state,
        started_at: Millis(js_sys::Date::now() as u64 - 65_000),
        coaching: None,
        notes: 0,
        hand: None,
        signals: Vec::new(),
        phrases: Vec::new(),
        phone_line: false,
        outside: None,
    }
}

/// Sam (assigned to Sales only), two agents, and three calls: a regular
/// Sales call from a known contact, an emergency call, a Support call from
/// an unknown number.
fn snapshot(seq: u64) -> ServerMsg {
    ServerMsg::Snapshot(Snapshot {
        seq,
        now: Millis(js_sys::Date::now() as u64),
        numbers: vec![
            CompanyNumber { id: SALES, name: "Sales".into(), e164: "+441615550100".into() },
            CompanyNumber { id: SUPPORT, name: "Support".into(), e164: "+441615550200".into() },
        ],
        users: vec![
            user(2, "Sam Rivera", Role::Supervisor, UserStatus::Available, &[SALES]),
            user(10, "Alex Morgan", Role::Agent, UserStatus::OnCall, &[SALES]),
            user(11, "Dara Okafor", Role::Agent, UserStatus::OnCall, &[SUPPORT]),
            user(12, "Eli Cohen", Role::Agent, UserStatus::OnCall, &[SUPPORT]),
        ],
        calls: vec![
            call(1, SALES, Some(10), CallState::Ongoing, CallKind::Regular, Some((1, "Maria Garcia"))),
            call(2, SUPPORT, Some(11), CallState::Ongoing, CallKind::Emergency, None),
            call(3, SUPPORT, Some(12), CallState::OnHold, CallKind::Regular, None),
        ],
    })
}

/// Mounts the dashboard for Sam on a detached live state.
pub fn mount(tab: Tab, access: MonitoringAccess) -> (web_sys::HtmlElement, Live, impl Drop) {
    mount_with(tab, access, Source::Server)
}

/// Mounts the dashboard with the coach's audio processing from `source`.
fn mount_with(tab: Tab, access: MonitoringAccess, source: Source) -> (web_sys::HtmlElement, Live, impl Drop) {
    let (root, live, _, handle) = mount_full(tab, access, source);
    (root, live, handle)
}

/// [`mount_with`], also handing out the coaching UI's state.
fn mount_full(tab: Tab, access: MonitoringAccess, source: Source) -> (web_sys::HtmlElement, Live, CoachingUi, impl Drop) {
    // Each test starts from a supervisor's first visit (no remembered choices).
    web_sys::window().unwrap().local_storage().unwrap().unwrap().clear().unwrap();
    let root = container();
    let slot = Rc::new(Cell::new(None));
    let out = Rc::clone(&slot);
    let handle = leptos::mount::mount_to(root.clone(), move || {
        provide_context(SignedIn(me(access)));
        let live = Live::provide_detached();
        let ui = CoachingUi::provide();
        out.set(Some((live, ui)));
        CoachMedia::provide_with(live, source.clone());
        Address::provide();
        view! { <CoachingPanel /><Dashboard tab /><CoachDialog /><AudioSetup /> }
    });
    let (live, ui) = slot.get().expect("mounted");
    (root, live, ui, handle)
}

fn row(id: u64) -> String {
    format!("[data-testid=calls] [data-testid=call-{id}]")
}

#[wasm_bindgen_test]
async fn a_snapshot_renders_every_call_with_its_details() {
    let (root, live, _mounted) = mount(Tab::Calls, MonitoringAccess::LiveMonitoring);

    live.receive(snapshot(10));
    settle().await;

    assert_eq!(count(&root, "[data-testid=calls] tbody tr"), 3);
    let first = text_of(&root, &row(1)).unwrap();
    assert!(first.contains("Alex Morgan") && first.contains("Sales") && first.contains("Ongoing"), "{first}");
    assert!(first.contains("1:0"), "live duration shown: {first}");
    assert!(root.query_selector(&format!("{} [data-testid=coach-1]", row(1))).unwrap().is_some());
    assert!(root.query_selector(&format!("{} [data-testid=coach-2]", row(2))).unwrap().is_none());
    assert_eq!(text_of(&root, &format!("{} [data-testid=kind]", row(2))).as_deref(), Some("Emergency"), "the kind is marked on the row");
    assert_cannot_coach(&root, &row(2), 2, "Emergency calls cannot be coached.");
    assert_eq!(text_of(&root, "[data-testid=calls] thead th:nth-child(8)").as_deref(), Some("Coached by"), "one word, one meaning");
}

/// Under `scope`, a disabled Coach button for `call` that says `why` (its
/// description and its tooltip).
fn assert_cannot_coach(root: &web_sys::HtmlElement, scope: &str, call: u64, why: &str) {
    let button = root.query_selector(&format!("{scope} [data-testid=cannot-coach-{call}]")).unwrap().expect("a disabled Coach button");
    assert!(button.has_attribute("disabled"), "{scope}: disabled");
    assert_eq!(button.get_attribute("title").as_deref(), Some(why), "{scope}: the tooltip says why");
    let described_by = button.get_attribute("aria-describedby").expect("described");
    assert_eq!(text_of(root, &format!("#{described_by}")).as_deref(), Some(why), "{scope}: its description says why");
}

#[wasm_bindgen_test]
async fn contact_names_link_to_the_contact_and_unknown_numbers_are_plain_text() {
    let (root, live, _mounted) = mount(Tab::Calls, MonitoringAccess::LiveMonitoring);

    live.receive(snapshot(10));
    settle().await;

    let link = root.query_selector(&format!("{} a[data-testid=contact-link]", row(1))).unwrap().expect("a link");
    assert_eq!(link.get_attribute("href").as_deref(), Some("/contacts/1"));
    assert_eq!(link.text_content().as_deref(), Some("Maria Garcia"));
    assert!(root.query_selector(&format!("{} a", row(3))).unwrap().is_none(), "no link without a contact");
    assert_eq!(text_of(&root, &format!("{} [data-testid=contact-plain]", row(3))).as_deref(), Some("+447700900903"));
}

#[wasm_bindgen_test]
async fn deltas_update_and_remove_rows_in_place() {
    let (root, live, _mounted) = mount(Tab::Calls, MonitoringAccess::LiveMonitoring);
    live.receive(snapshot(10));

    let mut held = call(1, SALES, Some(10), CallState::OnHold, CallKind::Regular, Some((1, "Maria Garcia")));
    held.coaching = Some(CoachingView { coach: UserId(3), coach_name: "Priya Shah".into(), whisper: false, notified_agent: true, since: Millis(0), audio_window: 0 });
    live.receive(ServerMsg::Delta { seq: 11, change: Change::CallUpdated { call: held } });
    live.receive(ServerMsg::Delta { seq: 12, change: Change::CallEnded { call: CallId(3) } });
    settle().await;

    let first = text_of(&root, &row(1)).unwrap();
    assert!(first.contains("On hold") && first.contains("Priya Shah"), "{first}");
    assert_eq!(count(&root, "[data-testid=calls] tbody tr"), 2);
    assert!(live.sent().is_empty(), "no resync without a gap");
}

#[wasm_bindgen_test]
async fn a_gap_asks_for_a_new_snapshot_and_keeps_the_rows_until_it_comes() {
    let (root, live, _mounted) = mount(Tab::Calls, MonitoringAccess::LiveMonitoring);
    live.receive(snapshot(10));

    live.receive(ServerMsg::Delta { seq: 13, change: Change::CallEnded { call: CallId(1) } });
    settle().await;

    assert_eq!(live.sent(), vec![Request::Subscribe]);
    assert_eq!(count(&root, "[data-testid=calls] tbody tr"), 3, "the out-of-order delta was not applied");

    let ServerMsg::Snapshot(mut fresh) = snapshot(20) else { unreachable!() };
    fresh.calls.retain(|c| c.id != CallId(1));
    live.receive(ServerMsg::Snapshot(fresh));
    settle().await;
    assert_eq!(count(&root, "[data-testid=calls] tbody tr"), 2);
}

#[wasm_bindgen_test]
async fn the_coach_dialog_offers_the_conversation_only_on_the_coachs_numbers() {
    let (root, live, _mounted) = mount(Tab::Calls, MonitoringAccess::LiveMonitoring);
    live.receive(snapshot(10));
    settle().await;

    click(&root, "[data-testid=coach-1]");
    settle().await;
    assert!(root.query_selector("[data-testid=coach-dialog] [data-testid=open-conversation]").unwrap().is_some());
    assert!(root.query_selector("[data-testid=conversation-hint]").unwrap().is_none());
    assert!(root.query_selector("[data-testid=coach-dialog] [data-testid=notify-agent]").unwrap().is_some());

    click(&root, "[data-testid=coach-dialog] .actions button:first-child");
    settle().await;
    click(&root, "[data-testid=coach-3]");
    settle().await;
    assert!(root.query_selector("[data-testid=open-conversation]").unwrap().is_none(), "absent, not greyed out");
    assert!(text_of(&root, "[data-testid=conversation-hint]").unwrap().contains("not assigned to Support"));
}

#[wasm_bindgen_test]
async fn the_coach_dialog_focuses_its_first_control_each_time_and_gives_focus_back_to_the_coach_button() {
    let (root, live, _mounted) = mount(Tab::Calls, MonitoringAccess::LiveMonitoring);
    live.receive(snapshot(10));
    settle().await;
    let focused = || web_sys::window().unwrap().document().unwrap().active_element().and_then(|e| e.get_attribute("data-testid"));

    for round in ["first", "second"] {
        let coach = root.query_selector("[data-testid=coach-1]").unwrap().unwrap().dyn_into::<web_sys::HtmlElement>().unwrap();
        coach.focus().unwrap();
        coach.click();
        settle().await;
        assert_eq!(focused().as_deref(), Some("notify-agent"), "{round} opening: the first control has the focus");
        assert!(text_of(&root, "[data-testid=microphone-closed]").unwrap().contains("your microphone stays closed until you press Whisper"));
        click(&root, "[data-testid=coach-dialog] .actions button:first-child");
        settle().await;
        assert_eq!(focused().as_deref(), Some("coach-1"), "{round} closing: the Coach button has the focus back");
    }
}

#[wasm_bindgen_test]
async fn joining_sends_the_notify_choice_and_an_offer_that_listens_without_a_microphone() {
    let source = built("dashboard").await;
    install_built(&source).await;
    let (root, live, _mounted) = mount_with(Tab::Calls, MonitoringAccess::LiveMonitoring, source);
    live.receive(snapshot(10));
    settle().await;

    click(&root, "[data-testid=coach-3]");
    settle().await;
    click(&root, "[data-testid=notify-agent]");
    click(&root, "[data-testid=join]");
    let sent = sent_requests(live).await;

    let [Request::StartCoaching { call: CallId(3), notify_agent: false, offer: Some(sdp) }] = sent.as_slice() else {
        panic!("one join with an offer: {sent:?}");
    };
    let directions: Vec<&str> = sdp.lines().filter(|l| matches!(*l, "a=recvonly" | "a=sendonly" | "a=sendrecv")).collect();
    assert_eq!(directions, ["a=recvonly", "a=recvonly", "a=sendonly"], "customer and agent in, a reserved line out");

    // The choice is remembered and shown again, in words.
    click(&root, "[data-testid=coach-1]");
    settle().await;
    let notify = root.query_selector("[data-testid=notify-agent]").unwrap().unwrap().dyn_into::<web_sys::HtmlInputElement>().unwrap();
    assert!(!notify.checked(), "the last choice, silent, is shown");
    assert_eq!(text_of(&root, "[data-testid=notify-said]").as_deref(), Some("Silent: Alex Morgan will not know you are listening."));
}

#[wasm_bindgen_test]
async fn the_first_join_in_a_fresh_browser_runs_the_setup_and_joins_nothing_yet() {
    clear_site_caches().await;
    let (root, live, _mounted) = mount_with(Tab::Calls, MonitoringAccess::LiveMonitoring, built("fresh").await);
    live.receive(snapshot(10));
    settle().await;

    click(&root, "[data-testid=coach-1]");
    settle().await;
    click(&root, "[data-testid=join]");
    let installed = until(|| text_of(&root, "[data-testid=setup-step-1]").filter(|t| t.contains("Done"))).await;

    assert!(installed.contains("Installed 2 files") && installed.contains("SHA-256"), "{installed}");
    assert!(root.query_selector("[data-testid=coach-dialog]").unwrap().is_none(), "the setup replaces the dialog");
    let progress = root.query_selector("[data-testid=setup-progress]").unwrap().unwrap().get_attribute("aria-valuenow");
    assert_eq!(progress.as_deref(), Some("33"), "one step of three done");
    assert!(text_of(&root, "[data-testid=audio-setup]").unwrap().contains("only while you whisper"), "says why the microphone is needed");
    assert!(live.sent().is_empty(), "nothing joined before the setup is complete");
    let finish: web_sys::HtmlButtonElement = root.query_selector("[data-testid=setup-finish]").unwrap().unwrap().unchecked_into();
    assert!(finish.disabled(), "Join waits for every step");
    clear_site_caches().await;
}

#[wasm_bindgen_test]
async fn a_coach_whose_call_was_transferred_is_told_why_and_offered_the_new_agent() {
    let (root, live, ui, _mounted) = mount_full(Tab::Calls, MonitoringAccess::LiveMonitoring, Source::Server);
    live.receive(snapshot(10));
    ui.last.set(Some(LastJoined { call: CallId(1), notify: true, agent: Some(UserId(10)) }));
    settle().await;
    assert!(text_of(&root, "[data-testid=coaching-ended]").unwrap().starts_with("You left the call of Alex Morgan"));

    let moved = call(1, SALES, Some(11), CallState::Ongoing, CallKind::Regular, Some((1, "Maria Garcia")));
    live.receive(ServerMsg::Delta { seq: 11, change: Change::CallUpdated { call: moved } });
    settle().await;

    let said = text_of(&root, "[data-testid=coaching-ended]").unwrap();
    assert!(said.starts_with("Coaching ended: the call was transferred") && said.contains("you may coach Dara Okafor afresh"), "{said}");
    assert_eq!(text_of(&root, "[data-testid=rejoin]").as_deref(), Some("Coach Dara Okafor"));
}

#[wasm_bindgen_test]
async fn rejoin_shows_the_last_notify_choice_again() {
    let (root, live, ui, _mounted) = mount_full(Tab::Calls, MonitoringAccess::LiveMonitoring, Source::Server);
    live.receive(snapshot(10));
    ui.last.set(Some(LastJoined { call: CallId(1), notify: false, agent: Some(UserId(10)) }));
    settle().await;

    let choice = root.query_selector("[data-testid=rejoin-notify]").unwrap().expect("the choice beside Rejoin");
    let choice = choice.dyn_into::<web_sys::HtmlInputElement>().unwrap();
    assert!(!choice.checked(), "the last choice, silent, shown again");
    assert!(text_of(&root, "[data-testid=coaching-panel]").unwrap().contains("Tell the agent I am coaching"));
}

/// Polls until `found` finds something (5 s at most).
async fn until<T>(found: impl Fn() -> Option<T>) -> T {
    for _ in 0..250 {
        settle().await;
        if let Some(it) = found() {
            return it;
        }
        crate::sleep(20).await;
    }
    panic!("not found in time")
}

/// Polls until the app has sent something.
async fn sent_requests(live: Live) -> Vec<Request> {
    for _ in 0..100 {
        settle().await;
        let sent = live.sent();
        if !sent.is_empty() {
            return sent;
        }
    }
    Vec::new()
}

#[wasm_bindgen_test]
async fn a_window_that_finds_its_user_coaching_offers_the_audio_here_and_reconnects_listening() {
    let source = built("dashboard").await;
    install_built(&source).await;
    let (root, live, _mounted) = mount_with(Tab::Calls, MonitoringAccess::LiveMonitoring, source);
    let ServerMsg::Snapshot(mut state) = snapshot(10) else { unreachable!("a snapshot") };
    state.calls[0].coaching =
        Some(CoachingView { coach: SAM, coach_name: "Sam Rivera".into(), whisper: false, notified_agent: true, since: state.now, audio_window: 0 });
    live.receive(ServerMsg::Snapshot(state));
    settle().await;

    let panel = text_of(&root, "[data-testid=coaching-panel]").unwrap();
    assert!(panel.contains("Coaching Alex Morgan") && panel.contains("not playing in this window"), "{panel}");
    assert!(root.query_selector("[data-testid=whisper]").unwrap().is_none(), "no whisper without the audio here");
    click(&root, "[data-testid=listen-here]");

    let sent = sent_requests(live).await;
    let [Request::ReconnectCoaching { call: CallId(1), offer }] = sent.as_slice() else { panic!("one reconnect with an offer: {sent:?}") };
    let directions: Vec<&str> = offer.lines().filter(|l| matches!(*l, "a=recvonly" | "a=sendonly" | "a=sendrecv")).collect();
    assert_eq!(directions, ["a=recvonly", "a=recvonly", "a=sendonly"], "listening again: no microphone");
}

#[wasm_bindgen_test]
async fn the_users_tab_shows_live_status_and_coach_buttons_beside_users_on_a_coachable_call() {
    let (root, live, _mounted) = mount(Tab::Users, MonitoringAccess::LiveMonitoring);
    live.receive(snapshot(10));
    settle().await;

    assert_eq!(text_of(&root, "[data-testid=user-10] [data-testid=status]").as_deref(), Some("On a call"));
    assert_eq!(text_of(&root, "[data-testid=user-10] [data-testid=call]").as_deref(), Some("Maria Garcia"));
    assert!(root.query_selector("[data-testid=user-10] [data-testid=coach-1]").unwrap().is_some());
    assert!(text_of(&root, "[data-testid=user-11] [data-testid=call]").unwrap().contains("Emergency"), "the kind, as on the Calls tab");
    assert_cannot_coach(&root, "[data-testid=user-11]", 2, "Emergency calls cannot be coached.");
    assert_eq!(text_of(&root, "[data-testid=user-2] [data-testid=status]").as_deref(), Some(""), "a supervisor takes no calls: no status");
    assert!(root.query_selector("[data-testid=user-2] button").unwrap().is_none());

    let coaching = user(2, "Sam Rivera", Role::Supervisor, UserStatus::Coaching, &[SALES]);
    live.receive(ServerMsg::Delta { seq: 11, change: Change::UserUpdated { user: coaching } });
    let mut coached = call(1, SALES, Some(10), CallState::Ongoing, CallKind::Regular, Some((1, "Maria Garcia")));
    coached.coaching = Some(CoachingView { coach: UserId(2), coach_name: "Sam Rivera".into(), whisper: false, notified_agent: true, since: Millis(0), audio_window: 0 });
    live.receive(ServerMsg::Delta { seq: 12, change: Change::CallUpdated { call: coached } });
    settle().await;
    assert_eq!(text_of(&root, "[data-testid=user-2] [data-testid=status]").as_deref(), Some("Coaching"));
    assert_eq!(text_of(&root, "[data-testid=user-2] [data-testid=call]").as_deref(), Some("Coaching Alex Morgan with Maria Garcia"), "whom they coach");
}

#[wasm_bindgen_test]
async fn only_live_monitoring_plus_gets_the_kpi_strip() {
    let (plain, live, _a) = mount(Tab::Calls, MonitoringAccess::LiveMonitoring);
    live.receive(snapshot(10));
    let (plus, live_plus, _b) = mount(Tab::Calls, MonitoringAccess::LiveMonitoringPlus);
    live_plus.receive(snapshot(10));
    settle().await;

    assert!(plain.query_selector("[data-testid=kpi-in-progress]").unwrap().is_none());
    assert_eq!(text_of(&plus, "[data-testid=kpi-in-progress] .kpi-value").as_deref(), Some("3"));
    assert_eq!(text_of(&plus, "[data-testid=kpi-on-call] .kpi-value").as_deref(), Some("3"));
}

#[wasm_bindgen_test]
async fn a_call_whose_agent_asks_for_help_goes_first_counts_on_the_tab_and_is_read_out() {
    let (root, live, _mounted) = mount(Tab::Calls, MonitoringAccess::LiveMonitoring);
    live.receive(snapshot(10));
    settle().await;
    assert_eq!(root.query_selector("[data-testid=attention-count]").unwrap(), None);

    let asking = |id, agent, state, kind, since, reason: &str| {
        let mut c = call(id, SUPPORT, Some(agent), state, kind, None);
        c.hand = Some(RaisedHand { since: Millis(since), reason: reason.into(), answered: false });
        c
    };
    live.receive(ServerMsg::Delta { seq: 11, change: Change::CallUpdated { call: asking(3, 12, CallState::OnHold, CallKind::Regular, 1_000, "refund over my limit") } });
    live.receive(ServerMsg::Delta { seq: 12, change: Change::CallUpdated { call: asking(2, 11, CallState::Ongoing, CallKind::Emergency, 2_000, "") } });
    settle().await;

    let first = root.query_selector("[data-testid=calls] tbody tr[data-testid]").unwrap().unwrap();
    assert_eq!(first.get_attribute("data-testid").as_deref(), Some("call-3"), "the call that needs a coach is first");
    assert!(first.class_list().contains("asking"));
    assert_eq!(text_of(&root, &format!("{} [data-testid=flag-detail]", row(3))).as_deref(), Some("“refund over my limit”"));
    assert_eq!(root.query_selector(&format!("{} [data-testid=flag]", row(2))).unwrap(), None, "nobody may coach an emergency call");
    assert_eq!(text_of(&root, "[data-testid=attention-count]").as_deref(), Some("1 needs a coach"));
    assert_eq!(text_of(&root, "[data-testid=help-alert]").as_deref(), Some("Eli Cohen asks for help: “refund over my limit”"));

    click(&root, "[data-testid=coach-3]");
    settle().await;
    assert_eq!(text_of(&root, "[data-testid=dialog-hand]").as_deref(), Some("Eli Cohen asks for help: “refund over my limit”"), "the dialog says why");

    // A coach joined telling the agent: the hand is down.
    live.receive(ServerMsg::Delta { seq: 13, change: Change::CallUpdated { call: call(3, SUPPORT, Some(12), CallState::OnHold, CallKind::Regular, None) } });
    settle().await;
    assert_eq!(root.query_selector("[data-testid=attention-count]").unwrap(), None);
    assert!(!root.query_selector(&row(3)).unwrap().unwrap().class_list().contains("asking"));
}

#[wasm_bindgen_test]
async fn calls_with_signals_follow_raised_hands_and_say_which_signals() {
    let (root, live, _mounted) = mount(Tab::Calls, MonitoringAccess::LiveMonitoring);
    live.receive(snapshot(10));
    settle().await;
    let now = js_sys::Date::now() as u64;

    let mut signalled = call(1, SALES, Some(10), CallState::OnHold, CallKind::Regular, Some((1, "Maria Garcia")));
    signalled.signals = vec![
        CallSignal { kind: SignalKind::RaisedVoice, since: Millis(now - 5_000) },
        CallSignal { kind: SignalKind::LongHold, since: Millis(now - 130_000) },
    ];
    let mut asking = call(3, SUPPORT, Some(12), CallState::Ongoing, CallKind::Regular, None);
    asking.hand = Some(RaisedHand { since: Millis(now - 1_000), reason: String::new(), answered: false });
    live.receive(ServerMsg::Delta { seq: 11, change: Change::CallUpdated { call: signalled } });
    live.receive(ServerMsg::Delta { seq: 12, change: Change::CallUpdated { call: asking } });
    settle().await;

    let order: Vec<String> = (0..2)
        .map(|i| root.query_selector_all("[data-testid=calls] tbody tr[data-testid]").unwrap().item(i).unwrap().unchecked_into::<web_sys::Element>().get_attribute("data-testid").unwrap())
        .collect();
    assert_eq!(order, ["call-3", "call-1"], "the raised hand first, then the signals");
    let flag = text_of(&root, &format!("{} [data-testid=flag]", row(1))).unwrap();
    assert!(flag.starts_with("Raised voice · 0:0"), "the newest signal, and for how long: {flag}");
    assert_eq!(text_of(&root, &format!("{} [data-testid=flag-detail]", row(1))).as_deref(), Some("Long hold"));
    assert_eq!(text_of(&root, "[data-testid=attention-count]").as_deref(), Some("2 need a coach"));
    assert_eq!(text_of(&root, "[data-testid=signal-alert]").as_deref(), Some("Raised voice, Long hold on Alex Morgan’s call"));

    // Once a coach is on it, the call needs nobody.
    let mut coached = call(1, SALES, Some(10), CallState::OnHold, CallKind::Regular, Some((1, "Maria Garcia")));
    coached.signals = vec![CallSignal { kind: SignalKind::LongHold, since: Millis(now - 130_000) }];
    coached.coaching = Some(CoachingView { coach: UserId(3), coach_name: "Priya Shah".into(), whisper: false, notified_agent: true, since: Millis(now), audio_window: 0 });
    live.receive(ServerMsg::Delta { seq: 13, change: Change::CallUpdated { call: coached } });
    settle().await;
    assert_eq!(text_of(&root, "[data-testid=attention-count]").as_deref(), Some("1 needs a coach"));
    assert!(!root.query_selector(&row(1)).unwrap().unwrap().class_list().contains("flagged"));
}

#[wasm_bindgen_test]
async fn a_call_where_the_customer_said_a_listed_phrase_comes_before_signals_with_the_words_and_when() {
    let (root, live, _mounted) = mount(Tab::Calls, MonitoringAccess::LiveMonitoring);
    live.receive(snapshot(10));
    settle().await;
    let now = js_sys::Date::now() as u64;

    let mut signalled = call(1, SALES, Some(10), CallState::OnHold, CallKind::Regular, Some((1, "Maria Garcia")));
    signalled.signals = vec![CallSignal { kind: SignalKind::LongHold, since: Millis(now - 1_000) }];
    let mut said = call(3, SUPPORT, Some(12), CallState::Ongoing, CallKind::Regular, None);
    said.phrases = vec![
        SpottedPhrase { phrase: "complaint".into(), at: Millis(now - 60_000) },
        SpottedPhrase { phrase: "cancel my account".into(), at: Millis(now - 12_000) },
    ];
    live.receive(ServerMsg::Delta { seq: 11, change: Change::CallUpdated { call: signalled } });
    live.receive(ServerMsg::Delta { seq: 12, change: Change::CallUpdated { call: said } });
    settle().await;

    let first = root.query_selector("[data-testid=calls] tbody tr[data-testid]").unwrap().unwrap();
    assert_eq!(first.get_attribute("data-testid").as_deref(), Some("call-3"), "what a customer said comes before a newer signal");
    let flag = text_of(&root, &format!("{} [data-testid=flag]", row(3))).unwrap();
    assert!(flag.starts_with("Said · 0:1"), "how long ago the newest phrase was said: {flag}");
    assert_eq!(text_of(&root, &format!("{} [data-testid=flag-detail]", row(3))).as_deref(), Some("“cancel my account”, “complaint”"), "newest first");
    assert_eq!(text_of(&root, "[data-testid=attention-count]").as_deref(), Some("2 need a coach"));
    let read_out = text_of(&root, "[data-testid=signal-alert]").unwrap();
    assert!(read_out.contains("On Eli Cohen’s call: The customer said “cancel my account”, “complaint”"), "{read_out}");

    // A phrase on a call already flagged for a signal is read out too.
    let mut signalled_then_said = call(1, SALES, Some(10), CallState::OnHold, CallKind::Regular, Some((1, "Maria Garcia")));
    signalled_then_said.signals = vec![CallSignal { kind: SignalKind::LongHold, since: Millis(now - 1_000) }];
    signalled_then_said.phrases = vec![SpottedPhrase { phrase: "speak to a manager".into(), at: Millis(now) }];
    live.receive(ServerMsg::Delta { seq: 13, change: Change::CallUpdated { call: signalled_then_said } });
    settle().await;
    assert_eq!(text_of(&root, "[data-testid=signal-alert]").as_deref(), Some("On Alex Morgan’s call: The customer said “speak to a manager”"));

    click(&root, "[data-testid=coach-3]");
    settle().await;
    assert_eq!(text_of(&root, "[data-testid=dialog-hand]").as_deref(), Some("The customer said “cancel my account”, “complaint”"), "the dialog says why");
}
