//! Settings from the environment, overridden by flags, checked at start-up with errors
//! a person can act on.

use std::time::Duration;

use crate::confirm::ConfirmPolicy;

/// What the server needs to talk to hh.ru.
#[derive(Debug, Clone)]
pub struct Settings {
    pub base_url: String,
    pub user_agent: String,
    /// How requests are authorized. Never printed.
    pub credentials: Credentials,
    pub manager_account_id: Option<String>,
    pub read_only: bool,
    pub confirm: ConfirmPolicy,
    pub timeout: Duration,
    /// Mark the messages the agent sends as automated (hh's `is_automated`);
    /// `HH_MCP_AUTOMATED_MESSAGES=0` turns it off.
    pub mark_automated: bool,
}

#[derive(Clone)]
pub struct Secret(pub String);

/// Where the access token comes from.
#[derive(Debug, Clone)]
pub enum Credentials {
    /// `HH_ACCESS_TOKEN`: used as it is, never refreshed.
    Token(Secret),
    /// Tokens from `hh-mcp auth login`: refreshed when they expire, saved back to the file.
    SignedIn(hh_api::TokenSet, hh_api::TokenStore),
    /// None of its own: a multi-user server, whose users each bring theirs (and the
    /// single-account settings that failed to load, which never start a server).
    None,
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("***")
    }
}

/// Flags given on the command line; each wins over its environment variable.
#[derive(Debug, Default, Clone)]
pub struct Overrides {
    pub base_url: Option<String>,
    pub user_agent: Option<String>,
    pub manager_account_id: Option<String>,
    pub read_only: bool,
    pub confirm: Option<String>,
}

/// Reads a variable; a set-but-blank one counts as unset.
fn var(env: &dyn Fn(&str) -> Option<String>, name: &str) -> Option<String> {
    env(name)
        .map(|v| v.trim().to_string())
        .filter(|v| !v.is_empty())
}

fn flag(env: &dyn Fn(&str) -> Option<String>, name: &str) -> Result<bool, String> {
    match var(env, name)
        .as_deref()
        .map(str::to_ascii_lowercase)
        .as_deref()
    {
        None | Some("0") | Some("false") | Some("no") | Some("off") => Ok(false),
        Some("1") | Some("true") | Some("yes") | Some("on") => Ok(true),
        Some(other) => Err(format!("{name} must be 1 or 0 (true/false), not `{other}`")),
    }
}

/// `HH_MCP_AUTOMATED_MESSAGES`: on unless set to 0.
fn mark_automated(env: &dyn Fn(&str) -> Option<String>) -> Result<bool, String> {
    match var(env, "HH_MCP_AUTOMATED_MESSAGES") {
        None => Ok(true),
        Some(_) => flag(env, "HH_MCP_AUTOMATED_MESSAGES"),
    }
}

impl Settings {
    /// Everything but the connection: what `tools` needs.
    pub fn policy(
        env: &dyn Fn(&str) -> Option<String>,
        o: &Overrides,
    ) -> Result<(bool, ConfirmPolicy), Vec<String>> {
        let mut problems = Vec::new();
        let read_only = o.read_only
            || flag(env, "HH_MCP_READ_ONLY").unwrap_or_else(|e| {
                problems.push(e);
                false
            });
        let confirm = match o.confirm.clone().or_else(|| var(env, "HH_MCP_CONFIRM")) {
            Some(raw) => ConfirmPolicy::parse(&raw).unwrap_or_else(|e| {
                problems.push(e);
                ConfirmPolicy::Ask
            }),
            None => ConfirmPolicy::Ask,
        };
        if problems.is_empty() {
            Ok((read_only, confirm))
        } else {
            Err(problems)
        }
    }

    /// `HH_API_TIMEOUT_SECS`: the longest one request to hh.ru may take (default 30).
    fn timeout(env: &dyn Fn(&str) -> Option<String>) -> Result<Duration, String> {
        match var(env, "HH_API_TIMEOUT_SECS") {
            None => Ok(Duration::from_secs(30)),
            Some(raw) => match raw.parse::<u64>() {
                Ok(n) if (1..=600).contains(&n) => Ok(Duration::from_secs(n)),
                _ => Err(format!(
                    "HH_API_TIMEOUT_SECS must be a whole number of seconds from 1 to 600, not `{raw}`"
                )),
            },
        }
    }

