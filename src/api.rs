//! JSON over HTTP to the server's `/api`, with refusals as [`ApiError`]s.

use earshot_protocol::{ApiError, ErrorCode};
use gloo_net::http::{Request, Response};
use serde::de::DeserializeOwned;

pub async fn get<T: DeserializeOwned>(url: &str) -> Result<T, ApiError> {
    read(Request::get(url).send().await.map_err(network_error)?).await
}

/// A GET that never answers from the browser's HTTP cache.
pub async fn get_fresh<T: DeserializeOwned>(url: &str) -> Result<T, ApiError> {
    read(Request::get(url).cache(web_sys::RequestCache::NoStore).send().await.map_err(network_error)?).await
}

pub async fn post<T: DeserializeOwned>(url: &str, body: &impl serde::Serialize) -> Result<T, ApiError> {
    let request = Request::post(url).json(body).map_err(network_error)?;
    read(request.send().await.map_err(network_error)?).await
}

pub async fn put<T: DeserializeOwned>(url: &str, body: &impl serde::Serialize) -> Result<T, ApiError> {
    let request = Request::put(url).json(body).map_err(network_error)?;
    read(request.send().await.map_err(network_error)?).await
}

/// A PUT answered with no content (204).
pub async fn put_no_content(url: &str, body: &impl serde::Serialize) -> Result<(), ApiError> {
    let request = Request::put(url).json(body).map_err(network_error)?;
    nothing(request.send().await.map_err(network_error)?).await
}

pub async fn delete(url: &str) -> Result<(), ApiError> {
    nothing(Request::delete(url).send().await.map_err(network_error)?).await
}

async fn nothing(response: Response) -> Result<(), ApiError> {
    if response.ok() {
        Ok(())
    } else {
        Err(refusal(response).await)
    }
}

async fn read<T: DeserializeOwned>(response: Response) -> Result<T, ApiError> {
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
