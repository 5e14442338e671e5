//! PUTs to presigned store URLs, as a phone's plain HTTP client would send them.

use reqwest::Response;
use serde_json::Value;

/// PUTs `body` to a grant's presigned URL with the headers it names.
pub async fn put_presigned(client: &reqwest::Client, grant: &Value, body: Vec<u8>) -> Response {
    try_put_presigned(client, grant, body)
        .await
        .expect("store reachable")
}

/// Whether the store refused a PUT: a 4xx answer, or (when it refuses before reading the
/// body) a connection it closed mid-request. A client of its own keeps the half-read
/// connection out of the shared pool.
pub async fn put_is_refused(grant: &Value, body: Vec<u8>) -> bool {
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(0)
        .build()
        .expect("client");
    match try_put_presigned(&client, grant, body).await {
        Ok(res) => res.status().is_client_error(),
        Err(e) => e.is_request(),
    }
}

async fn try_put_presigned(
    client: &reqwest::Client,
    grant: &Value,
    body: Vec<u8>,
) -> reqwest::Result<Response> {
    let mut req = client.put(grant["url"].as_str().expect("a put grant has a url"));
    for (name, value) in grant["headers"].as_object().into_iter().flatten() {
        if !name.eq_ignore_ascii_case("content-length") {
            req = req.header(name, value.as_str().unwrap());
        }
    }
    req.body(body).send().await
}
