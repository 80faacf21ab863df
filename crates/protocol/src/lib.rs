//! Every message between the Earshot app and its backend.
//!
//! This crate is the single source of truth for the wire: the app (wasm32) and
//! the server (native) both depend on it, so a field cannot drift between them.
//! It holds types only — no I/O, no async runtime, no framework.

pub mod access;
pub mod admin;
pub mod audit;
pub mod audio;
pub mod calls;
#[cfg(test)]
mod doc;
pub mod directory;
pub mod error;
pub mod live;
pub mod session;
pub mod settings;

pub use access::{Access, Asker, Endpoint, ENDPOINTS};
pub use admin::{
    Account, AddedPerson, AdminAction, AdminEntry, AdminLog, AdminQuery, ContactForm, ContactImport, ContactList, ContactQuery, ImportPreview, ImportProblem, Imported, LinkInfo, LinkToken, NumberForm, PasswordLink, PersonForm, RedeemLink, SetActive,
};
pub use audio::{AudioFile, AudioManifest};
pub use audit::{AuditAction, AuditEntry, AuditLog, AuditQuery, Person};
pub use error::{ApiError, ErrorCode};
pub use calls::*;
pub use directory::*;
pub use live::*;
pub use session::{ChangePassword, Me, SignIn, SESSION_COOKIE};
pub use settings::{AttentionSettings, PhoneLine, PhoneLineSettings};
