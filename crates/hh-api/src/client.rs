//! Building a client: base URL, the required user agent, token, timeouts, retries.

use std::future::Future;
use std::sync::{Arc, RwLock};
use std::time::Duration;

use progenitor_client::ResponseValue;
use reqwest::header::HeaderValue;
use url::Url;

use crate::auth::{TokenSet, TokenStore};
use crate::error::{ApiError, Error};
use crate::generated;
use crate::refresh::{Refresher, SharedTokens};
use crate::retry::RetryPolicy;
use crate::transport::{AccessToken, Transport};

/// Where hh.ru's API lives.
pub const DEFAULT_BASE_URL: &str = "https://api.hh.ru";

/// The form hh.ru asks applications to identify themselves with.
pub const USER_AGENT_FORM: &str = "App/1.0 (me@example.com)";

/// A client for hh.ru's employer API.
///
/// `api()` gives the generated operations (builder style); the methods on this type
/// add what hh's model needs: typed errors, paging, following the URLs hh returns, and
/// actions checked against their arguments. Cloning is cheap and shares the token.
#[derive(Clone, Debug)]
pub struct Client {
    api: generated::Client,
    transport: Arc<Transport>,
    base: Url,
}

/// Where a signed-in pair lives: this process (and maybe a file), or a store shared by
/// several processes.
#[derive(Debug, Clone)]
enum SignedIn {
    Own(TokenSet, Option<TokenStore>),
    Shared(TokenSet, Arc<dyn SharedTokens>),
}

/// Settings for a [`Client`]. Only the user agent is required.
#[derive(Debug, Clone)]
pub struct ClientBuilder {
    base_url: String,
    user_agent: Option<String>,
    token: Option<AccessToken>,
    signed_in: Option<SignedIn>,
    manager_account_id: Option<String>,
    timeout: Duration,
    connect_timeout: Duration,
    retry: RetryPolicy,
}

impl Default for ClientBuilder {
    fn default() -> Self {
        ClientBuilder {
            base_url: DEFAULT_BASE_URL.to_string(),
            user_agent: None,
            token: None,
            signed_in: None,
            manager_account_id: None,
            timeout: Duration::from_secs(30),
            connect_timeout: Duration::from_secs(10),
            retry: RetryPolicy::default(),
        }
    }
}

/// What [`ClientBuilder::build`] needs from its settings, once they are checked.
struct Checked {
    user_agent: HeaderValue,
    base: Url,
    manager_account_id: Option<HeaderValue>,
}

