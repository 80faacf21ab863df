//! Administration over HTTP: the setup link of a company with no admin,
//! people added with their one-time links, deactivation and access changes
//! live at once — sessions, sockets and coaching seats follow — and every
//! change in the company's log.

use earshot_domain::seed::{DEMO_PASSWORD, SUPPORT};
use earshot_protocol::{AuditQuery, Outcome, Request};
use earshot_server::Config;
use serde_json::{json, Value};

use crate::helpers::{spawn_app, spawn_app_with, spawn_company, TestApp, ALEX, SAM};

const ADA: &str = "ada@earshot.demo";
const STRONG: &str = "ledger-violet-harbour-9";

fn token(link: &str) -> String {
    link.split_once('#').expect("the token is in the fragment").1.to_owned()
}

async fn check(app: &TestApp, token: &str) -> (u16, Value) {
    app.post_json("/api/links/check", "", json!({ "token": token })).await
}

#[tokio::test]
async fn a_company_with_no_admin_makes_its_first_through_the_one_time_setup_link() {
    let app = spawn_company(Config::production()).await;
    let link = app.setup_link.clone().expect("an empty company prints a setup link");
    assert!(link.starts_with("/welcome#"), "{link}");
    let token = token(&link);
    assert_eq!(check(&app, &token).await, (200, json!({ "kind": "first_admin" })));
    assert_eq!(check(&app, &"0".repeat(64)).await.0, 410, "an unknown token");

    let redeem = |password: &str, email: &str| json!({ "token": token, "name": "Pat Boss", "email": email, "password": password });
    let (status, body) = app.post_json("/api/links/redeem", "", redeem(DEMO_PASSWORD, "pat@example.com")).await;
    assert_eq!((status, body["code"].as_str()), (422, Some("weak_password")), "the demo's password, never: {body}");
    let (status, body) = app.post_json("/api/links/redeem", "", redeem(STRONG, "not an email")).await;
    assert_eq!((status, body["code"].as_str()), (422, Some("invalid_form")), "{body}");
    assert_eq!(check(&app, &token).await.0, 200, "a refusal uses nothing up");

    let (status, me) = app.post_json("/api/links/redeem", "", redeem(STRONG, "Pat@Example.com")).await;
    assert_eq!((status, me["role"].as_str(), me["name"].as_str()), (200, Some("admin"), Some("Pat Boss")), "{me}");
    assert_eq!(app.post_json("/api/links/redeem", "", redeem(STRONG, "eve@example.com")).await.0, 410, "used once only");
    assert_eq!(app.sign_in("pat@example.com", STRONG).await.status(), 200);
    assert_eq!(app.sign_in("pat@example.com", DEMO_PASSWORD).await.status(), 401);
}

