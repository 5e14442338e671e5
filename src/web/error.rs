//! What can go wrong on a page, answered with an HTML page in the site's layout (the JSON
//! API keeps its JSON errors), and the fallback for paths nothing else answers.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, ResponseError};
use imshare_templates::{self as views, ErrorView, Page};

use super::page::{self, Caching};
use crate::auth::{HashError, Throttled};
use crate::error::{json_error, set_retry_after};

/// Page errors.
#[derive(Debug, thiserror::Error)]
pub enum PageError {
    /// Also for clips and blogs the visitor may not see: their existence is not revealed.
    #[error("There is no such page, or it is not shared with you. If someone sent you a link, ask them for a new one.")]
    NotFound,
    /// A refusal its page domain words itself (a blog link's): status, heading and text.
    #[error("{message}")]
    Refused {
        status: StatusCode,
        heading: &'static str,
        message: &'static str,
    },
    /// A form failed its anti-forgery check; the text says which and what to do.
    #[error("{0}")]
    Forbidden(&'static str),
    #[error("{0}")]
    BadRequest(String),
    #[error("Too many failed attempts from your address. Wait {} seconds, then try again.", .0.retry_after_secs())]
    TooManyAttempts(Throttled),
    #[error("The service is busy right now. Try again in a moment.")]
    Busy,
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

crate::impl_from_sqlx!(PageError);

impl From<HashError> for PageError {
    fn from(e: HashError) -> Self {
        match e {
            HashError::Busy => Self::Busy,
            HashError::Unexpected(e) => Self::Unexpected(e),
        }
    }
}

impl PageError {
    fn heading(&self) -> &'static str {
        match self {
            Self::NotFound => "Not found",
            Self::Refused { heading, .. } => heading,
            Self::Forbidden(_) => "Not allowed",
            Self::BadRequest(_) => "That request did not make sense",
            Self::TooManyAttempts(_) => "Too many attempts",
            Self::Busy => "Busy",
            Self::Unexpected(_) => "Something went wrong",
        }
    }
}

impl ResponseError for PageError {
    fn status_code(&self) -> StatusCode {
        match self {
            Self::NotFound => StatusCode::NOT_FOUND,
            Self::Refused { status, .. } => *status,
            Self::Forbidden(_) => StatusCode::FORBIDDEN,
            Self::BadRequest(_) => StatusCode::BAD_REQUEST,
            Self::TooManyAttempts(_) => StatusCode::TOO_MANY_REQUESTS,
            Self::Busy => StatusCode::SERVICE_UNAVAILABLE,
            Self::Unexpected(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        let status = self.status_code();
        let message = match self {
            Self::Unexpected(e) => {
                tracing::error!(error = ?e, "page failed");
                "The server hit an unexpected error. Try again in a moment; if it persists, tell the operator.".to_owned()
            }
            other => other.to_string(),
        };
        let view = ErrorView {
            status: status.as_u16(),
            heading: self.heading().to_owned(),
            message,
        };
        // The visitor is not known here, so the header offers signing in to everyone.
        let markup = views::error(&Page::new(self.heading(), None), &view);
        let mut res = page::html(
            status,
            markup.into_string(),
            Caching::NoStore,
            &page::base_csp(),
        );
        match self {
            Self::TooManyAttempts(t) => set_retry_after(&mut res, t.retry_after_secs()),
            Self::Busy => set_retry_after(&mut res, 1),
            _ => {}
        }
        res
    }
}

/// Answers paths no route matches: JSON under `/v1/`, an HTML page everywhere else.
pub async fn fallback(req: HttpRequest) -> HttpResponse {
    if req.path().starts_with("/v1/") {
        return json_error(
            StatusCode::NOT_FOUND,
            "not_found",
            "no such endpoint: check the method and path against GET /openapi.json",
        );
    }
    PageError::NotFound.error_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn body_of(res: HttpResponse) -> String {
        let bytes = actix_web::body::to_bytes(res.into_body())
            .await
            .unwrap_or_default();
        String::from_utf8_lossy(&bytes).into_owned()
    }

    #[actix_web::test]
    async fn an_unexpected_error_is_a_page_that_hides_its_cause() {
        let res = PageError::Unexpected(anyhow::anyhow!("secret detail")).error_response();
        assert_eq!(res.status(), StatusCode::INTERNAL_SERVER_ERROR);
        assert_eq!(res.headers().get("cache-control").unwrap(), "no-store");
        assert!(res.headers().contains_key("content-security-policy"));
        let body = body_of(res).await;
        assert!(body.starts_with("<!DOCTYPE html><html lang=\"en\">"));
        assert!(body.contains("Something went wrong") && !body.contains("secret detail"));
    }

    #[actix_web::test]
    async fn a_refused_form_is_a_403_page_that_says_why() {
        let res = PageError::Forbidden("This form was sent from another site.").error_response();
        assert_eq!(res.status(), StatusCode::FORBIDDEN);
        assert!(body_of(res).await.contains("sent from another site"));
    }
}
