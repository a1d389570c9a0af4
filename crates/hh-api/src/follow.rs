//! Requests to the URLs hh returns (`collections[].url`, `items[].url`, `actions[].url`,
//! `negotiations_actions[].url`, a resume's `url`).
//!
//! hh's model asks clients to follow these rather than build them. They are requested
//! with the same token, so a URL is followed only when it points at the configured API
//! host: scheme, host and port must match, or the request is refused before it is sent.

use reqwest::Method;
use reqwest::header::{CONTENT_TYPE, HeaderValue};
use serde::de::DeserializeOwned;
use url::Url;

use crate::client::Client;
use crate::error::Error;

/// Form fields or query parameters, in order; a name may repeat (`topic_id=1&topic_id=2`).
pub type Pairs = Vec<(String, String)>;

impl Client {
    /// Resolves a URL hh returned against the API base and checks that it stays on
    /// the API host. A path (`/negotiations/…`) is taken relative to the base.
    pub fn resolve_url(&self, raw: &str) -> Result<Url, Error> {
        let base = self.base_url();
        let url = if raw.starts_with("//") {
            // Scheme-relative: names a host of its own, checked below.
            base.join(raw)
        } else if raw.starts_with('/') {
            // A path goes under the base's own path, as the generated operations' do
            // (`https://host/sandbox` + `/negotiations/read`).
            Url::parse(&format!("{}{raw}", base.as_str().trim_end_matches('/')))
        } else {
            Url::parse(raw)
        }
        .map_err(|e| Error::Invalid(format!("`{raw}` is not a URL: {e}")))?;
        let same_origin = url.scheme() == base.scheme()
            && url.host_str() == base.host_str()
            && url.port_or_known_default() == base.port_or_known_default();
        if !same_origin {
            return Err(Error::Invalid(format!(
                "refusing to send the access token to {}: hh URLs are followed only on the API host {}",
                url.origin().ascii_serialization(),
                base.origin().ascii_serialization()
            )));
        }
        Ok(url)
    }

    /// GETs a URL hh returned, with `query` set over its own parameters, and reads the
    /// JSON into `T` (usually a generated type). Repeated like any read.
    pub async fn get_url<T: DeserializeOwned>(
        &self,
        raw: &str,
        query: &[(&str, String)],
    ) -> Result<T, Error> {
        let mut url = self.resolve_url(raw)?;
        set_query(&mut url, query);
        let response = self
            .send(self.transport().http.get(url.clone()), &url)
            .await?;
        if !response.status().is_success() {
            return Err(self.error_from_response(response).await);
        }
        let status = response.status();
        let body = response
            .bytes()
            .await
            .map_err(|e| Error::transport(url.as_str(), &e))?;
        serde_json::from_slice(&body).map_err(|e| Error::decode_json(Some(status), &body, &e))
    }

    /// Sends a form to a URL hh returned (an action's `url` with its `method`). Any 2xx
    /// is success, whatever its body (hh answers some writes with `text/html`, some with
    /// nothing): the body is not read. Never repeated automatically.
    pub async fn send_form(
        &self,
        method: &str,
        raw: &str,
        form: &Pairs,
    ) -> Result<Accepted, Error> {
        let method = match method.to_ascii_uppercase().as_str() {
            "POST" => Method::POST,
            "PUT" => Method::PUT,
            "DELETE" => Method::DELETE,
            other => {
                return Err(Error::Invalid(format!(
                    "hh gave the method `{other}` for an action; expected POST, PUT or DELETE"
                )));
            }
        };
        let url = self.resolve_url(raw)?;
        let body = serde_urlencoded::to_string(form)
            .map_err(|e| Error::Invalid(format!("could not encode the form: {e}")))?;
        let request = self
            .transport()
            .http
            .request(method, url.clone())
            .header(
                CONTENT_TYPE,
                HeaderValue::from_static("application/x-www-form-urlencoded"),
            )
            .body(body);
        let response = self.send(request, &url).await?;
        if response.status().is_success() {
            Ok(Accepted::from(&response))
        } else {
            Err(self.error_from_response(response).await)
        }
    }
}

