//! Earshot's domain core: the directory, the live calls and the coaching
//! rules, as a state machine with no I/O.
//!
//! Like str0m, it never reads a clock (every input carries `now`) and never
//! touches a socket: [`Core`] takes commands and call events, and its
//! changes are drained with [`Core::poll_output`]. One task owns it.

mod admin;
mod attention;
mod coaching;
mod connections;
pub mod contacts;
mod core;
mod directory;
pub mod phone;
mod record;
pub mod seed;
mod view;

pub use admin::{check_active, check_number, check_person, describe, describe_number, AdminError};
pub use attention::Attention;
pub use coaching::{as_seen_by_agent, check_start, CoachingError};
pub use core::{Call, CallEvent, Command, Core, EventError, Logged, NewCall, Origin, Output};
pub use directory::{Directory, User};
pub use record::Record;
pub use view::{as_seen_by_customer, call_detail, call_view, Reader};