impl ClientBuilder {
    /// The API's base URL; `https://api.hh.ru` unless you point it at a sandbox or a mock.
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = url.into();
        self
    }

    /// Required by hh.ru on every request, in the form `App/1.0 (me@example.com)`.
    pub fn user_agent(mut self, user_agent: impl Into<String>) -> Self {
        self.user_agent = Some(user_agent.into());
        self
    }

    /// The OAuth access token requests are made with.
    pub fn token(mut self, token: impl Into<String>) -> Self {
        self.token = Some(AccessToken::new(token));
        self
    }

    /// A signed-in pair: the client refreshes it when it expires (hh says `token_expired`
    /// or the stored expiry passed) and, with a store, saves each new pair before using it.
    /// Takes precedence over [`ClientBuilder::token`].
    pub fn tokens(mut self, tokens: TokenSet, store: Option<TokenStore>) -> Self {
        self.signed_in = Some(SignedIn::Own(tokens, store));
        self
    }

    /// A signed-in pair kept in `shared` (a database several replicas use): refreshes go
    /// through its lock, so across every process one refresh happens per pair, and a pair
    /// another process replaced is picked up. Takes precedence over [`ClientBuilder::token`].
    pub fn shared_tokens(mut self, tokens: TokenSet, shared: Arc<dyn SharedTokens>) -> Self {
        self.signed_in = Some(SignedIn::Shared(tokens, shared));
        self
    }

    /// Act as one of the manager's work accounts (`X-Manager-Account-Id`).
    pub fn manager_account_id(mut self, id: impl Into<String>) -> Self {
        self.manager_account_id = Some(id.into());
        self
    }

    /// The longest a whole request may take, body included.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// How reads are repeated after 429/5xx and connection failures.
    pub fn retry(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }

    /// Checks everything [`ClientBuilder::build`] checks (user agent, base URL, headers,
    /// token) without setting up HTTP, which loads the system's CA certificates: for
    /// reporting configuration problems early without paying for that twice.
    pub fn check(&self) -> Result<(), Error> {
        self.checked().map(|_| ())
    }

    fn checked(&self) -> Result<Checked, Error> {
        let user_agent = self.user_agent.as_deref().map(str::trim).unwrap_or("");
        if user_agent.is_empty() {
            return Err(Error::Config(format!(
                "an HH-User-Agent is required by hh.ru: set one in the form `{USER_AGENT_FORM}`"
            )));
        }
        if !user_agent.contains('/') {
            return Err(Error::Config(format!(
                "HH-User-Agent `{user_agent}` is not of the form `{USER_AGENT_FORM}` \
                 (application name, `/`, version, and a contact in parentheses)"
            )));
        }
        // `HeaderValue` takes any byte but controls; hh needs plain ASCII, as promised here.
        let user_agent = Some(user_agent)
            .filter(|ua| ua.is_ascii())
            .and_then(|ua| HeaderValue::from_str(ua).ok())
            .ok_or_else(|| {
                Error::Config(format!(
                    "HH-User-Agent must be printable ASCII, like `{USER_AGENT_FORM}`"
                ))
            })?;
        let base = parse_base_url(&self.base_url)?;
        let manager_account_id = match &self.manager_account_id {
            Some(id) => Some(HeaderValue::from_str(id.trim()).map_err(|_| {
                Error::Config(format!(
                    "manager account id `{id}` is not a valid header value"
                ))
            })?),
            None => None,
        };
        if let Some(t) = &self.token
            && (t.expose().trim().is_empty() || HeaderValue::from_str(t.expose()).is_err())
        {
            return Err(Error::Config(
                "the access token is empty or has characters a token cannot have".into(),
            ));
        }
        Ok(Checked {
            user_agent,
            base,
            manager_account_id,
        })
    }

    pub fn build(self) -> Result<Client, Error> {
        let Checked {
            user_agent,
            base,
            manager_account_id,
        } = self.checked()?;

        let http = reqwest::Client::builder()
            .tls_backend_preconfigured(tls_config()?)
            .timeout(self.timeout)
            .connect_timeout(self.connect_timeout)
            // Never follow redirects: the token must not travel to a host we did not choose.
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| Error::Config(format!("could not set up HTTP: {e}")))?;
        let token_url = || {
            Url::parse(&format!("{}/token", base.as_str().trim_end_matches('/')))
                .map_err(|e| Error::Config(format!("token URL: {e}")))
        };
        let refresher = match self.signed_in {
            Some(SignedIn::Own(tokens, store)) => {
                Some(Arc::new(Refresher::new(tokens, store, token_url()?)))
            }
            Some(SignedIn::Shared(tokens, shared)) => {
                Some(Arc::new(Refresher::shared(tokens, shared, token_url()?)))
            }
            None => None,
        };
        let transport = Arc::new(Transport {
            http: http.clone(),
            user_agent,
            manager_account_id,
            token: RwLock::new(self.token),
            refresher,
            retry: self.retry,
        });
        let base_str = base.as_str().trim_end_matches('/').to_string();
        Ok(Client {
            api: generated::Client::new_with_client(&base_str, http, transport.clone()),
            transport,
            base,
        })
    }
}

/// rustls with the ring provider carried in the config itself, not installed for the
/// process: a library must not choose the TLS provider of every other client in its host
/// program. Certificates are checked by the platform's verifier, as reqwest's own rustls
/// set-up does; HTTP/1.1 is the only protocol offered (the workspace builds reqwest
/// without HTTP/2).
fn tls_config() -> Result<rustls::ClientConfig, Error> {
    use rustls_platform_verifier::BuilderVerifierExt;
    let fail = |e: rustls::Error| Error::Config(format!("could not set up TLS: {e}"));
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut tls = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(fail)?
        .with_platform_verifier()
        .map_err(fail)?
        .with_no_client_auth();
    tls.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(tls)
}

fn parse_base_url(raw: &str) -> Result<Url, Error> {
    let url = Url::parse(raw.trim()).map_err(|e| {
        Error::Config(format!(
            "base URL `{raw}` is not a URL ({e}); expected e.g. {DEFAULT_BASE_URL}"
        ))
    })?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
        return Err(Error::Config(format!(
            "base URL `{raw}` must be http(s)://host[:port], e.g. {DEFAULT_BASE_URL}"
        )));
    }
    // Operations append their path to the base, so a query or fragment would end up
    // in the middle of every request's URL.
    if url.query().is_some() || url.fragment().is_some() {
        return Err(Error::Config(format!(
            "base URL `{raw}` must not have a query or fragment, e.g. {DEFAULT_BASE_URL}"
        )));
    }
    Ok(url)
}

