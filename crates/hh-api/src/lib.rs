//! Typed client for the employer side of the hh.ru API.
//!
//! The operations are generated from `spec/hh-employer.yaml` (see [`generated`]); this
//! crate adds what a generator cannot: the required `HH-User-Agent`, the bearer token,
//! hh's error body as a typed [`Error`], retries of failed reads, paging, following the
//! URLs hh returns, and actions checked against their arguments before they are sent.
//!
//! ```no_run
//! # async fn run() -> Result<(), hh_api::Error> {
//! use hh_api::{Client, CollectionQuery};
//!
//! let hh = Client::builder()
//!     .user_agent("MyHiringBot/1.0 (hr@example.com)")
//!     .token(std::env::var("HH_ACCESS_TOKEN").unwrap_or_default())
//!     .build()?;
//! let me = hh.me().await?;
//! println!("signed in as {:?}", me.first_name);
//!
//! // hh's model: take the collections of a vacancy, follow a collection's url.
//! let collections = hh.collections("123456").await?;
//! let inbox = &collections.collections[0];
//! let page = hh.collection_page(&inbox.url, &CollectionQuery::default()).await?;
//! for negotiation in &page.items {
//!     // Hold the first one, using the action hh offers for it.
//!     if let Some(hold) = negotiation.actions.iter().find(|a| a.id == "hold") {
//!         hh.perform_action(hold, &vec![]).await?;
//!         break;
//!     }
//! }
//! # Ok(()) }
//! ```

#[rustfmt::skip]
#[allow(clippy::all, clippy::pedantic, unused, missing_docs)]
pub mod generated;

pub mod action;
pub mod auth;
pub mod client;
pub mod error;
pub mod follow;
pub mod negotiations;
pub mod paging;
pub mod refresh;
pub mod retry;
pub mod transport;

pub use generated::types;

pub use action::{ArgumentsError, check_arguments};
pub use auth::{AuthError, OAuthApp, TokenSet, TokenStore};
pub use client::{Client, ClientBuilder, DEFAULT_BASE_URL, USER_AGENT_FORM};
pub use error::{ApiError, Error, ErrorKind};
pub use follow::Pairs;
pub use negotiations::{CollectionQuery, MAX_PER_PAGE, MAX_TOPICS};
pub use paging::{AllPages, Paged, fetch_all_pages, stream_items};
pub use retry::RetryPolicy;
pub use transport::{AccessToken, Transport};
