//! `/api/session`. The session itself is an HttpOnly cookie the page never sees.

use earshot_protocol::{ApiError, ChangePassword, Me, SignIn};

const SESSION: &str = "/api/session";

pub async fn sign_in(form: &SignIn) -> Result<Me, ApiError> {
    crate::api::post(SESSION, form).await
}

/// The user of the current session cookie, if it is still valid.
pub async fn current_user() -> Option<Me> {
    crate::api::get::<Option<Me>>(SESSION).await.ok().flatten()
}

pub async fn change_password(form: &ChangePassword) -> Result<(), ApiError> {
    crate::api::put_no_content("/api/session/password", form).await
}

pub async fn sign_out() -> Result<(), ApiError> {
    crate::api::delete(SESSION).await
}
