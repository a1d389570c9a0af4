//! hh's file host for chats: a second origin, apart from the API. A client asks the API
//! for an upload link (`POST /common/chats/files/upload_links`), posts the file there as
//! multipart field `file` with the user's bearer token, gets an `upload_id`, and sends
//! that id as a chat message. A link and its file are the user's who asked for the
//! link: another user's token cannot use it, nor send the file. The host records
//! whether each request carried an `Authorization` header, so a client can be shown to
//! send its token only where hh said to.

use std::collections::HashMap;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use chrono::Duration;
use serde_json::json;

use crate::errors::ApiError;
use crate::http::{bearer, ok};
use crate::model::{Time, now};
use crate::state::AppState;

/// What a chat takes (`GET /common/chats/files/conditions`): 20 MiB, as hh's example.
pub const MAX_SIZE: usize = 20 * 1024 * 1024;
/// Allowed files: extension and MIME type.
pub const ALLOWED: &[(&str, &str)] = &[
    ("pdf", "application/pdf"),
    ("doc", "application/msword"),
    (
        "docx",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ),
    ("rtf", "application/rtf"),
    ("txt", "text/plain"),
    ("jpg", "image/jpeg"),
    ("jpeg", "image/jpeg"),
    ("png", "image/png"),
];
/// How long an upload link works.
pub const LINK_TTL_MINUTES: i64 = 10;

/// An upload link handed out by the API; it takes one file before it expires.
#[derive(Debug, Clone)]
pub struct UploadLink {
    pub expires_at: Time,
    pub used: bool,
    /// Index into `World::users`: who asked for it.
    pub user: usize,
}

/// A file on the host, waiting to be sent (or sent) as a chat message.
#[derive(Debug, Clone)]
pub struct Upload {
    pub id: String,
    pub name: String,
    pub content_type: String,
    pub bytes: Vec<u8>,
    /// Index into `World::users`: who uploaded it.
    pub user: usize,
}

#[derive(Debug, Clone, Default)]
pub struct Files {
    /// Link id (the last segment of `upload_url`) → link.
    pub links: HashMap<String, UploadLink>,
    pub uploads: HashMap<String, Upload>,
    /// Numbers the links and uploads.
    pub issued: u64,
}

/// One request the file host received.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileHostRequest {
    pub method: String,
    pub path: String,
    /// The `Authorization` header as sent, if any.
    pub authorization: Option<String>,
}

impl Files {
    /// A UUID-shaped id, reproducible from the seed, as hh's upload ids are UUIDs.
    pub fn new_id(&mut self, seed: u64) -> String {
        self.issued += 1;
        let mix = |mut z: u64| {
            z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
            z ^ (z >> 31)
        };
        let a = mix(seed ^ self.issued.wrapping_mul(0x9e37_79b9_7f4a_7c15));
        let b = mix(a ^ 0x6669_6c65);
        format!(
            "{:08x}-{:04x}-4{:03x}-{:04x}-{:012x}",
            a >> 32,
            (a >> 16) & 0xffff,
            a & 0xfff,
            (b >> 48) & 0x3fff | 0x8000,
            b & 0xffff_ffff_ffff
        )
    }

    /// A link for `user` (an index into `World::users`).
    pub fn new_link(&mut self, seed: u64, user: usize) -> (String, Time) {
        let id = self.new_id(seed);
        let expires_at = now() + Duration::minutes(LINK_TTL_MINUTES);
        self.links.insert(
            id.clone(),
            UploadLink {
                expires_at,
                used: false,
                user,
            },
        );
        (id, expires_at)
    }
}

/// The file host's routes.
pub fn app(st: AppState) -> Router {
    Router::new()
        .route("/chat-files/upload/{link}", post(upload))
        .route("/chat-files/{upload_id}", get(download))
        .with_state(st)
}

fn forbidden_html() -> Response {
    let mut r = (
        StatusCode::FORBIDDEN,
        "<html><title>403: Forbidden</title><body>403: Forbidden</body></html>",
    )
        .into_response();
    r.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static("text/html"));
    r
}

fn bad_argument(value: &str) -> Response {
    ApiError::bad_argument(value).into_response()
}

/// `POST /chat-files/upload/{link}`: multipart field `file`, with the user's token.
async fn upload(
    State(st): State<AppState>,
    Path(link): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    st.record_file_request("POST", &format!("/chat-files/upload/{link}"), &headers);
    let user = bearer(&headers).and_then(|t| st.tokens().check(&t).ok());
    let Some(user) = user else {
        return forbidden_html();
    };
    let mut world = st.world_mut();
    let Some(found) = world.files.links.get(&link) else {
        return ApiError::not_found().into_response();
    };
    if found.user != user {
        return forbidden_html();
    }
    if found.used || found.expires_at <= now() {
        return bad_argument("state");
    }
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let Some(part) = file_part(content_type, &body) else {
        return bad_argument("file");
    };
    let extension = part
        .name
        .rsplit_once('.')
        .map(|(_, e)| e.to_ascii_lowercase())
        .unwrap_or_default();
    let allowed = ALLOWED
        .iter()
        .any(|(ext, mime)| *ext == extension && *mime == part.content_type);
    if !allowed || part.bytes.is_empty() || part.bytes.len() > MAX_SIZE {
        return bad_argument("file");
    }
    let id = world.files.new_id(st.seed);
    if let Some(l) = world.files.links.get_mut(&link) {
        l.used = true;
    }
    let size = part.bytes.len();
    world.files.uploads.insert(
        id.clone(),
        Upload {
            id: id.clone(),
            name: part.name.clone(),
            content_type: part.content_type,
            bytes: part.bytes,
            user,
        },
    );
    ok(&json!({ "upload_id": id, "name": part.name, "size": size }))
}

