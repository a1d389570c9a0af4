//! Signing in and staying signed in: the authorization-code flow with PKCE, the token
//! file, and refreshing.
//!
//! hh.ru's rules shape this: a refresh token works exactly once, and only after the access
//! token has expired. So a refresh happens only when the stored expiry has passed or hh
//! says `token_expired`; concurrent callers share one refresh ([`Refresher`]); and the new
//! pair is written to disk before it is used, so a crash cannot lose the only valid one.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use base64::Engine;
use serde::{Deserialize, Serialize};
use sha2::Digest;
use url::Url;

use crate::transport::AccessToken;

/// Where people authorize applications on hh.ru.
pub const DEFAULT_AUTHORIZE_URL: &str = "https://hh.ru/oauth/authorize";

/// Why signing in or the token file failed. Never carries a token.
#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    #[error("the token file {path} cannot be read: {reason}. Fix or delete it, then sign in again")]
    Unreadable { path: PathBuf, reason: String },
    #[error("cannot write the token file {path}: {reason}")]
    Write { path: PathBuf, reason: String },
    #[error("no home or config directory to keep tokens in; set XDG_CONFIG_HOME")]
    NoConfigDir,
    #[error(
        "hh.ru refused the refresh token ({reason}): it was already used, or is no longer valid. \
         The user must sign in again"
    )]
    MustSignInAgain { reason: String },
    #[error("{0}")]
    Flow(String),
    #[error(transparent)]
    Api(#[from] crate::Error),
}

/// An access token, its refresh token and when it expires.
#[derive(Clone, PartialEq, Eq)]
pub struct TokenSet {
    pub access: AccessToken,
    pub refresh: Option<AccessToken>,
    /// Unix seconds after which hh no longer accepts the access token.
    pub expires_at: Option<u64>,
}

impl std::fmt::Debug for TokenSet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenSet")
            .field("access", &"***")
            .field("refresh", &self.refresh.as_ref().map(|_| "***"))
            .field("expires_at", &self.expires_at)
            .finish()
    }
}

/// The file's form. Kept apart so the in-memory type can hide its secrets.
#[derive(Serialize, Deserialize)]
struct TokenFile {
    access_token: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    refresh_token: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    expires_at: Option<u64>,
}

pub fn now_unix() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

impl TokenSet {
    /// From hh's `/token` answer, received at `now`.
    pub fn from_answer(answer: crate::types::Token, now: u64) -> Self {
        TokenSet {
            access: AccessToken::new(answer.access_token),
            refresh: Some(AccessToken::new(answer.refresh_token)),
            expires_at: u64::try_from(answer.expires_in)
                .ok()
                .map(|s| now.saturating_add(s)),
        }
    }

    /// True once the expiry has passed (not before: hh refuses an early refresh).
    pub fn is_expired(&self, now: u64) -> bool {
        self.expires_at.is_some_and(|at| now >= at)
    }
}

/// The token file: one JSON file, written atomically with mode 0600.
#[derive(Debug, Clone)]
pub struct TokenStore {
    path: PathBuf,
}

impl TokenStore {
    /// `tokens.json` in the application's own folder of the user's config directory
    /// (`$XDG_CONFIG_HOME/{app}/tokens.json`, or the platform's equivalent).
    pub fn in_config_dir(app: &str) -> Result<Self, AuthError> {
        let dir = dirs::config_dir().ok_or(AuthError::NoConfigDir)?;
        Ok(TokenStore::at(dir.join(app).join("tokens.json")))
    }

    pub fn at(path: impl Into<PathBuf>) -> Self {
        TokenStore { path: path.into() }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// `None` when there is no file. A file that exists but cannot be read or parsed is an
    /// error, never silently treated as absent (that would invite overwriting it).
    pub fn load(&self) -> Result<Option<TokenSet>, AuthError> {
        let text = match std::fs::read_to_string(&self.path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(self.unreadable(e.to_string())),
        };
        let file: TokenFile = serde_json::from_str(&text)
            .map_err(|e| self.unreadable(format!("not a token file ({e})")))?;
        if file.access_token.trim().is_empty() {
            return Err(self.unreadable("the access token in it is empty".into()));
        }
        Ok(Some(TokenSet {
            access: AccessToken::new(file.access_token),
            refresh: file.refresh_token.map(AccessToken::new),
            expires_at: file.expires_at,
        }))
    }

    fn unreadable(&self, reason: String) -> AuthError {
        AuthError::Unreadable {
            path: self.path.clone(),
            reason,
        }
    }

    /// Writes the whole file anew: a temporary file beside it (0600), flushed to disk,
    /// then renamed over the old one, so a reader sees the old pair or the new, never half.
    pub fn save(&self, tokens: &TokenSet) -> Result<(), AuthError> {
        let fail = |reason: String| AuthError::Write {
            path: self.path.clone(),
            reason,
        };
        let dir = self
            .path
            .parent()
            .ok_or_else(|| fail("the path has no directory".into()))?;
        std::fs::create_dir_all(dir).map_err(|e| fail(e.to_string()))?;
        let file = TokenFile {
            access_token: tokens.access.expose().to_string(),
            refresh_token: tokens.refresh.as_ref().map(|t| t.expose().to_string()),
            expires_at: tokens.expires_at,
        };
        let body = serde_json::to_vec_pretty(&file).map_err(|e| fail(e.to_string()))?;
        let written = (|| -> std::io::Result<()> {
            // Created 0600 in the same directory (a rename stays on one file system); set
            // again explicitly, as the file's mode is the point. Removed if we stop early.
            let mut tmp = tempfile::NamedTempFile::new_in(dir)?;
            #[cfg(unix)]
            {
                use std::os::unix::fs::PermissionsExt;
                tmp.as_file()
                    .set_permissions(std::fs::Permissions::from_mode(0o600))?;
            }
            tmp.write_all(&body)?;
            tmp.as_file().sync_all()?;
            tmp.persist(&self.path).map_err(|e| e.error)?;
            // The rename itself must reach the disk too.
            #[cfg(unix)]
            std::fs::File::open(dir)?.sync_all()?;
            Ok(())
        })();
        written.map_err(|e| fail(e.to_string()))?;
        Ok(())
    }

    /// Deletes the file; no file is not an error.
    pub fn remove(&self) -> Result<(), AuthError> {
        match std::fs::remove_file(&self.path) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(AuthError::Write {
                path: self.path.clone(),
                reason: e.to_string(),
            }),
        }
    }
}

