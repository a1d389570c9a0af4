//! Typed client for the employer side of the hh.ru API.
//!
//! The operations are generated from `spec/hh-derived.yaml` (see [`generated`]); this
//! crate adds what a generator cannot: the required `HH-User-Agent`, the bearer token,
//! hh's error body as a typed [`Error`], retries of failed reads, paging, following the
//! URLs hh returns, and actions checked against their arguments before they are sent.
//!
//! A whole round, run as a test against the embedded sandbox (for hh.ru itself, drop
//! `base_url` and use your employer token):
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use hh_api::{Client, CollectionQuery};
//!
//! let sandbox = hh_sandbox::Sandbox::start(Default::default()).await?;
//! let hh = Client::builder()
//!     .base_url(sandbox.base_url())
//!     .user_agent("MyHiringBot/1.0 (hr@example.com)")
//!     .token(sandbox.access_token())
//!     .build()?;
//! let me = hh.me().await?;
//! let employer = me.employer().expect("an employer's token").id;
//!
//! // hh's model: take a vacancy's collections, then follow a collection's url.
//! let vacancies = hh.read(hh.api().list_active_vacancies().employer_id(&employer).send()).await?;
//! let vacancies = vacancies.into_active()?;
//! let vacancy = &vacancies.items[0].id;
//! let collections = hh.collections(vacancy).await?;
//! let new = collections.collections.iter().find(|c| c.id == "response").unwrap();
//! let page = hh.collection_page(&new.url, &CollectionQuery::default()).await?;
//!
//! // Put the first response on hold with the action hh offers for it; its arguments are
//! // checked before anything is sent.
//! let first = &page.items[0];
//! let hold = first.actions.iter().find(|a| a.id == "consider").unwrap();
//! hh.perform_action(hold, &vec![]).await?;
//! assert_eq!(hh.negotiation(&first.id).await?.employer_state.unwrap().id, "consider");
//! # Ok(()) }
//! ```

#[rustfmt::skip]
#[allow(clippy::all, clippy::pedantic, unused, missing_docs)]
pub mod generated;

pub mod action;
pub mod auth;
pub mod chats;
pub mod client;
pub mod error;
pub mod follow;
pub mod me;
pub mod negotiations;
pub mod paging;
pub mod refresh;
pub mod retry;
pub mod transport;
pub mod vacancies;
pub mod vacancy;
pub mod webhooks;

pub use generated::types;

pub use action::{ArgumentsError, check_arguments};
pub use auth::{AuthError, OAuthApp, TokenSet, TokenStore};
pub use chats::{ChatContent, ChatFile, ChatListQuery, IdempotencyKey, Sent};
pub use client::{Client, ClientBuilder, DEFAULT_BASE_URL, USER_AGENT_FORM};
pub use error::{AllowedAccount, ApiError, Error, ErrorKind, TransportKind};
pub use follow::{Accepted, Pairs};
pub use me::MeEmployer;
pub use negotiations::{CollectionQuery, MAX_PER_PAGE, MAX_TOPICS, only_new_parameter};
pub use paging::{AllPages, Paged, fetch_all_pages, stream_items};
pub use refresh::{GrantRefused, Kept, RefreshGrant, SharedTokens};
pub use retry::RetryPolicy;
pub use transport::{AccessToken, Transport};
pub use vacancy::{CollectionNegotiations, VacancyFetch, VacancyNegotiations};
pub use webhooks::{WebhookDelivery, WebhookKind, WebhookSubscription};
