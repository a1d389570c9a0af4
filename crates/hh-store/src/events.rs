//! Events and the changes they surface.
//!
//! An event is what hh.ru's webhook said, stored before it is answered and before anyone
//! trusts it. A worker claims it (a lease, so two replicas never re-read the same event),
//! re-reads the thing at hh.ru, and either surfaces it as a change or drops it with a
//! reason. A change is what agents see; its de-duplication key (a negotiation and its
//! state, a chat and its message…) is shared by webhooks and reconciliation, so one change
//! surfaces once however many times and ways it was reported.
//!
//! Changes are numbered under one row lock (`change_counter`), so numbers are given in
//! commit order and a reader that has seen number N has seen everything before it.

use std::time::Duration;

use sqlx::Row;
use sqlx::any::AnyRow;

use crate::error::{StoreError, db};
use crate::{Store, clock};

/// The largest delivery body kept; hh's are a few hundred bytes.
pub const MAX_EVENT_PAYLOAD_BYTES: usize = 16 * 1024;

/// An event as the receiver parsed it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NewEvent {
    pub hh_event_id: String,
    /// hh's `action_type`.
    pub kind: String,
    pub vacancy_id: Option<String>,
    pub negotiation_id: Option<String>,
    pub chat_id: Option<String>,
    pub message_id: Option<String>,
    /// The body as it came.
    pub payload: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Recorded {
    /// Stored under this id.
    Stored(i64),
    /// The account already has an event with this hh id.
    Duplicate,
}

/// An event claimed by a worker.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClaimedEvent {
    pub id: i64,
    pub account_id: String,
    pub event: NewEvent,
    /// Including this one.
    pub attempts: i64,
}

/// An event's fate so far.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventState {
    pub id: i64,
    pub hh_event_id: String,
    /// `received`, `surfaced` or `dropped`.
    pub state: String,
    pub reason: Option<String>,
    pub attempts: i64,
}

/// What surfaces to agents.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Change {
    /// The same key for the same change, whoever reported it.
    pub dedup_key: String,
    pub kind: String,
    pub vacancy_id: Option<String>,
    pub negotiation_id: Option<String>,
    pub chat_id: Option<String>,
    /// Compact JSON of what hh.ru returned.
    pub summary: String,
}

/// A change as stored, with its number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SurfacedChange {
    pub seq: i64,
    pub account_id: String,
    pub change: Change,
    pub surfaced_at: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Surfaced {
    /// A new change, numbered.
    New(i64),
    /// The account has this change already (reported another way, or again).
    Known,
    /// The event is no longer this worker's (its claim lapsed and another took it).
    NotClaimed,
}

impl Store {
    /// Stores an event for the account: `Duplicate` if one with the same hh id is there.
    pub async fn record_event(
        &self,
        account_id: &str,
        event: &NewEvent,
    ) -> Result<Recorded, StoreError> {
        if event.payload.len() > MAX_EVENT_PAYLOAD_BYTES {
            return Err(StoreError::TooLarge {
                what: "a webhook event's payload",
                limit: MAX_EVENT_PAYLOAD_BYTES,
            });
        }
        let id: Option<i64> = sqlx::query(
            "INSERT INTO events (account_id, hh_event_id, kind, vacancy_id, negotiation_id,
                                 chat_id, message_id, payload, received_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
             ON CONFLICT (account_id, hh_event_id) DO NOTHING
             RETURNING id",
        )
        .bind(account_id)
        .bind(&event.hh_event_id)
        .bind(&event.kind)
        .bind(&event.vacancy_id)
        .bind(&event.negotiation_id)
        .bind(&event.chat_id)
        .bind(&event.message_id)
        .bind(&event.payload)
        .bind(clock::now())
        .fetch_optional(self.pool())
        .await
        .and_then(|row| row.map(|r| r.try_get(0)).transpose())
        .map_err(db("storing a webhook event"))?;
        Ok(id.map_or(Recorded::Duplicate, Recorded::Stored))
    }

    /// Claims up to `limit` received events that are due and unclaimed (or whose claim
    /// lapsed), oldest first, for `lease`. A claim taken by another replica meanwhile is
    /// re-checked row by row, so no event is claimed twice at once.
    pub async fn claim_events(
        &self,
        holder: &str,
        limit: u32,
        lease: Duration,
    ) -> Result<Vec<ClaimedEvent>, StoreError> {
        let now = clock::now();
        let until = clock::expires_at(lease);
        let rows = sqlx::query(
            "UPDATE events SET claimed_by = $1, claimed_until = $2, attempts = attempts + 1
             WHERE state = 'received' AND retry_at <= $3 AND claimed_until <= $3
               AND id IN (SELECT id FROM events
                          WHERE state = 'received' AND retry_at <= $3 AND claimed_until <= $3
                          ORDER BY id LIMIT $4)
             RETURNING id, account_id, hh_event_id, kind, vacancy_id, negotiation_id,
                       chat_id, message_id, payload, attempts",
        )
        .bind(holder)
        .bind(until)
        .bind(now)
        .bind(i64::from(limit))
        .fetch_all(self.pool())
        .await
        .map_err(db("claiming webhook events"))?;
        let mut claimed = rows
            .iter()
            .map(claimed_of)
            .collect::<Result<Vec<_>, _>>()
            .map_err(db("reading claimed webhook events"))?;
        claimed.sort_by_key(|e| e.id);
        Ok(claimed)
    }