/// PKCE (RFC 7636, S256): the verifier stays here, the challenge goes in the URL.
pub struct Pkce {
    pub verifier: String,
    pub challenge: String,
}

impl Pkce {
    pub fn new() -> Self {
        let bytes: [u8; 32] = rand::random();
        let verifier = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes);
        Pkce {
            challenge: challenge_for(&verifier),
            verifier,
        }
    }
}

impl Default for Pkce {
    fn default() -> Self {
        Pkce::new()
    }
}

/// `BASE64URL(SHA256(verifier))`.
pub fn challenge_for(verifier: &str) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .encode(sha2::Sha256::digest(verifier.as_bytes()))
}

/// An unguessable `state` to tie the redirect to this sign-in.
pub fn new_state() -> String {
    let bytes: [u8; 16] = rand::random();
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// An hh.ru application's credentials.
#[derive(Clone)]
pub struct OAuthApp {
    pub client_id: String,
    pub client_secret: String,
    pub redirect_uri: String,
}

impl std::fmt::Debug for OAuthApp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OAuthApp")
            .field("client_id", &self.client_id)
            .field("client_secret", &"***")
            .field("redirect_uri", &self.redirect_uri)
            .finish()
    }
}

/// The page the person opens to let the application act for them.
pub fn authorize_url(
    authorize_base: &str,
    app: &OAuthApp,
    state: &str,
    pkce: &Pkce,
) -> Result<Url, AuthError> {
    let mut url = Url::parse(authorize_base)
        .map_err(|e| AuthError::Flow(format!("authorize URL `{authorize_base}`: {e}")))?;
    url.query_pairs_mut()
        .append_pair("response_type", "code")
        .append_pair("client_id", &app.client_id)
        .append_pair("state", state)
        .append_pair("redirect_uri", &app.redirect_uri)
        .append_pair("code_challenge", &pkce.challenge)
        .append_pair("code_challenge_method", "S256");
    Ok(url)
}

/// Takes the code out of what the person pasted: the whole redirect URL, or just the code.
/// With a URL, its `state` must be the one we sent.
pub fn code_from_redirect(pasted: &str, expected_state: &str) -> Result<String, AuthError> {
    let pasted = pasted.trim();
    if pasted.is_empty() {
        return Err(AuthError::Flow("nothing was pasted".into()));
    }
    let Ok(url) = Url::parse(pasted) else {
        return Ok(pasted.to_string());
    };
    let get = |k: &str| {
        url.query_pairs()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.into_owned())
    };
    if let Some(error) = get("error") {
        return Err(AuthError::Flow(format!(
            "hh.ru did not authorize the application: {error}"
        )));
    }
    match get("state") {
        Some(s) if s == expected_state => {}
        Some(_) => {
            return Err(AuthError::Flow(
                "the redirect's `state` does not match this sign-in: it may be forged or from an \
                 older attempt; nothing was exchanged"
                    .into(),
            ));
        }
        None => return Err(AuthError::Flow("the redirect URL has no `state`".into())),
    }
    get("code").ok_or_else(|| AuthError::Flow("the redirect URL has no `code`".into()))
}

/// A value hh's limits refuse, named for the error.
fn invalid<E: std::fmt::Display>(what: &'static str) -> impl Fn(E) -> crate::Error {
    move |e| crate::Error::Invalid(format!("{what}: {e}"))
}

