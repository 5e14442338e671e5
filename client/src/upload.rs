//! The upload flow: grant, PUT (or parts), complete, follow the transcode.

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{bail, Context};
use futures::StreamExt;
use indicatif::{ProgressBar, ProgressStyle};
use reqwest::Method;
use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncSeekExt};

use super::api::{AccountArgs, Api};
use super::resume::{self, ResumeState};

/// What to upload, where, and as whom.
#[derive(Debug, clap::Args)]
pub struct UploadArgs {
    /// The audio or video file.
    pub file: PathBuf,
    #[command(flatten)]
    pub account: AccountArgs,
    /// The clip's title (default: the file name).
    #[arg(long)]
    pub title: Option<String>,
    #[arg(long, default_value = "")]
    pub description: String,
    /// friends, public or private.
    #[arg(long, default_value = "friends")]
    pub visibility: String,
    /// The content type (default: guessed from the file name).
    #[arg(long)]
    pub content_type: Option<String>,
    /// Return once the upload is complete instead of following the transcode.
    #[arg(long)]
    pub no_wait: bool,
    /// Print one JSON object at the end (for scripts) instead of text.
    #[arg(long)]
    pub json: bool,
}

/// Runs the whole upload; the media id and URLs are printed at the end.
pub async fn run(args: UploadArgs) -> anyhow::Result<()> {
    let size = tokio::fs::metadata(&args.file)
        .await
        .with_context(|| format!("reading {}", args.file.display()))?
        .len();
    let content_type = match &args.content_type {
        Some(ct) => ct.clone(),
        None => mime_guess::from_path(&args.file)
            .first()
            .map(|m| m.essence_str().to_owned())
            .context("cannot guess the content type from the file name; pass --content-type")?,
    };
    let api = Api::sign_in(&args.account).await?;
    let grant = match resume::load(&args.file, &api.server, size) {
        Some(saved) => {
            eprintln!(
                "resuming upload {}",
                saved.grant["upload_id"].as_str().unwrap_or("?")
            );
            saved.grant
        }
        None => {
            let title = args.title.clone().unwrap_or_else(|| file_stem(&args.file));
            let body = json!({"size": size, "content_type": content_type, "title": title,
                "description": args.description, "visibility": args.visibility});
            let grant: Value = api.call(Method::POST, "/v1/uploads", Some(body)).await?;
            resume::save(
                &args.file,
                &ResumeState {
                    server: api.server.clone(),
                    size,
                    grant: grant.clone(),
                },
            )?;
            grant
        }
    };
    let upload_id = grant["upload_id"]
        .as_str()
        .context("the grant has no upload_id")?
        .to_owned();
    let bar = bar(size, "uploading");
    let parts = match grant["method"].as_str() {
        Some("multipart") => Some(upload_parts(&api, &grant, &args.file, &bar).await?),
        _ => {
            put_range(
                &api,
                grant["url"].as_str().context("no url")?,
                &grant["headers"],
                &args.file,
                0,
                size,
                &bar,
            )
            .await?;
            None
        }
    };
    bar.finish_and_clear();
    let body = parts.map(|p| json!({"parts": p}));
    let done: Value = api
        .call(
            Method::POST,
            &format!("/v1/uploads/{upload_id}/complete"),
            body,
        )
        .await?;
    resume::clear(&args.file);
    let media_id = done["media_id"].as_str().context("no media_id")?.to_owned();
    if !args.no_wait {
        follow(&api, &media_id).await?;
    }
    report(&api, &media_id, args.json).await
}

/// Uploads the parts the store does not hold yet; returns `[{number, etag}]` for all.
async fn upload_parts(
    api: &Api,
    grant: &Value,
    file: &Path,
    bar: &ProgressBar,
) -> anyhow::Result<Vec<Value>> {
    let upload_id = grant["upload_id"].as_str().unwrap_or_default();
    let status: Value = api
        .call(Method::GET, &format!("/v1/uploads/{upload_id}"), None)
        .await?;
    let held: Vec<Value> = status["parts"].as_array().cloned().unwrap_or_default();
    let part_size = grant["part_size"].as_u64().context("no part_size")?;
    let mut done = Vec::new();
    for part in grant["parts"].as_array().context("no parts")? {
        let number = part["number"].as_u64().context("part without number")?;
        let len = part["size"].as_u64().context("part without size")?;
        let offset = (number - 1) * part_size;
        if let Some(h) = held
            .iter()
            .find(|h| h["number"].as_u64() == Some(number) && h["size"].as_u64() == Some(len))
        {
            bar.inc(len);
            done.push(json!({"number": number, "etag": h["etag"]}));
            continue;
        }
        let url = part["url"].as_str().context("part without url")?;
        let etag = put_range(api, url, &Value::Null, file, offset, len, bar).await?;
        done.push(json!({"number": number, "etag": etag}));
    }
    Ok(done)
}

