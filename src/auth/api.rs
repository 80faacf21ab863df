//! `/api/session` over HTTP. The session itself is an HttpOnly cookie the
//! page never sees.

use earshot_protocol::{ApiError, ErrorCode, Me, SignIn};
use gloo_net::http::{Request, Response};

const SESSION: &str = "/api/session";

pub async fn sign_in(form: &SignIn) -> Result<Me, ApiError> {
    let request = Request::post(SESSION).json(form).map_err(network_error)?;
    read(request.send().await.map_err(network_error)?).await
}

/// The user of the current session cookie, if it is still valid.
pub async fn current_user() -> Option<Me> {
    let response = Request::get(SESSION).send().await.ok()?;
    read::<Option<Me>>(response).await.ok().flatten()
}

pub async fn sign_out() -> Result<(), ApiError> {
    let response = Request::delete(SESSION).send().await.map_err(network_error)?;
    if response.ok() {
        Ok(())
    } else {
        Err(refusal(response).await)
    }
}

async fn read<T: serde::de::DeserializeOwned>(response: Response) -> Result<T, ApiError> {
    if response.ok() {
        response.json().await.map_err(network_error)
    } else {
        Err(refusal(response).await)
    }
}

async fn refusal(response: Response) -> ApiError {
    let status = response.status();
    response
        .json()
        .await
        .unwrap_or_else(|_| ApiError::new(ErrorCode::Internal, format!("the server answered {status}")))
}

fn network_error(e: gloo_net::Error) -> ApiError {
    ApiError::new(ErrorCode::Internal, format!("cannot reach the Earshot server: {e}"))
}
