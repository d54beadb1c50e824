//! The office pages' one error type: a status and a message for a person, rendered as a small
//! HTML page. Internal causes are logged (by [`ApiError::internal`]) and never shown.

use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use maud::{DOCTYPE, html};

use crate::error::ApiError;
use crate::store::StoreError;

/// An error answered to an office browser.
#[derive(Debug)]
pub struct OfficeError {
    status: StatusCode,
    message: String,
}

impl OfficeError {
    /// 404 with a message.
    pub fn not_found(message: impl Into<String>) -> Self {
        Self { status: StatusCode::NOT_FOUND, message: message.into() }
    }

    /// 403 with a message.
    pub fn forbidden(message: impl Into<String>) -> Self {
        Self { status: StatusCode::FORBIDDEN, message: message.into() }
    }

    /// 400 with a message.
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self { status: StatusCode::BAD_REQUEST, message: message.into() }
    }

    /// The status.
    pub fn status(&self) -> StatusCode {
        self.status
    }
}

impl From<ApiError> for OfficeError {
    fn from(e: ApiError) -> Self {
        let message = match e.status() {
            StatusCode::NOT_FOUND => "未找到",
            StatusCode::FORBIDDEN => "无权访问",
            _ => "服务器未能完成请求，请稍后再试",
        };
        Self { status: e.status(), message: message.into() }
    }
}

impl From<StoreError> for OfficeError {
    fn from(e: StoreError) -> Self {
        ApiError::internal(e).into()
    }
}

impl From<tokio::task::JoinError> for OfficeError {
    fn from(e: tokio::task::JoinError) -> Self {
        ApiError::internal(e).into()
    }
}

impl IntoResponse for OfficeError {
    fn into_response(self) -> Response {
        let page = html! {
            (DOCTYPE)
            html lang="zh-CN" {
                head {
                    meta charset="utf-8";
                    title { "民情通 · " (self.status.as_u16()) }
                    style { (maud::PreEscaped(crate::office::kit::layout::CSS)) }
                }
                body {
                    main.error-page {
                        h1 { (self.status.as_u16()) " " (self.message) }
                        p { a href="/office" { "返回首页" } " · " a href="/office/login" { "重新登录" } }
                    }
                }
            }
        };
        (self.status, Html(page.into_string())).into_response()
    }
}