    /// Surfaces a claimed event as `change`: `Known` (and the event is marked surfaced as
    /// a repeat) if the account has that change already.
    pub async fn surface_event(
        &self,
        event_id: i64,
        holder: &str,
        change: &Change,
    ) -> Result<Surfaced, StoreError> {
        let mut tx = self
            .pool()
            .begin()
            .await
            .map_err(db("starting to surface an event"))?;
        let account: Option<String> = sqlx::query(
            "UPDATE events SET state = 'surfaced', claimed_until = 0
             WHERE id = $1 AND claimed_by = $2 AND state = 'received'
             RETURNING account_id",
        )
        .bind(event_id)
        .bind(holder)
        .fetch_optional(&mut *tx)
        .await
        .and_then(|row| row.map(|r| r.try_get(0)).transpose())
        .map_err(db("surfacing an event"))?;
        let Some(account) = account else {
            return Ok(Surfaced::NotClaimed);
        };
        let surfaced = insert_change(&mut tx, &account, change, Some(event_id)).await?;
        if surfaced == Surfaced::Known {
            sqlx::query("UPDATE events SET reason = 'a change already surfaced' WHERE id = $1")
                .bind(event_id)
                .execute(&mut *tx)
                .await
                .map_err(db("surfacing an event"))?;
        }
        tx.commit().await.map_err(db("surfacing an event"))?;
        Ok(surfaced)
    }

    /// Surfaces a change found by reconciliation (no event behind it).
    pub async fn record_change(
        &self,
        account_id: &str,
        change: &Change,
    ) -> Result<Surfaced, StoreError> {
        let mut tx = self
            .pool()
            .begin()
            .await
            .map_err(db("starting to record a change"))?;
        let surfaced = insert_change(&mut tx, account_id, change, None).await?;
        tx.commit().await.map_err(db("recording a change"))?;
        Ok(surfaced)
    }

    /// Drops a claimed event for good, saying why. `false` if it is no longer this holder's.
    pub async fn drop_event(
        &self,
        event_id: i64,
        holder: &str,
        reason: &str,
    ) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "UPDATE events SET state = 'dropped', reason = $3, claimed_until = 0
             WHERE id = $1 AND claimed_by = $2 AND state = 'received'",
        )
        .bind(event_id)
        .bind(holder)
        .bind(reason)
        .execute(self.pool())
        .await
        .map_err(db("dropping an event"))?;
        Ok(done.rows_affected() == 1)
    }

    /// Gives a claimed event back to be tried again after `delay` (hh.ru failed); the
    /// reason is kept for whoever looks.
    pub async fn retry_event(
        &self,
        event_id: i64,
        holder: &str,
        delay: Duration,
        reason: &str,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE events SET retry_at = $3, reason = $4, claimed_until = 0
             WHERE id = $1 AND claimed_by = $2 AND state = 'received'",
        )
        .bind(event_id)
        .bind(holder)
        .bind(clock::expires_at(delay))
        .bind(reason)
        .execute(self.pool())
        .await
        .map_err(db("putting an event back to retry"))?;
        Ok(())
    }

    /// The account's events in the order they came, with their fates.
    pub async fn event_states(&self, account_id: &str) -> Result<Vec<EventState>, StoreError> {
        let rows = sqlx::query(
            "SELECT id, hh_event_id, state, reason, attempts FROM events
             WHERE account_id = $1 ORDER BY id",
        )
        .bind(account_id)
        .fetch_all(self.pool())
        .await
        .map_err(db("listing events"))?;
        let read = |r: &AnyRow| -> Result<EventState, sqlx::Error> {
            Ok(EventState {
                id: r.try_get("id")?,
                hh_event_id: r.try_get("hh_event_id")?,
                state: r.try_get("state")?,
                reason: r.try_get("reason")?,
                attempts: r.try_get("attempts")?,
            })
        };
        rows.iter()
            .map(read)
            .collect::<Result<_, _>>()
            .map_err(db("reading events"))
    }

    /// The account's changes after `after` (a change number), oldest first; with no
    /// `after`, its latest `limit`.
    pub async fn changes_of(
        &self,
        account_id: &str,
        after: Option<i64>,
        limit: u32,
    ) -> Result<Vec<SurfacedChange>, StoreError> {
        // No cursor: the latest `limit`, read newest first and put back in order below.
        let (after, order) = match after {
            Some(after) => (after, "ASC"),
            None => (0, "DESC"),
        };
        let sql = format!(
            "SELECT {CHANGE_COLUMNS} FROM changes WHERE account_id = $1 AND seq > $2
             ORDER BY seq {order} LIMIT $3"
        );
        let rows = sqlx::query(&sql)
            .bind(account_id)
            .bind(after)
            .bind(i64::from(limit))
            .fetch_all(self.pool())
            .await
            .map_err(db("listing changes"))?;
        let mut changes = rows
            .iter()
            .map(change_of)
            .collect::<Result<Vec<_>, _>>()
            .map_err(db("reading changes"))?;
        changes.sort_by_key(|c| c.seq);
        Ok(changes)
    }

    /// Every account's changes after `after`, oldest first (for a replica to notify its
    /// own subscribers of changes surfaced anywhere).
    pub async fn changes_after(
        &self,
        after: i64,
        limit: u32,
    ) -> Result<Vec<SurfacedChange>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT {CHANGE_COLUMNS} FROM changes WHERE seq > $1 ORDER BY seq LIMIT $2"
        ))
        .bind(after)
        .bind(i64::from(limit))
        .fetch_all(self.pool())
        .await
        .map_err(db("listing new changes"))?;
        rows.iter()
            .map(change_of)
            .collect::<Result<_, _>>()
            .map_err(db("reading new changes"))
    }

    /// The number of the latest change (0 when there is none).
    pub async fn latest_change(&self) -> Result<i64, StoreError> {
        sqlx::query("SELECT seq FROM change_counter WHERE id = 1")
            .fetch_one(self.pool())
            .await
            .and_then(|r| r.try_get(0))
            .map_err(db("reading the latest change number"))
    }
}

