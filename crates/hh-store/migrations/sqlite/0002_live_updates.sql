-- Live updates: the account's hh.ru webhook subscription, the events hh.ru (or our
-- reconciliation) reported, and the changes that surfaced from them to agents.
-- Times are unix seconds; flags 0/1 (as in 0001).

-- One per account (hh keeps one subscription per user and application).
CREATE TABLE webhook_subscriptions (
    account_id TEXT PRIMARY KEY REFERENCES accounts (id) ON DELETE CASCADE,
    -- hh's id; NULL until hh accepted the subscription
    hh_subscription_id TEXT,
    -- SHA-256 of the secret in the receiver's path; the secret itself is never stored
    secret_digest BLOB NOT NULL UNIQUE,
    -- the kinds of events asked for, comma-separated hh names
    actions TEXT NOT NULL,
    -- 1 when hh has the subscription as asked; 0: create or change it at retry_at
    synced INTEGER NOT NULL DEFAULT 0,
    retry_at INTEGER NOT NULL DEFAULT 0,
    attempts INTEGER NOT NULL DEFAULT 0,
    updated_at INTEGER NOT NULL
);

-- What arrived, before anyone trusted it: hh signs nothing, so each event is re-read at
-- hh.ru with the account's token before it surfaces (or is dropped, with a reason).
CREATE TABLE events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    account_id TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    -- hh's id of the event: hh sends an event again with the same id (409 the second time)
    hh_event_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    vacancy_id TEXT,
    negotiation_id TEXT,
    chat_id TEXT,
    message_id TEXT,
    -- the delivery's body as it came (bounded by the store)
    payload TEXT NOT NULL,
    received_at INTEGER NOT NULL,
    -- received | surfaced | dropped
    state TEXT NOT NULL DEFAULT 'received',
    reason TEXT,
    -- a worker's claim: nobody else re-reads the event until claimed_until
    claimed_by TEXT,
    claimed_until INTEGER NOT NULL DEFAULT 0,
    -- after an hh.ru failure, not before this
    retry_at INTEGER NOT NULL DEFAULT 0,
    attempts INTEGER NOT NULL DEFAULT 0,
    UNIQUE (account_id, hh_event_id)
);
CREATE INDEX events_waiting ON events (state, retry_at);

-- What agents see: one row per change (de-duplicated by key across webhooks and
-- reconciliation), numbered in commit order so a reader's cursor never skips a row.
CREATE TABLE changes (
    seq INTEGER PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    dedup_key TEXT NOT NULL,
    kind TEXT NOT NULL,
    vacancy_id TEXT,
    negotiation_id TEXT,
    chat_id TEXT,
    -- a compact JSON summary of what hh.ru returned when re-read
    summary TEXT NOT NULL,
    -- the event it came from; NULL for reconciliation
    event_id INTEGER,
    surfaced_at INTEGER NOT NULL,
    UNIQUE (account_id, dedup_key)
);

-- The last change number given out; its row lock orders concurrent surfacing.
CREATE TABLE change_counter (
    id INTEGER PRIMARY KEY,
    seq INTEGER NOT NULL
);
INSERT INTO change_counter (id, seq) VALUES (1, 0);

-- Time-bound leases (reconciliation of an account, retrying its subscription): one
-- replica holds a name until `expires_at`.
CREATE TABLE leases (
    name TEXT PRIMARY KEY,
    holder TEXT NOT NULL,
    expires_at INTEGER NOT NULL
);