    /// All settings for talking to hh.ru; every problem is listed, not just the first.
    pub fn load(
        env: &dyn Fn(&str) -> Option<String>,
        o: &Overrides,
    ) -> Result<Settings, Vec<String>> {
        Settings::load_with(env, o, true)
    }

    /// The settings of a multi-user server, which has no hh.ru account of its own: each
    /// signed-in recruiter brings theirs.
    pub fn load_for_users(
        env: &dyn Fn(&str) -> Option<String>,
        o: &Overrides,
    ) -> Result<Settings, Vec<String>> {
        Settings::load_with(env, o, false)
    }

    fn load_with(
        env: &dyn Fn(&str) -> Option<String>,
        o: &Overrides,
        own_account: bool,
    ) -> Result<Settings, Vec<String>> {
        let mut problems = Vec::new();
        let (read_only, confirm) = Settings::policy(env, o).unwrap_or_else(|p| {
            problems.extend(p);
            (true, ConfirmPolicy::Ask)
        });
        let timeout = Settings::timeout(env).unwrap_or_else(|e| {
            problems.push(e);
            Duration::from_secs(30)
        });
        let base_url = o
            .base_url
            .clone()
            .or_else(|| var(env, "HH_API_BASE_URL"))
            .unwrap_or_else(|| hh_api::DEFAULT_BASE_URL.to_string());
        let user_agent = o.user_agent.clone().or_else(|| var(env, "HH_USER_AGENT"));
        if user_agent.is_none() {
            problems.push(format!(
                "HH_USER_AGENT is not set: hh.ru requires it on every request; set it to your \
                 application's name, version and contact, e.g. `{}`",
                hh_api::USER_AGENT_FORM
            ));
        }
        // HH_ACCESS_TOKEN wins; otherwise the tokens `hh-mcp auth login` saved.
        let credentials = match var(env, "HH_ACCESS_TOKEN").filter(|_| own_account) {
            None if !own_account => None,
            Some(token) => Some(Credentials::Token(Secret(token))),
            None => match token_store(env).and_then(|store| {
                store
                    .load()
                    .map_err(|e| e.to_string())
                    .map(|t| t.map(|t| (t, store)))
            }) {
                Ok(Some((tokens, store))) => Some(Credentials::SignedIn(tokens, store)),
                Ok(None) => {
                    problems.push(
                        "no hh.ru credentials: run `hh-mcp auth login`, or set HH_ACCESS_TOKEN to an \
                         employer access token (or run with --sandbox to try everything without an account)"
                            .to_string(),
                    );
                    None
                }
                Err(e) => {
                    problems.push(format!("{e} (`hh-mcp auth login`)"));
                    None
                }
            },
        };
        let manager_account_id = o
            .manager_account_id
            .clone()
            .or_else(|| var(env, "HH_MANAGER_ACCOUNT_ID"));
        let settings = Settings {
            base_url,
            user_agent: user_agent.unwrap_or_default(),
            credentials: credentials.unwrap_or(Credentials::None),
            manager_account_id,
            read_only,
            confirm,
            timeout,
            mark_automated: mark_automated(env).unwrap_or_else(|e| {
                problems.push(e);
                true
            }),
        };
        if problems.is_empty() {
            // Let the client builder check the URL and the user agent's form now, at start-up
            // (without building one: that loads the CA store, which `serve` does once).
            if let Err(e) = settings.builder().check() {
                problems.push(e.to_string());
            }
        }
        if problems.is_empty() {
            Ok(settings)
        } else {
            Err(problems)
        }
    }

    pub fn client(&self) -> Result<hh_api::Client, hh_api::Error> {
        self.builder().build()
    }

    fn builder(&self) -> hh_api::ClientBuilder {
        let mut b = hh_api::Client::builder()
            .base_url(&self.base_url)
            .user_agent(&self.user_agent)
            .timeout(self.timeout);
        b = match &self.credentials {
            Credentials::Token(t) => b.token(t.0.clone()),
            Credentials::None => b,
            Credentials::SignedIn(tokens, store) => b.tokens(tokens.clone(), Some(store.clone())),
        };
        if let Some(id) = &self.manager_account_id {
            b = b.manager_account_id(id);
        }
        b
    }
}

