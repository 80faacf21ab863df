//! Links and Back/Forward between the signed-in app's pages.

use earshot::routes::{Address, Link, Page};
use earshot_protocol::CallId;
use leptos::prelude::*;
use wasm_bindgen_test::*;

use crate::{click, container, settle, sleep, text_of};

fn path() -> String {
    web_sys::window().unwrap().location().pathname().unwrap()
}

#[wasm_bindgen_test]
async fn a_link_shows_its_page_without_a_load_and_back_returns() {
    let (start, entries) = (path(), web_sys::window().unwrap().history().unwrap().length().unwrap());
    let root = container();
    let _mounted = leptos::mount::mount_to(root.clone(), || {
        let address = Address::provide();
        view! {
            <nav><Link href="/calls/7">"Call 7"</Link><Link href="/users">"Users"</Link></nav>
            <p id="page">{move || format!("{:?}", address.page())}</p>
        }
    });
    settle().await;
    assert_eq!(root.query_selector("a[aria-current]").unwrap(), None, "neither link is the page shown");

    click(&root, "a[href='/calls/7']");
    settle().await;
    assert_eq!(path(), "/calls/7");
    assert_eq!(text_of(&root, "#page"), Some(format!("{:?}", Page::Call(CallId(7)))));
    assert_eq!(text_of(&root, "a[aria-current=page]").as_deref(), Some("Call 7"));
    let history = web_sys::window().unwrap().history().unwrap();
    assert_eq!(history.length().unwrap(), entries + 1, "one history entry, no page load");

    history.back().unwrap();
    for _ in 0..50 {
        if path() == start {
            break;
        }
        sleep(10).await;
    }
    settle().await;
    assert_eq!(path(), start);
    assert_eq!(text_of(&root, "#page"), Some(format!("{:?}", Page::of(&start))), "Back shows the page before");
    assert_eq!(root.query_selector("a[aria-current]").unwrap(), None);
}