/// `GET /chat-files/{upload_id}`: an attachment's url, as messages show it.
async fn download(
    State(st): State<AppState>,
    Path(upload_id): Path<String>,
    headers: HeaderMap,
) -> Response {
    st.record_file_request("GET", &format!("/chat-files/{upload_id}"), &headers);
    let world = st.world();
    match world.files.uploads.get(&upload_id) {
        Some(u) => {
            let mut r = (StatusCode::OK, u.bytes.clone()).into_response();
            if let Ok(v) = HeaderValue::from_str(&u.content_type) {
                r.headers_mut().insert(header::CONTENT_TYPE, v);
            }
            r
        }
        None => ApiError::not_found().into_response(),
    }
}

/// The `file` field of a multipart body.
#[derive(Debug, PartialEq, Eq)]
pub struct FilePart {
    pub name: String,
    pub content_type: String,
    pub bytes: Vec<u8>,
}

fn find(haystack: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    if needle.is_empty() || from > haystack.len() {
        return None;
    }
    haystack[from..]
        .windows(needle.len())
        .position(|w| w == needle)
        .map(|p| p + from)
}

/// Finds the part named `file` in a `multipart/form-data` body (RFC 7578): its file
/// name, its content type (`application/octet-stream` when not given) and its bytes.
pub fn file_part(content_type: &str, body: &[u8]) -> Option<FilePart> {
    let (kind, params) = content_type.split_once(';')?;
    if !kind.trim().eq_ignore_ascii_case("multipart/form-data") {
        return None;
    }
    let boundary = params.split(';').find_map(|p| {
        let (k, v) = p.split_once('=')?;
        k.trim()
            .eq_ignore_ascii_case("boundary")
            .then(|| v.trim().trim_matches('"').to_string())
    })?;
    let delimiter = format!("--{boundary}").into_bytes();
    let mut at = find(body, &delimiter, 0)? + delimiter.len();
    loop {
        if body[at..].starts_with(b"--") {
            return None;
        }
        let headers_start = at + 2; // the CRLF after the delimiter
        let headers_end = find(body, b"\r\n\r\n", headers_start)?;
        let next = find(
            body,
            &[b"\r\n".as_slice(), &delimiter].concat(),
            headers_end,
        )?;
        let head = String::from_utf8_lossy(body.get(headers_start..headers_end)?);
        let data = &body[headers_end + 4..next];
        let mut field = None;
        let mut file_name = None;
        let mut part_type = None;
        for line in head.split("\r\n") {
            let Some((name, value)) = line.split_once(':') else {
                continue;
            };
            if name.trim().eq_ignore_ascii_case("content-disposition") {
                for p in value.split(';').skip(1) {
                    if let Some((k, v)) = p.split_once('=') {
                        let v = v.trim().trim_matches('"').to_string();
                        match k.trim() {
                            "name" => field = Some(v),
                            "filename" => file_name = Some(v),
                            _ => {}
                        }
                    }
                }
            } else if name.trim().eq_ignore_ascii_case("content-type") {
                part_type = Some(value.trim().to_string());
            }
        }
        if field.as_deref() == Some("file") {
            return Some(FilePart {
                name: file_name.unwrap_or_default(),
                content_type: part_type.unwrap_or_else(|| "application/octet-stream".into()),
                bytes: data.to_vec(),
            });
        }
        at = next + 2 + delimiter.len();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_file_field_among_others() {
        let body = b"--XyZ\r\nContent-Disposition: form-data; name=\"note\"\r\n\r\nhello\r\n--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"cv.pdf\"\r\nContent-Type: application/pdf\r\n\r\n%PDF-1.4\r\n\r\n--XyZ--\r\n";
        let part = file_part("multipart/form-data; boundary=XyZ", body).unwrap();
        assert_eq!(part.name, "cv.pdf");
        assert_eq!(part.content_type, "application/pdf");
        assert_eq!(part.bytes, b"%PDF-1.4\r\n");
        assert!(file_part("multipart/form-data; boundary=other", body).is_none());
        assert!(file_part("application/json", body).is_none());
        let no_file =
            b"--XyZ\r\nContent-Disposition: form-data; name=\"note\"\r\n\r\nhello\r\n--XyZ--\r\n";
        assert!(file_part("multipart/form-data; boundary=XyZ", no_file).is_none());
    }

    #[test]
    fn ids_look_like_uuids_and_differ() {
        let mut f = Files::default();
        let a = f.new_id(42);
        let b = f.new_id(42);
        assert_ne!(a, b);
        let groups: Vec<usize> = a.split('-').map(str::len).collect();
        assert_eq!(groups, vec![8, 4, 4, 4, 12], "{a}");
    }
}