impl Client {
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }

    /// The generated operations, one builder per operation in `spec/`.
    /// Run them through [`Client::read`] or [`Client::write`] for typed errors.
    pub fn api(&self) -> &generated::Client {
        &self.api
    }

    /// The configured API base.
    pub fn base_url(&self) -> &Url {
        &self.base
    }

    /// The shared request path (token, headers, retries). Not public: whoever holds it could
    /// send the token anywhere; the token leaves only through [`Client::access_token`].
    pub(crate) fn transport(&self) -> &Arc<Transport> {
        &self.transport
    }

    /// The access token requests carry now (after any refresh), for storing it; its
    /// `Debug` hides it.
    pub fn access_token(&self) -> Option<AccessToken> {
        self.transport.token()
    }

    /// Replaces the access token for all later requests of this client and its clones.
    pub fn set_token(&self, token: Option<String>) {
        self.transport.set_token(token.map(AccessToken::new));
    }

    /// Runs one generated operation and turns progenitor's outcome into [`Error`].
    ///
    /// Retries are decided by method inside the transport (reads only), so this is the
    /// same for reads and writes; the two names keep call sites honest about which is which.
    pub async fn read<T, F>(&self, call: F) -> Result<T, Error>
    where
        F: Future<Output = Result<ResponseValue<T>, progenitor_client::Error<()>>>,
    {
        self.outcome(call.await).await
    }

    /// As [`Client::read`], for operations that change something (never repeated).
    pub async fn write<T, F>(&self, call: F) -> Result<T, Error>
    where
        F: Future<Output = Result<ResponseValue<T>, progenitor_client::Error<()>>>,
    {
        self.outcome(call.await).await
    }

    /// A write whose answer has nothing to read: any 2xx is success, whatever status and
    /// body hh chose (the spec's 204 may come as a 200 with HTML or JSON).
    pub async fn write_accepted<F>(&self, call: F) -> Result<(), Error>
    where
        F: Future<Output = Result<ResponseValue<()>, progenitor_client::Error<()>>>,
    {
        match call.await {
            Err(progenitor_client::Error::UnexpectedResponse(response))
                if response.status().is_success() =>
            {
                Ok(())
            }
            result => self.outcome(result).await,
        }
    }
}

impl Client {
    /// Maps a generated call's result. Our spec leaves error responses to this layer (see
    /// spec/README.md), so every error status arrives as `UnexpectedResponse` with its
    /// status, headers and body intact, JSON or not.
    async fn outcome<T>(
        &self,
        result: Result<ResponseValue<T>, progenitor_client::Error<()>>,
    ) -> Result<T, Error> {
        use progenitor_client::Error as P;
        match result {
            Ok(value) => Ok(value.into_inner()),
            Err(P::UnexpectedResponse(response)) => Err(self.error_from_response(response).await),
            Err(P::ErrorResponse(value)) => {
                Err(ApiError::from_parts(value.status(), value.headers(), b"").into())
            }
            Err(P::CommunicationError(e))
            | Err(P::ResponseBodyError(e))
            | Err(P::InvalidUpgrade(e)) => Err(Error::transport(self.base.as_str(), &e)),
            Err(P::InvalidResponsePayload(body, e)) => Err(Error::decode_json(None, &body, &e)),
            Err(P::InvalidRequest(msg)) | Err(P::Custom(msg)) => Err(Error::Invalid(msg)),
        }
    }

    /// Reads an answer that is not the expected success into the right error. The body is
    /// shown in messages, so the access token is masked in it: a proxy's error page may
    /// echo the request's `Authorization` header.
    pub(crate) async fn error_from_response(&self, response: reqwest::Response) -> Error {
        let status = response.status();
        let headers = response.headers().clone();
        let url = response.url().to_string();
        match response.bytes().await {
            Ok(body) if !status.is_success() => {
                let body = self.transport.mask_token(&body);
                ApiError::from_parts(status, &headers, &body).into()
            }
            Ok(body) => Error::decode(
                Some(status),
                &self.transport.mask_token(&body),
                "a success status the API does not describe here",
            ),
            Err(e) => Error::transport(&url, &e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn check_agrees_with_build() {
        let good = || Client::builder().user_agent("App/1.0 (me@example.com)");
        let cases = [
            good(),
            good().base_url("http://127.0.0.1:8080"),
            good().token("tok"),
            Client::builder(),
            Client::builder().user_agent("no slash"),
            Client::builder().user_agent("Приложение/1.0"),
            good().base_url("ftp://example.com"),
            good().base_url("https://api.hh.ru/?x=1"),
            good().manager_account_id("bad\nid"),
            good().token(" "),
        ];
        for b in cases {
            let checked = b.check().map_err(|e| e.to_string());
            let built = b.clone().build().map(|_| ()).map_err(|e| e.to_string());
            assert_eq!(checked, built, "{b:?}");
        }
    }
}