impl crate::Client {
    /// Exchanges the code from the redirect for a token pair (`grant_type=authorization_code`,
    /// with the PKCE verifier). Sent once; never repeated.
    pub async fn exchange_code(
        &self,
        app: &OAuthApp,
        code: &str,
        verifier: &str,
    ) -> Result<TokenSet, crate::Error> {
        // The typed form checks hh's limits (lengths) before anything is sent.
        let form: crate::types::AuthCode = crate::types::AuthCode::builder()
            .grant_type(crate::types::AuthCodeGrantType::AuthorizationCode)
            .code(code)
            .code_verifier(Some(verifier.try_into().map_err(invalid("code_verifier"))?))
            .client_id(app.client_id.as_str())
            .client_secret(app.client_secret.as_str())
            .redirect_uri(app.redirect_uri.as_str())
            .try_into()
            .map_err(invalid("the token form"))?;
        let answer = self
            .write(self.api().obtain_token().body(form).send())
            .await?;
        match answer {
            crate::types::AuthUserTokenAndAppToken::Token(token) => {
                Ok(TokenSet::from_answer(token, now_unix()))
            }
            crate::types::AuthUserTokenAndAppToken::ApplicationToken(_) => Err(
                crate::Error::Invalid("hh.ru answered the code with an application token".into()),
            ),
        }
    }

    /// Invalidates the access token this client sends (`DELETE /token`): signing out.
    pub async fn invalidate_token(&self) -> Result<(), crate::Error> {
        self.write_accepted(self.api().invalidate_token().send())
            .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tokens() -> TokenSet {
        TokenSet {
            access: AccessToken::new("ACCESS-SECRET"),
            refresh: Some(AccessToken::new("REFRESH-SECRET")),
            expires_at: Some(1_000),
        }
    }

    fn temp_path(name: &str) -> PathBuf {
        std::env::temp_dir()
            .join(format!("hh-auth-{}-{name}", std::process::id()))
            .join("tokens.json")
    }

    #[test]
    fn a_saved_pair_loads_back_with_mode_0600() {
        let store = TokenStore::at(temp_path("roundtrip"));
        assert_eq!(store.load().unwrap(), None);
        store.save(&tokens()).unwrap();
        assert_eq!(store.load().unwrap(), Some(tokens()));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(store.path())
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        let leftovers: Vec<_> = std::fs::read_dir(store.path().parent().unwrap())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(leftovers.len(), 1, "no temporary file left: {leftovers:?}");
        store.remove().unwrap();
        store.remove().unwrap();
        assert_eq!(store.load().unwrap(), None);
    }

    #[test]
    fn a_broken_file_is_reported_not_replaced() {
        let store = TokenStore::at(temp_path("broken"));
        std::fs::create_dir_all(store.path().parent().unwrap()).unwrap();
        std::fs::write(store.path(), "{\"access_tok").unwrap();
        let err = store.load().unwrap_err().to_string();
        assert!(
            err.contains("cannot be read") && err.contains("tokens.json"),
            "{err}"
        );
        assert_eq!(
            std::fs::read_to_string(store.path()).unwrap(),
            "{\"access_tok"
        );
    }

    #[test]
    fn secrets_stay_out_of_debug() {
        let text = format!("{:?}", tokens());
        assert!(!text.contains("SECRET"), "{text}");
    }

    #[test]
    fn expiry_is_not_anticipated() {
        let t = tokens();
        assert!(!t.is_expired(999));
        assert!(t.is_expired(1_000));
    }

    #[test]
    fn pkce_challenge_is_base64url_sha256() {
        // The expected value was computed independently (Python's hashlib and base64).
        assert_eq!(
            challenge_for("hh-api-pkce-verifier-0123456789-abcdefghijklmnop"),
            "v7aaaL4DTpqgz_JmudQO60fnRD4PIUM-bLZsafH1CQQ"
        );
        let p = Pkce::new();
        assert_eq!(p.challenge, challenge_for(&p.verifier));
        assert!(p.verifier.len() >= 43);
    }

    #[test]
    fn the_redirect_must_carry_our_state() {
        let ok = code_from_redirect("http://127.0.0.1:8765/cb?code=C0DE&state=S1", "S1").unwrap();
        assert_eq!(ok, "C0DE");
        let forged = code_from_redirect("http://127.0.0.1:8765/cb?code=C0DE&state=EVIL", "S1");
        assert!(forged.unwrap_err().to_string().contains("does not match"));
        assert_eq!(code_from_redirect("  C0DE \n", "S1").unwrap(), "C0DE");
        assert!(code_from_redirect("http://x/cb?error=access_denied&state=S1", "S1").is_err());
    }

    #[test]
    fn the_authorize_url_carries_pkce_and_state() {
        let app = OAuthApp {
            client_id: "CID".into(),
            client_secret: "APP-SECRET-XYZ".into(),
            redirect_uri: "http://127.0.0.1:8765/cb".into(),
        };
        let pkce = Pkce::new();
        let url = authorize_url(DEFAULT_AUTHORIZE_URL, &app, "S1", &pkce).unwrap();
        let q: std::collections::HashMap<_, _> = url.query_pairs().into_owned().collect();
        assert_eq!(q["client_id"], "CID");
        assert_eq!(q["state"], "S1");
        assert_eq!(q["code_challenge_method"], "S256");
        assert_eq!(q["code_challenge"], pkce.challenge);
        assert!(
            !url.as_str().contains("APP-SECRET-XYZ"),
            "the secret never goes in the URL"
        );
    }
}