/// hh's answer to a write it accepted: any 2xx.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Accepted {
    pub status: reqwest::StatusCode,
    /// The `Location` header: what hh created, e.g. an invitation's new negotiation
    /// (`/negotiations/{nid}`).
    pub location: Option<String>,
}

impl Accepted {
    pub(crate) fn from(response: &reqwest::Response) -> Self {
        Accepted {
            status: response.status(),
            location: response
                .headers()
                .get(reqwest::header::LOCATION)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string),
        }
    }

    /// The id of the negotiation hh says it created (`Location: …/negotiations/{nid}`).
    pub fn negotiation_id(&self) -> Option<&str> {
        let location = self.location.as_deref()?;
        // A full URL or a path; the query, if any, is not part of the id.
        let path = location.split(['?', '#']).next()?;
        let (before, id) = path.trim_end_matches('/').rsplit_once('/')?;
        let plain = !id.is_empty()
            && id
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
        (before.ends_with("/negotiations") && plain).then_some(id)
    }
}

impl Client {
    /// Sends a request to a followed URL through the shared transport.
    async fn send(
        &self,
        request: reqwest::RequestBuilder,
        url: &Url,
    ) -> Result<reqwest::Response, Error> {
        let request = request
            .build()
            .map_err(|e| Error::Invalid(format!("bad request to {url}: {e}")))?;
        self.transport()
            .execute(request)
            .await
            .map_err(|e| Error::transport(url.as_str(), &e))
    }
}

/// Sets each parameter in `query`, replacing one of the same name the URL already has.
fn set_query(url: &mut Url, query: &[(&str, String)]) {
    if query.is_empty() {
        return;
    }
    let kept: Vec<(String, String)> = url
        .query_pairs()
        .filter(|(k, _)| !query.iter().any(|(name, _)| name == k))
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    let mut pairs = url.query_pairs_mut();
    pairs.clear();
    for (k, v) in &kept {
        pairs.append_pair(k, v);
    }
    for (k, v) in query {
        pairs.append_pair(k, v);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn client(base: &str) -> Client {
        Client::builder()
            .base_url(base)
            .user_agent("Test/1.0 (t@example.com)")
            .build()
            .unwrap()
    }

    #[test]
    fn follows_only_the_api_host() {
        let c = client("https://api.hh.ru");
        assert!(
            c.resolve_url("https://api.hh.ru/negotiations/response?vacancy_id=1")
                .is_ok()
        );
        assert!(c.resolve_url("/negotiations/123").is_ok());
        for bad in [
            "https://evil.example/negotiations/1",
            "http://api.hh.ru/negotiations/1",
            "https://api.hh.ru:8443/negotiations/1",
            "https://api.hh.ru.evil.example/x",
            "https://hh.ru/resume/1",
        ] {
            let err = c.resolve_url(bad).unwrap_err().to_string();
            assert!(err.contains("refusing"), "{bad}: {err}");
        }
        assert!(c.resolve_url("not a url").is_err());
    }

    #[test]
    fn the_created_negotiation_is_read_from_location() {
        let at = |location: Option<&str>| Accepted {
            status: reqwest::StatusCode::CREATED,
            location: location.map(str::to_string),
        };
        assert_eq!(at(Some("/negotiations/123")).negotiation_id(), Some("123"));
        assert_eq!(
            at(Some("https://api.hh.ru/negotiations/4567?x=1")).negotiation_id(),
            Some("4567")
        );
        assert_eq!(at(Some("/vacancies/1")).negotiation_id(), None);
        assert_eq!(at(Some("/negotiations/")).negotiation_id(), None);
        assert_eq!(at(None).negotiation_id(), None);
    }

    #[test]
    fn query_is_set_over_the_urls_own() {
        let mut u =
            Url::parse("https://api.hh.ru/negotiations/response?vacancy_id=7&page=3").unwrap();
        set_query(&mut u, &[("page", "0".into()), ("per_page", "50".into())]);
        assert_eq!(u.query(), Some("vacancy_id=7&page=0&per_page=50"));
    }
}
