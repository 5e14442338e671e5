//! How malformed JSON, paths and queries are answered, for every route at once.

use actix_web::error::{JsonPayloadError, PathError, QueryPayloadError};
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest};

use crate::error::json_error;

/// Limit on JSON request bodies; media bytes never pass through the service.
const JSON_LIMIT: usize = 64 * 1024;

/// JSON: 400 for broken JSON, 422 for valid JSON with wrong fields, 413, 415.
pub fn json_config() -> web::JsonConfig {
    web::JsonConfig::default()
        .limit(JSON_LIMIT)
        .error_handler(|err, _req: &HttpRequest| {
            let (status, code, message) = match &err {
                JsonPayloadError::Deserialize(e) if e.is_data() => (
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "invalid_fields",
                    format!("the JSON is valid but its fields are not: {e}"),
                ),
                JsonPayloadError::Overflow { limit }
                | JsonPayloadError::OverflowKnownLength { limit, .. } => (
                    StatusCode::PAYLOAD_TOO_LARGE,
                    "body_too_large",
                    format!("request bodies are limited to {limit} bytes"),
                ),
                JsonPayloadError::ContentType => (
                    StatusCode::UNSUPPORTED_MEDIA_TYPE,
                    "json_required",
                    "send the body as JSON with `Content-Type: application/json`".to_owned(),
                ),
                other => (
                    StatusCode::BAD_REQUEST,
                    "malformed_json",
                    format!("the request body is not valid JSON: {other}"),
                ),
            };
            actix_web::error::InternalError::from_response(err, json_error(status, code, &message))
                .into()
        })
}

/// Path segments that do not parse (e.g. a malformed id) name nothing that exists: 404.
pub fn path_config() -> web::PathConfig {
    web::PathConfig::default().error_handler(|err: PathError, _req| {
        let response = json_error(StatusCode::NOT_FOUND, "not_found", "no such resource");
        actix_web::error::InternalError::from_response(err, response).into()
    })
}

/// Query strings that do not parse: 400 with the reason.
pub fn query_config() -> web::QueryConfig {
    web::QueryConfig::default().error_handler(|err: QueryPayloadError, _req| {
        let response = json_error(
            StatusCode::BAD_REQUEST,
            "bad_query",
            &format!("bad query string: {err}"),
        );
        actix_web::error::InternalError::from_response(err, response).into()
    })
}
