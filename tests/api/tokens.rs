//! Access tokens: missing, expired, forged and `alg: none` tokens are all refused.

use base64::Engine;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::helpers::{spawn_app, Backend, JWT_SECRET};
use crate::on_both_databases;

on_both_databases!(bad_tokens_are_refused);

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

fn sign(claims: Value, secret: &str, alg: Algorithm) -> String {
    jsonwebtoken::encode(
        &Header::new(alg),
        &claims,
        &EncodingKey::from_secret(secret.as_bytes()),
    )
    .unwrap()
}

async fn bad_tokens_are_refused(backend: Backend) {
    let app = spawn_app(backend).await;
    let alice = app.create_user("alice").await;
    let valid = json!({"sub": alice.id, "iss": "imshare", "iat": now(), "exp": now() + 600});
    assert_eq!(
        app.get("/v1/me", &sign(valid.clone(), JWT_SECRET, Algorithm::HS256))
            .await
            .status(),
        StatusCode::OK,
        "a token signed with the right key works"
    );

    let expired = sign(
        json!({"sub": alice.id, "iss": "imshare", "iat": now() - 7200, "exp": now() - 3600}),
        JWT_SECRET,
        Algorithm::HS256,
    );
    let forged = sign(
        valid.clone(),
        "another-secret-another-secret-another-secret",
        Algorithm::HS256,
    );
    let other_alg = sign(valid.clone(), JWT_SECRET, Algorithm::HS512);
    let b64 = |v: &Value| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v.to_string());
    let alg_none = format!(
        "{}.{}.",
        b64(&json!({"alg": "none", "typ": "JWT"})),
        b64(&valid)
    );
    let wrong_issuer = sign(
        json!({"sub": alice.id, "iss": "someone-else", "iat": now(), "exp": now() + 600}),
        JWT_SECRET,
        Algorithm::HS256,
    );
    for (what, token) in [
        ("expired", expired),
        ("forged", forged),
        ("HS512", other_alg),
        ("alg none", alg_none),
        ("wrong issuer", wrong_issuer),
        ("garbage", "abc.def.ghi".to_owned()),
    ] {
        let res = app.get("/v1/me", &token).await;
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED, "{what} token");
        assert_eq!(
            res.json::<Value>().await.unwrap()["error"]["code"],
            "invalid_token",
            "{what}"
        );
    }
    let none = app
        .call(
            Method::POST,
            "/v1/uploads",
            None,
            Some(json!({"size": 1, "content_type": "video/mp4"})),
        )
        .await;
    assert_eq!(none.status(), StatusCode::UNAUTHORIZED);
    let basic = app
        .client
        .get(format!("{}/v1/me", app.address))
        .basic_auth("alice", Some("x"))
        .send()
        .await
        .unwrap();
    assert_eq!(basic.status(), StatusCode::UNAUTHORIZED);
}
