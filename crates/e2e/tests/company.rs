//! A company of its own, set up in real headless Chromium against a server
//! started without `--demo`: the setup link makes the first admin, who adds
//! a supervisor, two agents and a number they take; each sets a password
//! through their own link; a caller's call reaches an available agent and
//! the supervisor coaches it. The demo password never works.

use earshot_domain::seed::DEMO_PASSWORD;
use earshot_e2e::{fake_microphone, spawn_company, Browser, Chromedriver};
use earshot_sfu::LegRole;
use earshot_server::Config;
use serde_json::json;

const PASSWORD: &str = "ledger-violet-harbour-9";

/// Sets the password on a welcome page, twice.
async fn set_password(browser: &Browser, password: &str) {
    browser.replace_text("#welcome-password", password).await;
    browser.replace_text("#welcome-password-again", password).await;
    browser.click("[data-testid=welcome-submit]").await;
}

/// Adds a person from the People page; returns the link to pass on.
async fn add(admin: &Browser, name: &str, email: &str, role: usize, access: usize) -> String {
    admin.click("[data-testid=add-person]").await;
    admin.type_into("#person-name", name).await;
    admin.type_into("#person-email", email).await;
    admin.click(&format!("#person-role option[value='{role}']")).await;
    if access > 0 {
        admin.click(&format!("#person-access option[value='{access}']")).await;
    }
    admin.click("[data-testid=save-person]").await;
    admin.wait_for_text_containing("[data-testid=person-link]", name).await;
    let url = admin.execute("return document.querySelector('[data-testid=person-link-url]').value;", json!([])).await;
    url.as_str().expect("the link's address").to_owned()
}

