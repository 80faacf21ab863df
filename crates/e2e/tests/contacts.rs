//! The address book's CSV import in real headless Chromium: a file of
//! 10,000 contacts with 3 bad lines is chosen, the preview names the 3 and
//! nothing is imported until the admin confirms; then 9,997 are, at once.

use earshot_e2e::{spawn_app, Chromedriver};
use serde_json::json;

#[tokio::test]
async fn e2e_ten_thousand_contacts_are_previewed_then_imported_but_three_bad_lines() {
    let app = spawn_app(|_| {}).await;
    let mut csv = String::from("name,phone,company,notes\r\n");
    for i in 0..10_000 {
        let name = if matches!(i + 2, 101 | 5001 | 9001) { String::new() } else { format!("Person {i}") };
        csv.push_str(&format!("{name},020 3{i:07},,\r\n"));
    }
    let file = std::env::temp_dir().join(format!("earshot-contacts-{}.csv", std::process::id()));
    std::fs::write(&file, csv).unwrap();

    let driver = Chromedriver::start().await;
    let ada = driver.browser(&[]).await;
    ada.sign_in(&app, "ada@earshot.demo").await;
    ada.click("header.top a[href='/contacts']").await;
    assert_eq!(ada.wait_for_text_containing("[data-testid=contact-count]", "contacts").await, "15 contacts.");
    ada.click("[data-testid=contact-import] summary").await;
    ada.type_into("[data-testid=import-file]", file.to_str().unwrap()).await;
    let summary = ada.wait_for_text_containing("[data-testid=import-summary]", "lines will become contacts").await;
    assert_eq!(summary, "9997 lines will become contacts; 3 cannot be imported and will be left out.");
    let lines = ada.execute("return [...document.querySelectorAll('[data-testid=import-problem] td:first-child')].map(td => td.textContent);", json!([])).await;
    assert_eq!(lines, json!(["101", "5001", "9001"]));
    assert_eq!(ada.wait_for_text("[data-testid=contact-count]").await, "15 contacts.", "nothing is imported before the confirmation");

    ada.click("[data-testid=import-confirm]").await;
    ada.wait_for_text_containing("[data-testid=contacts-said]", "9997 contacts imported; 3 lines left out.").await;
    ada.wait_for_text_containing("[data-testid=contact-count]", "10012 contacts").await;
    ada.type_into("#contact-search", "Person 4242").await;
    assert_eq!(ada.wait_for_text_containing("[data-testid=contact-count]", "1 contact").await, "1 contact.");
    assert!(ada.wait_for_text("[data-testid=contact-row]").await.contains("+442030004242"));
    ada.quit().await;
    let _ = std::fs::remove_file(file);
}
