//! The coaching audit log in real headless Chromium against the real
//! server: an admin reads who coached, filters it, follows a call to its
//! conversation and downloads the CSV; an admin without Live Monitoring
//! reads it too.

use earshot_domain::seed::SALES;
use earshot_domain::Command;
use earshot_e2e::spawn_app;
use earshot_protocol::{CallKind, UserId};
use earshot_server::live::Actor;
use serde_json::json;

const SAM: UserId = UserId(2);
const PRIYA: UserId = UserId(3);

#[tokio::test]
async fn e2e_admin_reads_filters_and_downloads_the_audit_log() {
    let app = spawn_app(|_| {}).await;
    let call = app.simulated_call().await;
    let other = app.simulated_call_with(SALES, "+447700900101", CallKind::Regular, UserId(11)).await;
    for (who, command) in [
        (SAM, Command::StartCoaching { call, notify_agent: false }),
        (SAM, Command::SetWhisper { on: true }),
        (PRIYA, Command::StartCoaching { call, notify_agent: true }),
        (SAM, Command::LeaveCoaching),
        (PRIYA, Command::StartCoaching { call: other, notify_agent: true }),
    ] {
        // Each from an address of their own, as a proxy would forward it.
        let from = if who == SAM { [198, 51, 100, 7].into() } else { "2001:db8::5".parse().unwrap() };
        let _ = app.live.command(Actor { user: who, from }, command).await.expect("core running"); // Priya's first is refused
    }

    let driver = earshot_e2e::Chromedriver::start().await;
    let ada = driver.browser(&[]).await;
    ada.sign_in(&app, "ada@earshot.demo").await;
    ada.click("nav a[href='/audit']").await;
    let count = ada.wait_for_text("[data-testid=audit-count]").await;
    assert_eq!(count, "5 entries.");
    let rows = ada.execute(
        "return [...document.querySelectorAll('[data-testid=audit-entries] tbody tr')].map(tr => [...tr.cells].slice(1, 5).map(td => td.textContent));",
        json!([]),
    ).await;
    assert_eq!(
        rows,
        json!([
            ["Started coaching", "Priya Shah", "Bea Santos", "Yes"],
            ["Left", "Sam Rivera", "Alex Morgan", ""],
            ["Refused", "Priya Shah", "Alex Morgan", ""],
            ["Whisper on", "Sam Rivera", "Alex Morgan", ""],
            ["Started coaching", "Sam Rivera", "Alex Morgan", "No: silent"],
        ]),
        "newest first, the agent told or not"
    );
    let from = ada.execute("return [...document.querySelectorAll('[data-testid=audit-entries] tbody tr')].map(tr => tr.cells[8].textContent);", json!([])).await;
    assert_eq!(from, json!(["2001:db8::5", "198.51.100.7", "2001:db8::5", "198.51.100.7", "198.51.100.7"]), "where each act came from");

    // Narrowed to Priya; the CSV holds what the page shows.
    ada.click("[data-testid=audit-coach] option[value='3']").await;
    ada.wait_for_text_containing("[data-testid=audit-count]", "2 entries.").await;
    let href = ada.execute("return document.querySelector('[data-testid=audit-csv]').href;", json!([])).await;
    assert!(href.as_str().unwrap().ends_with("/api/audit.csv?coach=3"), "{href}");
    let csv = ada.execute_async("fetch(arguments[0]).then(r => r.text()).then(arguments[1]);", json!([href])).await;
    let csv: Vec<&str> = csv.as_str().unwrap().lines().collect();
    assert_eq!(csv.len(), 3, "{csv:?}");
    assert!(csv[2].contains(",Refused,Priya Shah,3,Alex Morgan,10,"), "{csv:?}");
    assert!(csv[2].ends_with(",Sam Rivera is already coaching this call,2001:db8::5"), "{csv:?}");
    ada.click("[data-testid=audit-agent] option[value='12']").await;
    ada.wait_for_text("[data-testid=audit-empty]").await;

    // From the log to the call's conversation: the coaching is in its timeline.
    ada.click("[data-testid=audit-agent] option[value='']").await;
    ada.click("[data-testid=audit-coach] option[value='2']").await;
    ada.wait_for_text_containing("[data-testid=audit-count]", "3 entries.").await;
    ada.click(&format!("[data-testid=audit-entries] a[href='/calls/{}']", call.0)).await;
    let timeline = ada.wait_for_text_containing("[data-testid=timeline]", "Sam Rivera stopped coaching").await;
    assert!(timeline.contains("Sam Rivera started coaching") && timeline.contains("Sam Rivera started whispering to the agent"), "{timeline}");

    // An admin without Live Monitoring reads the log, with no link to calls she may not open.
    let grace = driver.browser(&[]).await;
    grace.sign_in(&app, "grace@earshot.demo").await;
    grace.click("[data-testid=no-access] a[href='/audit']").await;
    assert_eq!(grace.wait_for_text("[data-testid=audit-count]").await, "5 entries.");
    assert!(!grace.exists("[data-testid=audit-entries] a").await);
    // A supervisor is told the log is not for them.
    let sam = driver.browser(&[]).await;
    sam.sign_in(&app, "sam@earshot.demo").await;
    assert!(!sam.exists("nav a[href='/audit']").await, "no link to it");
    sam.goto(&app.url("/audit")).await;
    sam.wait_for_text("[data-testid=audit-refused]").await;
    // Nor are the company's attention settings.
    assert!(!sam.exists("nav a[href='/settings']").await, "no link to them");
    sam.goto(&app.url("/settings")).await;
    sam.wait_for_text_containing("[data-testid=settings-refused]", "for admins").await;
    for browser in [ada, grace, sam] {
        browser.quit().await;
    }
}