#[tokio::test]
async fn a_person_an_admin_adds_sets_their_password_through_their_link_and_is_live_at_once() {
    let app = spawn_app().await;
    let ada = app.session_cookie(ADA).await;
    let form = json!({ "name": "Lee Chan", "email": "lee@example.com", "role": "agent", "access": "none", "numbers": [SUPPORT] });
    let (status, added) = app.post_json("/api/admin/users", &ada, form.clone()).await;
    assert_eq!(status, 200, "{added}");
    let id = added["account"]["id"].as_u64().unwrap();
    assert_eq!((added["account"]["has_password"].as_bool(), added["account"]["active"].as_bool()), (Some(false), Some(true)));
    assert!(app.snapshot().await.users.iter().any(|u| u.name == "Lee Chan"), "on every dashboard without a restart");
    let (status, again) = app.post_json("/api/admin/users", &ada, form).await;
    assert_eq!((status, again["message"].as_str()), (422, Some("lee@example.com is Lee Chan's email already")));

    let token = token(added["link"]["path"].as_str().unwrap());
    assert_eq!(check(&app, &token).await, (200, json!({ "kind": "set_password", "name": "Lee Chan", "email": "lee@example.com" })));
    assert_eq!(app.sign_in("lee@example.com", STRONG).await.status(), 401, "no password yet");
    let (status, me) = app.post_json("/api/links/redeem", "", json!({ "token": token, "password": STRONG })).await;
    assert_eq!((status, me["id"].as_u64()), (200, Some(id)), "{me}");
    assert_eq!(app.sign_in("lee@example.com", STRONG).await.status(), 200);

    // A reset: a new link; the old one, used or not, no longer works.
    let (status, reset) = app.post_json(&format!("/api/admin/users/{id}/password-link"), &ada, json!(null)).await;
    assert_eq!(status, 200, "{reset}");
    assert_eq!(check(&app, &token).await.0, 410);
    assert_eq!(check(&app, &self::token(reset["path"].as_str().unwrap())).await.0, 200);

    let (_, log) = app.get_json("/api/admin/log", &ada).await;
    let actions: Vec<&str> = log["entries"].as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
    assert_eq!(actions, ["password_link_issued", "password_set", "person_added"], "newest first");
    let csv = app.client.get(app.url("/api/admin/log.csv")).header("cookie", &ada).send().await.unwrap().text().await.unwrap();
    assert!(csv.starts_with("time_utc,action,by,by_id,subject,before,after,from_address\r\n") && csv.contains(",Person added,Ada Lovelace,1,Lee Chan,,"), "{csv}");
}

#[tokio::test]
async fn behind_a_trusted_proxy_both_logs_name_the_client_each_act_came_from() {
    let app = spawn_app_with(|config| config.trusted_proxies = vec!["127.0.0.1/32".parse().unwrap()]).await;
    let call = app.answered_call(SUPPORT).await;
    let mut sam = app.live_client_for(&app.session_cookie(SAM).await, "203.0.113.9").await;
    assert_eq!(sam.request(Request::StartCoaching { call, notify_agent: false, offer: None }).await.0, Outcome::Ok);
    let ada = app.session_cookie(ADA).await;
    let deactivate = app.client.put(app.url("/api/admin/users/2/active")).header("cookie", &ada).header("origin", app.origin());
    let deactivated = deactivate.header("x-forwarded-for", "2001:db8::7").json(&json!({ "active": false })).send().await.unwrap();
    assert_eq!(deactivated.status(), 200);

    let (_, coaching) = app.get_json(&format!("/api/audit?{}", AuditQuery::default().to_query_string()), &ada).await;
    let coaching: Vec<(&str, &str)> = coaching["entries"].as_array().unwrap().iter().map(|e| (e["action"].as_str().unwrap(), e["from"].as_str().unwrap_or(""))).collect();
    assert_eq!(coaching, [("ended", ""), ("started", "203.0.113.9")], "Sam's start from his address; his seat's end was the server's, not his");
    let (_, log) = app.get_json("/api/admin/log", &ada).await;
    assert_eq!((log["entries"][0]["action"].as_str(), log["entries"][0]["from"].as_str()), (Some("person_deactivated"), Some("2001:db8::7")));
    let csv = app.client.get(app.url("/api/admin/log.csv")).header("cookie", &ada).send().await.unwrap().text().await.unwrap();
    assert!(csv.lines().nth(1).unwrap().ends_with(",2001:db8::7"), "{csv}");
    let csv = app.client.get(app.url("/api/audit.csv")).header("cookie", &ada).send().await.unwrap().text().await.unwrap();
    assert!(csv.lines().nth(2).unwrap().ends_with(",203.0.113.9"), "{csv}");

    // Sent directly, the header names nobody: the peer's own address is kept.
    let direct = spawn_app().await;
    let ada = direct.session_cookie(ADA).await;
    let deactivate = direct.client.put(direct.url("/api/admin/users/2/active")).header("cookie", &ada).header("origin", direct.origin());
    assert_eq!(deactivate.header("x-forwarded-for", "2001:db8::7").json(&json!({ "active": false })).send().await.unwrap().status(), 200);
    let (_, log) = direct.get_json("/api/admin/log", &ada).await;
    assert_eq!(log["entries"][0]["from"], "127.0.0.1");
}