#[tokio::test]
async fn e2e_a_new_company_is_set_up_from_its_link_and_its_people_from_theirs() {
    let app = spawn_company(Config::production()).await;
    let setup = app.setup_link.clone().expect("a company with no admin prints its setup link");
    let driver = Chromedriver::start().await;

    let pat = driver.browser(&[]).await;
    pat.goto(&app.url(&setup)).await;
    pat.wait_for_text_containing("[data-testid=welcome] h1", "Set up Earshot").await;
    pat.type_into("#welcome-name", "Pat Boss").await;
    pat.type_into("#welcome-email", "pat@example.com").await;
    set_password(&pat, DEMO_PASSWORD).await;
    let why = pat.wait_for_text_containing("[data-testid=welcome-error]", "demo").await;
    assert!(why.contains("the demo's published password"), "{why}");
    set_password(&pat, PASSWORD).await;
    assert_eq!(pat.wait_for_text_containing("[data-testid=signed-in-as]", "Pat").await, "Pat Boss");
    assert_eq!(pat.path().await, "/", "the used link is gone from the address bar");

    pat.click("header.top a[href='/people']").await;
    let sam_link = add(&pat, "Sam Ops", "sam@example.com", 1, 1).await;
    let alex_link = add(&pat, "Alex Agent", "alex@example.com", 0, 0).await;
    assert!(sam_link.starts_with(&app.url("/welcome#")) && sam_link != alex_link, "{sam_link}");
    pat.wait_for_text_containing("[data-testid=people] table.people", "Waiting for their password").await;

    let blair_link = add(&pat, "Blair Agent", "blair@example.com", 0, 0).await;
    let mut agents = Vec::new();
    for (link, name, tone) in [(alex_link, "Alex Agent", 700), (blair_link, "Blair Agent", 900)] {
        let agent = driver.browser(&[&fake_microphone(tone)]).await;
        agent.goto(&link).await;
        agent.wait_for_text_containing("[data-testid=welcome] h1", &format!("Welcome, {name}")).await;
        set_password(&agent, DEMO_PASSWORD).await;
        let why = agent.wait_for_text_containing("[data-testid=welcome-error]", "demo").await;
        assert!(why.contains("the demo's published password"), "{name}: {why}");
        set_password(&agent, PASSWORD).await;
        agent.wait_for_text_containing("[data-testid=presence-status]", "Not ready").await;
        agent.go_available().await;
        agents.push(agent);
    }

    let sam = driver.browser(&[&fake_microphone(1500)]).await;
    sam.goto(&sam_link).await;
    sam.wait_for_text_containing("[data-testid=welcome] h1", "Welcome, Sam Ops").await;
    set_password(&sam, PASSWORD).await;
    sam.wait_for_text_containing("[data-testid=signed-in-as]", "Sam Ops").await;
    sam.click("a[href='/users']").await;
    let users = sam.wait_for_text_containing("[data-testid=users]", "Blair Agent").await;
    assert!(users.contains("Alex Agent"), "{users}");

    pat.click("header.top a[href='/numbers']").await;
    pat.wait_for_text("[data-testid=no-numbers]").await;
    pat.click("[data-testid=add-number]").await;
    pat.type_into("#number-name", "Support").await;
    pat.type_into("#number-e164", "+44 20 7946 0958").await;
    for person in ["Alex Agent", "Blair Agent", "Sam Ops"] {
        let id = pat.execute("return [...document.querySelectorAll('[data-testid=number-dialog] label.check')].find(l => l.textContent.includes(arguments[0])).htmlFor;", json!([person])).await;
        pat.click(&format!("#{}", id.as_str().expect("a box for each person"))).await;
    }
    pat.click("[data-testid=save-number]").await;
    let row = pat.wait_for_text_containing("[data-testid=number]", "+442079460958").await;
    assert!(["Alex Agent", "Blair Agent", "Sam Ops"].iter().all(|p| row.contains(p)), "its distribution: {row}");
    // The phone line under the numbers: off on this server, its rules kept for when it is on.
    let status = pat.wait_for_text("[data-testid=phone-line-status]").await;
    assert!(status.contains("The phone line is off"), "{status}");
    pat.replace_text("#phone-trunks", "192.0.2.0/24\nnot an address").await;
    pat.click("[data-testid=save-phone-line]").await;
    pat.wait_for_text_containing("[data-testid=phone-line-said]", "“not an address” is not an address or a network").await;
    pat.replace_text("#phone-trunks", "192.0.2.0/24\n192.0.2.7").await;
    pat.click("[data-testid=save-phone-line]").await;
    pat.wait_for_text_containing("[data-testid=phone-line-said]", "saved").await;
    let kept = pat.execute("return document.querySelector('#phone-trunks').value;", json!([])).await;
    assert_eq!(kept, json!("192.0.2.0/24\n192.0.2.7/32"), "kept as networks");

    let caller = driver.browser(&[&fake_microphone(440)]).await;
    caller.goto(&app.url("/caller")).await;
    caller.wait_for_text_containing("[data-testid=dial-number]", "Support").await;
    caller.click("[data-testid=dial]").await;
    caller.wait_for_text_containing("[data-testid=caller-status]", "Talking to an agent").await;
    let answering = earshot_e2e::wait_until(std::time::Duration::from_secs(20), "an available agent offered the call", || async {
        for (i, agent) in agents.iter().enumerate() {
            if agent.exists("[data-testid=agent-call]").await {
                return Some(i);
            }
        }
        None
    })
    .await;
    assert!(!agents[1 - answering].exists("[data-testid=agent-call]").await, "one call, one agent");
    app.wait_forwarding(LegRole::Agent, LegRole::Customer).await;
    sam.click("a[href='/']").await;
    sam.click("[data-testid=calls] button.coach").await;
    sam.start_listening("[data-testid=coach-dialog] [data-testid=join]").await;
    app.wait_forwarding(LegRole::Coach, LegRole::Customer).await;

    let again = driver.browser(&[]).await;
    again.goto(&sam_link).await;
    again.wait_for_text_containing("[data-testid=welcome-error]", "used, expired or unknown").await;
    again.goto(&app.url("/")).await;
    again.type_into("#email", "pat@example.com").await;
    again.type_into("#password", DEMO_PASSWORD).await;
    again.click("[data-testid=sign-in] button[type=submit]").await;
    again.wait_for_text_containing("[data-testid=sign-in-error]", "Wrong").await;

    pat.goto(&app.url("/people")).await;
    let log = pat.wait_for_text_containing("[data-testid=company-log]", "Password set").await;
    assert!(log.contains("Person added") && log.contains("Sam Ops <sam@example.com>, supervisor, Live Monitoring"), "{log}");
    // Narrowed to what Sam did: his own password, nothing of Pat's.
    let sam_id = pat.execute("return [...document.querySelectorAll('[data-testid=company-log-by] option')].find(o => o.textContent == 'Sam Ops').value;", json!([])).await;
    pat.execute("const s = document.querySelector('[data-testid=company-log-by]'); s.value = arguments[0]; s.dispatchEvent(new Event('change'));", json!([sam_id])).await;
    let rows = "return [...document.querySelectorAll('[data-testid=company-change]')].map(r => r.textContent);";
    let only_sams = earshot_e2e::wait_until(std::time::Duration::from_secs(10), "the log narrowed to Sam", || async {
        let rows = pat.execute(rows, json!([])).await;
        let rows: Vec<String> = serde_json::from_value(rows).unwrap_or_default();
        (rows.len() == 1).then_some(rows)
    })
    .await;
    assert!(only_sams[0].contains("Password set") && only_sams[0].contains("Sam Ops"), "{only_sams:?}");
    assert!(only_sams[0].ends_with("127.0.0.1"), "where he set it from: {only_sams:?}");
    for browser in agents.into_iter().chain([pat, sam, again, caller]) {
        browser.quit().await;
    }
}