const CHANGE_COLUMNS: &str =
    "seq, account_id, dedup_key, kind, vacancy_id, negotiation_id, chat_id, summary, surfaced_at";

/// Numbers and inserts a change unless the account has its key already.
async fn insert_change(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    account_id: &str,
    change: &Change,
    event_id: Option<i64>,
) -> Result<Surfaced, StoreError> {
    // First, so the transaction writes before it reads (SQLite then never has to upgrade
    // a read lock), and held until commit: whoever numbers next waits, so numbers commit
    // in order. A known change leaves a gap in the numbers, which readers do not mind.
    let seq: i64 =
        sqlx::query("UPDATE change_counter SET seq = seq + 1 WHERE id = 1 RETURNING seq")
            .fetch_one(&mut **tx)
            .await
            .and_then(|r| r.try_get(0))
            .map_err(db("numbering a change"))?;
    let inserted = sqlx::query(
        "INSERT INTO changes (seq, account_id, dedup_key, kind, vacancy_id, negotiation_id,
                              chat_id, summary, event_id, surfaced_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
         ON CONFLICT (account_id, dedup_key) DO NOTHING",
    )
    .bind(seq)
    .bind(account_id)
    .bind(&change.dedup_key)
    .bind(&change.kind)
    .bind(&change.vacancy_id)
    .bind(&change.negotiation_id)
    .bind(&change.chat_id)
    .bind(&change.summary)
    .bind(event_id)
    .bind(clock::now())
    .execute(&mut **tx)
    .await
    .map_err(db("recording a change"))?;
    Ok(if inserted.rows_affected() == 1 {
        Surfaced::New(seq)
    } else {
        Surfaced::Known
    })
}

fn claimed_of(r: &AnyRow) -> Result<ClaimedEvent, sqlx::Error> {
    Ok(ClaimedEvent {
        id: r.try_get("id")?,
        account_id: r.try_get("account_id")?,
        attempts: r.try_get("attempts")?,
        event: NewEvent {
            hh_event_id: r.try_get("hh_event_id")?,
            kind: r.try_get("kind")?,
            vacancy_id: r.try_get("vacancy_id")?,
            negotiation_id: r.try_get("negotiation_id")?,
            chat_id: r.try_get("chat_id")?,
            message_id: r.try_get("message_id")?,
            payload: r.try_get("payload")?,
        },
    })
}

fn change_of(r: &AnyRow) -> Result<SurfacedChange, sqlx::Error> {
    Ok(SurfacedChange {
        seq: r.try_get("seq")?,
        account_id: r.try_get("account_id")?,
        surfaced_at: r.try_get("surfaced_at")?,
        change: Change {
            dedup_key: r.try_get("dedup_key")?,
            kind: r.try_get("kind")?,
            vacancy_id: r.try_get("vacancy_id")?,
            negotiation_id: r.try_get("negotiation_id")?,
            chat_id: r.try_get("chat_id")?,
            summary: r.try_get("summary")?,
        },
    })
}