#[tokio::test]
async fn a_deactivated_coach_loses_the_seat_the_socket_and_every_session() {
    let app = spawn_app().await;
    let call = app.answered_call(SUPPORT).await;
    let sam_cookie = app.session_cookie(SAM).await;
    let mut sam = app.live_client_with(&sam_cookie).await;
    let (started, _) = sam.request(Request::StartCoaching { call, notify_agent: false, offer: None }).await;
    assert_eq!(started, Outcome::Ok);

    let ada = app.session_cookie(ADA).await;
    let (status, account) = app.put_json("/api/admin/users/2/active", &ada, json!({ "active": false })).await;
    assert_eq!((status, account["active"].as_bool()), (200, Some(false)), "{account}");
    assert_eq!(sam.closed().await, (1008, "your account was deactivated".to_owned()));
    assert_eq!(app.get_json("/api/session", &sam_cookie).await.1, Value::Null, "the session is gone");
    assert_eq!(app.sign_in(SAM, DEMO_PASSWORD).await.status(), 401, "and no new one");
    assert!(!app.snapshot().await.users.iter().any(|u| u.id.0 == 2), "off the dashboards");

    let directory = app.live.directory().await.unwrap(); // the names stay for the records
    assert_eq!(directory.user(earshot_protocol::UserId(2)).map(|u| u.active), Some(false));
    let (_, coaching) = app.get_json(&format!("/api/audit?{}", AuditQuery::default().to_query_string()), &ada).await;
    assert_eq!(coaching["entries"][0]["detail"], "the coach's account was deactivated", "{coaching}");
    let (_, log) = app.get_json("/api/admin/log", &ada).await;
    assert_eq!(log["entries"][0]["action"], "person_deactivated");

    let (status, refused) = app.put_json("/api/admin/users/1/active", &ada, json!({ "active": false })).await;
    assert_eq!((status, refused["message"].as_str()), (422, Some("you cannot deactivate yourself: ask another admin")));
    assert_eq!(app.put_json("/api/admin/users/2/active", &ada, json!({ "active": true })).await.0, 200);
    assert_eq!(app.sign_in(SAM, DEMO_PASSWORD).await.status(), 200, "back, with the password they had");
}

#[tokio::test]
async fn live_monitoring_removed_ends_the_coaching_and_sends_the_dashboard_to_ask_again() {
    let app = spawn_app().await;
    let call = app.answered_call(SUPPORT).await;
    let mut sam = app.live_client(SAM).await;
    assert_eq!(sam.request(Request::StartCoaching { call, notify_agent: false, offer: None }).await.0, Outcome::Ok);
    let ada = app.session_cookie(ADA).await;
    let (status, account) = app.put_json("/api/admin/users/2", &ada, json!({ "name": "Sam Rivera", "email": SAM, "role": "supervisor", "access": "none", "numbers": [] })).await;
    assert_eq!((status, account["access"].as_str()), (200, Some("none")), "{account}");
    assert_eq!(sam.closed().await, (earshot_protocol::CLOSE_ACCOUNT_CHANGED, "your account changed: reloading".to_owned()));
    let mut again = app.live_client(SAM).await;
    let (outcome, _) = again.request(Request::Subscribe).await;
    assert!(matches!(outcome, Outcome::Refused { ref error } if error.code == earshot_protocol::ErrorCode::NoMonitoringAccess), "{outcome:?}");
    let (_, coaching) = app.get_json("/api/audit", &ada).await;
    assert_eq!(coaching["entries"][0]["detail"], "the coach's Live Monitoring access was removed");
}

