//! The app in headless Chromium (`cargo xtask test`).

mod audio;
mod audit;
mod big_centre;
mod dashboard;
mod gate;
mod routes;

use wasm_bindgen::JsCast;
use wasm_bindgen_test::wasm_bindgen_test_configure;

wasm_bindgen_test_configure!(run_in_browser);

/// A fresh element in the page's body to mount into.
pub fn container() -> web_sys::HtmlElement {
    let document = web_sys::window().unwrap().document().unwrap();
    let div: web_sys::HtmlElement = document.create_element("div").unwrap().unchecked_into();
    document.body().unwrap().append_child(&div).unwrap();
    div
}

pub fn text_of(root: &web_sys::HtmlElement, css: &str) -> Option<String> {
    root.query_selector(css).unwrap().and_then(|el| el.text_content())
}

pub fn count(root: &web_sys::HtmlElement, css: &str) -> u32 {
    root.query_selector_all(css).unwrap().length()
}

pub fn click(root: &web_sys::HtmlElement, css: &str) {
    let element: web_sys::HtmlElement =
        root.query_selector(css).unwrap().unwrap_or_else(|| panic!("no {css}")).unchecked_into();
    element.click();
}

pub async fn sleep(ms: i32) {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        web_sys::window().unwrap().set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms).unwrap();
    });
    wasm_bindgen_futures::JsFuture::from(promise).await.unwrap();
}

/// Lets the live state's changes reach the page (they wait for the next
/// frame) and Leptos run its effects and re-render.
pub async fn settle() {
    next_frame().await;
    for _ in 0..3 {
        leptos::task::tick().await;
        sleep(0).await;
    }
}

async fn next_frame() {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        web_sys::window().unwrap().request_animation_frame(&resolve).unwrap();
    });
    wasm_bindgen_futures::JsFuture::from(promise).await.unwrap();
}
