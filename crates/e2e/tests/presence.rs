//! Presence and deactivation as people see them, in real headless
//! Chromium: an agent comes in Not ready and is offered no caller until
//! Available; one whose network drops is Offline after the grace and their
//! caller is offered again; a supervisor deactivated while coaching loses
//! the seat and is signed out, and both logs say so.

use std::time::Duration;

use earshot_domain::seed::SALES;
use earshot_domain::{NewCall, Origin};
use earshot_e2e::{fake_microphone, spawn_app, wait_until, Chromedriver};
use earshot_protocol::{CallKind, Direction, UserId};

const ALEX: UserId = UserId(10);
const BEA: UserId = UserId(11);

#[tokio::test]
async fn e2e_a_not_ready_agent_gets_no_caller_and_a_lost_one_hands_theirs_back() {
    let app = spawn_app(|config| config.grace = Duration::from_secs(2)).await;
    let driver = Chromedriver::start().await;
    let alex = driver.browser(&[&fake_microphone(700)]).await;
    alex.sign_in(&app, "alex@earshot.demo").await;
    assert!(alex.wait_for_text_containing("[data-testid=presence-status]", "Not ready").await.contains("no calls come to you"));
    let sam = driver.browser(&[]).await;
    sam.sign_in(&app, "sam@earshot.demo").await;
    sam.click("a[href='/users']").await;
    sam.wait_for_text_containing("[data-testid=user-10] [data-testid=status]", "Not ready").await;

    let dialled = NewCall { origin: Origin::Caller, number: SALES, customer_phone: "+447700900100".into(), direction: Direction::Inbound, kind: CallKind::Regular };
    let call = app.live.dial(dialled).await.unwrap().unwrap();
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(!alex.exists("[data-testid=agent-call]").await, "a Not ready agent is offered no call");
    alex.click("[data-testid=go-available]").await;
    alex.wait_for_text_containing("[data-testid=agent-call]", "Maria Garcia").await;
    sam.wait_for_text_containing("[data-testid=user-10] [data-testid=status]", "On a call").await;

    alex.quit().await; // the network drops for good
    sam.wait_for_text_containing("[data-testid=user-10] [data-testid=status]", "Offline").await;
    assert_eq!(app.live.my_call(ALEX).await.unwrap(), None, "his caller is not his any more");
    app.present(BEA).await;
    let offered = wait_until(Duration::from_secs(5), "the caller offered to Bea", || async { app.live.my_call(BEA).await.unwrap().filter(|c| c.id == call) }).await;
    assert_eq!(offered.agent, Some(BEA));
    sam.quit().await;
}

#[tokio::test]
async fn e2e_a_supervisor_deactivated_while_coaching_loses_the_seat_and_is_signed_out() {
    let app = spawn_app(|_| {}).await;
    let driver = Chromedriver::start().await;
    let sam = app.coach_dialog_on_simulated_call(&driver).await;
    sam.start_listening("[data-testid=coach-dialog] [data-testid=join]").await;

    let ada = driver.browser(&[]).await;
    ada.sign_in(&app, "ada@earshot.demo").await;
    ada.click("header.top a[href='/people']").await;
    ada.click("button[aria-label='Deactivate Sam Rivera']").await;
    ada.wait_for_text_containing("[data-testid=people-said]", "Sam Rivera is deactivated").await;

    sam.wait_for_text("[data-testid=sign-in]").await; // his socket closed: back to signing in
    let coached = app.live.call_detail(UserId(1), app.live.my_call(ALEX).await.unwrap().unwrap().id).await.unwrap().unwrap().unwrap();
    assert!(coached.call.coaching.is_none(), "the seat is gone");
    ada.goto(&app.url("/audit")).await;
    ada.wait_for_text_containing("[data-testid=audit-entries]", "the coach's account was deactivated").await;
    ada.goto(&app.url("/people")).await;
    ada.wait_for_text_containing("[data-testid=company-log]", "Person deactivated").await;
    for browser in [sam, ada] {
        browser.quit().await;
    }
}