#[tokio::test]
async fn an_agent_deactivated_on_a_call_keeps_it_until_it_ends() {
    let app = spawn_app().await;
    app.answered_call(SUPPORT).await; // Alex's
    let alex_cookie = app.session_cookie(ALEX).await;
    let mut alex = app.live_client_with(&alex_cookie).await;
    assert_eq!(alex.request(Request::WatchMyCall).await.0, Outcome::Ok);
    let ada = app.session_cookie(ADA).await;
    assert_eq!(app.put_json("/api/admin/users/10/active", &ada, json!({ "active": false })).await.0, 200);
    assert!(alex.recv_within(std::time::Duration::from_millis(300)).await.is_none_or(|m| !matches!(m, earshot_protocol::ServerMsg::Error { .. })), "the softphone stays");
    assert_eq!(alex.request(Request::Hold { on: true }).await.0, Outcome::Ok, "the call goes on");
    alex.send(Request::HangUp).await; // its reply may come after the close
    assert_eq!(alex.closed().await, (1008, "your account was deactivated".to_owned()), "then they are out");
}

#[tokio::test]
async fn admin_endpoints_refuse_everyone_else_and_foreign_pages() {
    let app = spawn_app().await;
    let form = json!({ "name": "Eve", "email": "eve@example.com", "role": "admin", "access": "live_monitoring_plus", "numbers": [] });
    let sam = app.session_cookie(SAM).await;
    assert_eq!(app.post_json("/api/admin/users", &sam, form.clone()).await.0, 403, "a supervisor");
    let ada = app.session_cookie(ADA).await;
    let foreign = app.client.post(app.url("/api/admin/users")).header("cookie", &ada).header("origin", "https://evil.example").json(&form).send().await.unwrap();
    assert_eq!(foreign.status(), 403, "an admin's cookie, from another site's page");
    assert!(!app.snapshot().await.users.iter().any(|u| u.name == "Eve"), "nobody was added");
}

#[tokio::test]
async fn a_number_added_is_public_and_live_at_once_and_removed_is_gone() {
    let app = spawn_app().await;
    let ada = app.session_cookie(ADA).await;
    let form = json!({ "name": "Refunds", "e164": "+44 20 7946 0958", "people": [10, 2] });
    let (status, number) = app.post_json("/api/admin/numbers", &ada, form.clone()).await;
    assert_eq!((status, number["e164"].as_str()), (200, Some("+442079460958")), "{number}");
    let id = number["id"].as_u64().unwrap();
    let (_, public) = app.get_json("/api/numbers", "").await;
    assert!(public.as_array().unwrap().iter().any(|n| n["name"] == "Refunds"), "the caller view offers it: {public}");
    let alex = app.snapshot().await.users.into_iter().find(|u| u.id.0 == 10).unwrap();
    assert!(alex.numbers.iter().any(|n| u64::from(n.0) == id), "Alex takes its calls now");
    let (status, twin) = app.post_json("/api/admin/numbers", &ada, form).await;
    assert_eq!((status, twin["message"].as_str()), (422, Some("+442079460958 is Refunds already")));

    let removed = app.client.delete(app.url(&format!("/api/admin/numbers/{id}"))).header("cookie", &ada).header("origin", app.origin()).send().await.unwrap();
    assert_eq!(removed.status(), 204);
    let (_, public) = app.get_json("/api/numbers", "").await;
    assert!(!public.as_array().unwrap().iter().any(|n| n["name"] == "Refunds"));
    let (_, log) = app.get_json("/api/admin/log", &ada).await;
    assert_eq!(log["entries"][0]["action"], "number_removed");
    assert_eq!(log["entries"][1]["after"], "Refunds +442079460958, taken by Sam Rivera, Alex Morgan");
}

/// `rows` contacts with London numbers, and three bad lines: a missing
/// name (line 101), a phone that is not one (line 5001) and a phone line 2
/// has already (line 9001).
pub fn contacts_csv(rows: usize) -> String {
    let mut csv = String::from("name,phone,company,notes\r\n");
    for i in 0..rows {
        let line = i + 2;
        let (name, phone) = match line {
            101 => (String::new(), format!("+44 20 3{i:07}")),
            5001 => (format!("Person {i}"), "12".to_owned()),
            9001 => (format!("Person {i}"), "+44 20 3000 0000".to_owned()),
            _ => (format!("Person {i}"), format!("+44 20 3{i:07}")),
        };
        csv.push_str(&format!("{name},{phone},Company {},\r\n", i % 50));
    }
    csv
}