/// PUTs `len` bytes of `file` from `offset`, streaming, and returns the store's ETag.
async fn put_range(
    api: &Api,
    url: &str,
    headers: &Value,
    file: &Path,
    offset: u64,
    len: u64,
    bar: &ProgressBar,
) -> anyhow::Result<String> {
    let mut f = tokio::fs::File::open(file)
        .await
        .with_context(|| format!("opening {}", file.display()))?;
    f.seek(std::io::SeekFrom::Start(offset)).await?;
    let progress = bar.clone();
    let stream = tokio_util::io::ReaderStream::new(f.take(len)).inspect(move |chunk| {
        if let Ok(bytes) = chunk {
            progress.inc(bytes.len() as u64);
        }
    });
    let mut req = api
        .http
        .put(url)
        .header(reqwest::header::CONTENT_LENGTH, len);
    for (name, value) in headers.as_object().into_iter().flatten() {
        if !name.eq_ignore_ascii_case("content-length") {
            req = req.header(name.as_str(), value.as_str().unwrap_or_default());
        }
    }
    let res = req
        .body(reqwest::Body::wrap_stream(stream))
        .send()
        .await
        .context("sending to the store")?;
    if !res.status().is_success() {
        let status = res.status();
        let text = res.text().await.unwrap_or_default();
        bail!(
            "the store refused the upload ({status}): {}",
            text.chars().take(300).collect::<String>()
        );
    }
    Ok(res
        .headers()
        .get("etag")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned())
}

/// Polls the media until it is ready or failed, showing the transcode progress.
async fn follow(api: &Api, media_id: &str) -> anyhow::Result<()> {
    let bar = bar(100, "processing");
    loop {
        let media: Value = api
            .call(Method::GET, &format!("/v1/media/{media_id}"), None)
            .await?;
        bar.set_position(media["progress"].as_u64().unwrap_or(0));
        match media["status"].as_str() {
            Some("ready") => break,
            Some("failed") => {
                bar.abandon();
                bail!(
                    "processing failed: {}",
                    media["failure"].as_str().unwrap_or("no reason given")
                );
            }
            _ => tokio::time::sleep(Duration::from_millis(500)).await,
        }
    }
    bar.finish_and_clear();
    Ok(())
}

async fn report(api: &Api, media_id: &str, as_json: bool) -> anyhow::Result<()> {
    let play: Value = api
        .call(Method::GET, &format!("/v1/media/{media_id}/play"), None)
        .await?;
    let page = format!("{}/m/{media_id}", api.server);
    if as_json {
        println!(
            "{}",
            json!({"media_id": media_id, "page_url": page, "play": play})
        );
    } else {
        println!(
            "media   {media_id}\nstatus  {}\npage    {page}",
            play["status"].as_str().unwrap_or("?")
        );
        for key in ["hls_url", "mp4_url", "audio_url", "poster_url"] {
            if let Some(url) = play[key].as_str() {
                println!("{:<7} {url}", key.trim_end_matches("_url"));
            }
        }
    }
    Ok(())
}

fn bar(len: u64, what: &str) -> ProgressBar {
    let bar = ProgressBar::new(len);
    let template =
        format!("{what:<10} {{bar:40}} {{bytes}}/{{total_bytes}} {{bytes_per_sec}} eta {{eta}}");
    let template = if what == "processing" {
        format!("{what:<10} {{bar:40}} {{pos}}%")
    } else {
        template
    };
    if let Ok(style) = ProgressStyle::with_template(&template) {
        bar.set_style(style);
    }
    bar
}

fn file_stem(path: &Path) -> String {
    path.file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default()
}
