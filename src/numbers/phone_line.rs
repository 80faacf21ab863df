//! The phone line on the Numbers page: whether the server takes calls over
//! SIP, from which trunks (a carrier's or a PBX's addresses, or any that
//! signs with the digest account), how many at once, and where calls out
//! go. Saved, the rules
//! apply to the next call at once.

use earshot_protocol::{PhoneLine, PhoneLineSettings};
use leptos::prelude::*;

use crate::forms::Said;

#[component]
pub fn PhoneLinePanel() -> impl IntoView {
    let line = LocalResource::new(|| async { crate::api::get_fresh::<PhoneLine>("/api/admin/phone-line").await.map_err(|e| e.message) });
    view! {
        <section class="phone-line" aria-labelledby="phone-line-title" data-testid="phone-line">
            <h2 id="phone-line-title">"Phone line"</h2>
            <Suspense fallback=|| view! { <p class="loading" role="status">"Loading the phone line…"</p> }>
                {move || line.get().map(|found| match found {
                    Ok(line) => view! { <LineForm line /> }.into_any(),
                    Err(message) => view! { <p class="error" role="alert">{message}</p> }.into_any(),
                })}
            </Suspense>
        </section>
    }
}

#[component]
fn LineForm(line: PhoneLine) -> impl IntoView {
    let trunks = RwSignal::new(line.settings.trunks.join("\n"));
    let max_calls = RwSignal::new(line.settings.max_calls.to_string());
    let account = RwSignal::new(line.settings.account.clone().unwrap_or_default());
    let password = RwSignal::new(String::new());
    let has_password = RwSignal::new(line.has_password);
    let outbound = RwSignal::new(line.settings.outbound.clone().unwrap_or_default());
    let said = RwSignal::new(None::<Result<String, String>>);
    let save = Action::new_local(move |_: &()| async move {
        let outcome = async {
            let max_calls = max_calls.get_untracked().trim().parse().map_err(|_| "Calls at once: a whole number, please".to_owned())?;
            let typed = password.get_untracked();
            let sent = PhoneLineSettings {
                trunks: trunks.get_untracked().lines().map(str::to_owned).collect(),
                max_calls,
                account: Some(account.get_untracked()),
                password: (!typed.is_empty()).then_some(typed),
                outbound: Some(outbound.get_untracked()),
            };
            let kept = crate::api::put::<PhoneLine>("/api/admin/phone-line", &sent).await.map_err(|e| e.message)?;
            trunks.set(kept.settings.trunks.join("\n"));
            account.set(kept.settings.account.unwrap_or_default());
            password.set(String::new());
            has_password.set(kept.has_password);
            outbound.set(kept.settings.outbound.unwrap_or_default());
            Ok::<_, String>("The phone line's rules are saved: the next call follows them.".to_owned())
        };
        said.set(Some(outcome.await));
    });
    let status = match &line.listening {
        Some(at) => format!("Taking SIP calls at {at} (UDP and TCP)."),
        None => "The phone line is off: start the server with --sip-bind IP:PORT to take calls from a SIP trunk. Rules saved here apply when it is on.".to_owned(),
    };
    view! {
        <p class="muted" data-testid="phone-line-status">{status}</p>
        <form class="settings" on:submit=move |ev| {
            ev.prevent_default();
            save.dispatch(());
        }>
            <label for="phone-trunks">"Trunk addresses"</label>
            <textarea id="phone-trunks" rows="3" aria-describedby="phone-trunks-help" bind:value=trunks></textarea>
            <span class="hint" id="phone-trunks-help">"One a line: an address (192.0.2.10) or a network (192.0.2.0/24) your carrier or PBX calls from. Calls from anywhere else are refused."</span>
            <label for="phone-account">"Digest account"</label>
            <input id="phone-account" autocomplete="off" aria-describedby="phone-account-help" bind:value=account />
            <span class="hint" id="phone-account-help">"For a trunk whose address is not above: it signs its calls with this account (blank: none). Calls out are signed with it when the trunk asks."</span>
            <label for="phone-password">"The account's password"</label>
            <input id="phone-password" type="password" autocomplete="new-password" placeholder=move || if has_password.get() { "unchanged" } else { "12 characters or more" } bind:value=password />
            <label for="phone-outbound">"Calls out go to"</label>
            <input id="phone-outbound" autocomplete="off" placeholder="192.0.2.10:5060" aria-describedby="phone-outbound-help" bind:value=outbound />
            <span class="hint" id="phone-outbound-help">"The trunk's address and port for an agent's transfer to an outside number (blank: back to the address each call came from)."</span>
            <label for="phone-max-calls">"Calls at once, at most"</label>
            <input id="phone-max-calls" type="number" min="1" max="10000" inputmode="numeric" bind:value=max_calls />
            <button type="submit" class="primary" data-testid="save-phone-line" disabled=move || save.pending().get()>"Save the phone line"</button>
        </form>
        <Said said testid="phone-line-said" />
    }
}
