//! Contacts: the customer's name on calls, the contact's detail page, and
//! the address book admins keep.

mod book;
mod import;
mod page;

use earshot_protocol::Customer;
use leptos::prelude::*;
use crate::routes::Link;

pub use book::ContactsPage;
pub use page::ContactPage;

/// The customer of a call: their contact's name linking to the contact page
/// when a record exists, else their number as plain text.
#[component]
pub fn ContactName(
    /// The call's outside party.
    customer: Customer,
) -> impl IntoView {
    match customer.contact {
        Some(contact) => view! {
            <Link href=format!("/contacts/{}", contact.id.0) attr:class="contact" attr:data-testid="contact-link">
                {contact.name}
            </Link>
        }
        .into_any(),
        None => view! { <span class="contact unknown" data-testid="contact-plain">{customer.phone}</span> }.into_any(),
    }
}