#[tokio::test]
async fn a_csv_of_ten_thousand_contacts_is_previewed_then_imported_whole_but_its_bad_lines() {
    let app = spawn_app().await;
    let ada = app.session_cookie(ADA).await;
    let csv = contacts_csv(10_000);
    let (status, preview) = app.post_json("/api/admin/contacts/import/preview", &ada, json!({ "csv": csv, "region": "GB" })).await;
    assert_eq!(status, 200, "{preview}");
    assert_eq!(preview["valid"], 9_997);
    let lines: Vec<u64> = preview["problems"].as_array().unwrap().iter().map(|p| p["line"].as_u64().unwrap()).collect();
    assert_eq!(lines, [101, 5001, 9001], "{}", preview["problems"]);
    assert_eq!(preview["problems"][2]["why"], "+442030000000 is on line 2 already");
    let (_, before) = app.get_json("/api/admin/contacts?q=person", &ada).await;
    assert_eq!(before["total"], 0, "a preview keeps nothing");

    let (status, refused) = app.post_json("/api/admin/contacts/import", &ada, json!({ "csv": csv, "region": "GB" })).await;
    assert_eq!((status, refused["message"].as_str()), (422, Some("3 lines cannot be imported: preview the file, then import the others")));
    assert_eq!(app.get_json("/api/admin/contacts?q=person", &ada).await.1["total"], 0, "nothing half-imported");

    let (status, imported) = app.post_json("/api/admin/contacts/import", &ada, json!({ "csv": csv, "region": "GB", "skip_invalid": true })).await;
    assert_eq!((status, imported), (200, json!({ "added": 9_997, "skipped": 3 })));
    let (_, found) = app.get_json("/api/admin/contacts?q=person%209998", &ada).await;
    assert_eq!((found["total"].as_u64(), found["contacts"][0]["phones"][0].as_str()), (Some(1), Some("+442030009998")));
    let export = app.client.get(app.url("/api/admin/contacts.csv")).header("cookie", &ada).send().await.unwrap().text().await.unwrap();
    let demo = earshot_domain::seed::demo_directory().contacts().count();
    assert_eq!(export.lines().count(), 1 + demo + 9_997, "the header, the demo's contacts and the imported");
}

#[tokio::test]
async fn a_contact_is_added_with_its_phone_in_e164_found_by_search_and_deleted() {
    let app = spawn_app().await;
    let ada = app.session_cookie(ADA).await;
    let form = json!({ "name": "Lee Chan", "phones": ["020 7946 0958"], "company": "Chan Ltd", "notes": "", "region": "GB" });
    let (status, lee) = app.post_json("/api/admin/contacts", &ada, form.clone()).await;
    assert_eq!((status, lee["phones"][0].as_str()), (200, Some("+442079460958")), "{lee}");
    let (status, twin) = app.post_json("/api/admin/contacts", &ada, json!({ "name": "Twin", "phones": ["+44 20 7946 0958"] })).await;
    assert_eq!((status, twin["message"].as_str()), (422, Some("+442079460958 is Lee Chan's already")));
    assert_eq!(app.get_json("/api/admin/contacts?q=chan%20ltd", &ada).await.1["total"], 1, "by company");
    assert_eq!(app.get_json("/api/admin/contacts?q=79460958", &ada).await.1["total"], 1, "by phone digits");
    let id = lee["id"].as_u64().unwrap();
    let deleted = app.client.delete(app.url(&format!("/api/admin/contacts/{id}"))).header("cookie", &ada).header("origin", app.origin()).send().await.unwrap();
    assert_eq!(deleted.status(), 204);
    assert_eq!(app.get_json("/api/admin/contacts?q=lee", &ada).await.1["total"], 0);
    let (_, log) = app.get_json("/api/admin/log", &ada).await;
    assert_eq!(log["entries"][0]["action"], "contact_removed");
}
