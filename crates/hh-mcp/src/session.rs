//! The employer account the server acts for: the hh client and what is learned once
//! (the employer id, from `/me`).

use hh_api::Client;
use tokio::sync::OnceCell;

use crate::failure::ToolFailure;

/// How many page requests `all_pages` keeps in flight.
pub const DEFAULT_PAGE_CONCURRENCY: usize = 4;

pub struct Session {
    pub hh: Client,
    employer_id: OnceCell<String>,
    pub page_concurrency: usize,
}

impl Session {
    pub fn new(hh: Client) -> Self {
        Session {
            hh,
            employer_id: OnceCell::new(),
            page_concurrency: DEFAULT_PAGE_CONCURRENCY,
        }
    }

    /// The employer the token belongs to, asked of hh once per server.
    pub async fn employer_id(&self) -> Result<&str, ToolFailure> {
        self.employer_id
            .get_or_try_init(|| async {
                let me = self.hh.me().await?;
                me.employer.map(|e| e.id).ok_or_else(|| {
                    ToolFailure(
                        "this hh.ru token is not an employer's (GET /me has no employer): \
                         sign in with an employer account"
                            .to_string(),
                    )
                })
            })
            .await
            .map(String::as_str)
    }
}