/// The user agent sent to the embedded sandbox when none is configured.
pub const SANDBOX_USER_AGENT: &str = "hh-mcp-sandbox/1.0 (sandbox@localhost)";

impl Settings {
    /// Settings for the embedded sandbox: its URL and token; policy flags as usual.
    pub fn sandbox(
        env: &dyn Fn(&str) -> Option<String>,
        o: &Overrides,
        base_url: String,
        token: String,
    ) -> Result<Settings, Vec<String>> {
        let (read_only, confirm) = Settings::policy(env, o)?;
        let timeout = Settings::timeout(env).map_err(|e| vec![e])?;
        Ok(Settings {
            base_url,
            user_agent: o
                .user_agent
                .clone()
                .or_else(|| var(env, "HH_USER_AGENT"))
                .unwrap_or_else(|| SANDBOX_USER_AGENT.to_string()),
            credentials: Credentials::Token(Secret(token)),
            manager_account_id: None,
            read_only,
            confirm,
            timeout,
            mark_automated: mark_automated(env).map_err(|e| vec![e])?,
        })
    }
}

/// The token file: `HH_MCP_TOKEN_FILE`, or `hh-mcp/tokens.json` in the config directory.
pub fn token_store(env: &dyn Fn(&str) -> Option<String>) -> Result<hh_api::TokenStore, String> {
    match var(env, "HH_MCP_TOKEN_FILE") {
        Some(path) => Ok(hh_api::TokenStore::at(path)),
        None => hh_api::TokenStore::in_config_dir("hh-mcp").map_err(|e| e.to_string()),
    }
}

/// An environment made of these pairs, for the settings' tests.
#[cfg(test)]
pub(crate) fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> + use<> {
    let map: std::collections::HashMap<String, String> = pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    move |k| map.get(k).cloned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_missing_setting_is_named() {
        let problems = Settings::load(&env(&[]), &Overrides::default()).unwrap_err();
        assert!(
            problems.iter().any(|p| p.contains("HH_USER_AGENT")),
            "{problems:?}"
        );
        assert!(
            problems.iter().any(|p| p.contains("HH_ACCESS_TOKEN")),
            "{problems:?}"
        );
    }

    #[test]
    fn flags_override_the_environment() {
        let e = env(&[
            ("HH_ACCESS_TOKEN", "tok"),
            ("HH_USER_AGENT", "Env/1.0 (e@example.com)"),
            ("HH_API_BASE_URL", "http://127.0.0.1:1"),
        ]);
        let o = Overrides {
            user_agent: Some("Flag/2.0 (f@example.com)".into()),
            read_only: true,
            ..Default::default()
        };
        let s = Settings::load(&e, &o).unwrap();
        assert_eq!(s.user_agent, "Flag/2.0 (f@example.com)");
        assert_eq!(s.base_url, "http://127.0.0.1:1");
        assert!(s.read_only);
        assert!(!format!("{s:?}").contains("tok\""), "token hidden: {s:?}");
    }

    #[test]
    fn malformed_values_are_reported() {
        let e = env(&[
            ("HH_ACCESS_TOKEN", "tok"),
            ("HH_USER_AGENT", "nobody"),
            ("HH_MCP_READ_ONLY", "maybe"),
            ("HH_MCP_CONFIRM", "sometimes"),
        ]);
        let problems = Settings::load(&e, &Overrides::default()).unwrap_err();
        let all = problems.join("\n");
        assert!(all.contains("HH_MCP_READ_ONLY must be 1 or 0"), "{all}");
        assert!(all.contains("HH_MCP_CONFIRM"), "{all}");
        let e = env(&[
            ("HH_ACCESS_TOKEN", "tok"),
            ("HH_USER_AGENT", "nobody"),
            ("HH_API_BASE_URL", "ftp://x"),
        ]);
        let all = Settings::load(&e, &Overrides::default())
            .unwrap_err()
            .join("\n");
        assert!(all.contains("base URL") || all.contains("App/1.0"), "{all}");
    }
}
