//! Signing in and out over HTTP (`/api/session`).

use serde::{Deserialize, Serialize};

use crate::directory::{MonitoringAccess, Role, UserId};

/// Name of the HttpOnly cookie that carries the session token.
pub const SESSION_COOKIE: &str = "earshot_session";

/// Body of `POST /api/session`: sign in with an email and a password.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignIn {
    pub email: String,
    pub password: String,
}

/// Body of `PUT /api/session/password`: the signed-in user's own password,
/// changed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChangePassword {
    pub current: String,
    pub new: String,
}

/// The signed-in user, answered by `POST` and `GET /api/session`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Me {
    pub id: UserId,
    pub name: String,
    pub role: Role,
    pub access: MonitoringAccess,
}
