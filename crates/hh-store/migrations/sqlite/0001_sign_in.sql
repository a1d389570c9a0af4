-- Sign-in storage: registered MCP clients, pending authorizations, accounts (hh.ru users
-- with their tokens encrypted), authorization codes and our token families.
-- Times are unix seconds; flags are 0/1 integers (the same on both engines: sqlx's Any
-- driver reads no SQLite boolean). Secrets we issue are kept only as SHA-256 digests.

CREATE TABLE clients (
    client_id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    -- a JSON array of strings
    redirect_uris TEXT NOT NULL,
    metadata_document INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    refreshed_at INTEGER NOT NULL
);

-- Between /authorize and hh.ru's callback; keyed by the digest of the state we sent hh.ru.
CREATE TABLE authorizations (
    state_digest BLOB PRIMARY KEY,
    client_id TEXT NOT NULL,
    redirect_uri TEXT NOT NULL,
    code_challenge TEXT NOT NULL,
    scope TEXT NOT NULL,
    resource TEXT NOT NULL,
    client_state TEXT,
    -- the PKCE verifier of our request to hh.ru (useless without hh.ru's code and our
    -- application's secret), once the recruiter has consented
    hh_verifier TEXT,
    -- the signed-in account, while the recruiter picks a work account
    account_id TEXT,
    expires_at INTEGER NOT NULL
);

CREATE TABLE accounts (
    id TEXT PRIMARY KEY,
    hh_user_id TEXT NOT NULL,
    -- '' for the user themself: a unique key over a NULL would not stop duplicates
    manager_account_id TEXT NOT NULL,
    employer_id TEXT,
    name TEXT NOT NULL,
    -- version byte, 96-bit nonce, AES-256-GCM ciphertext and tag; NULL after sign-out
    hh_access BLOB,
    hh_refresh BLOB,
    hh_expires_at INTEGER,
    needs_sign_in INTEGER NOT NULL DEFAULT 0,
    -- bumped by every refresh of hh.ru's tokens: the UPDATE is what takes the row lock
    lock_version INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    UNIQUE (hh_user_id, manager_account_id)
);

CREATE TABLE codes (
    code_digest BLOB PRIMARY KEY,
    client_id TEXT NOT NULL,
    account_id TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    scope TEXT NOT NULL,
    resource TEXT NOT NULL,
    -- the work account the grant acts as (X-Manager-Account-Id); NULL: the login's own
    manager_account_id TEXT,
    redirect_uri TEXT NOT NULL,
    code_challenge TEXT NOT NULL,
    expires_at INTEGER NOT NULL,
    used_at INTEGER,
    -- presented again after use: whatever was issued from it is revoked, and so is
    -- whatever is issued from it later
    reused INTEGER NOT NULL DEFAULT 0
);

-- One family per authorization: its refresh tokens rotate within it, and revoking one
-- token revokes the family.
CREATE TABLE token_families (
    id TEXT PRIMARY KEY,
    client_id TEXT NOT NULL,
    account_id TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    scope TEXT NOT NULL,
    resource TEXT NOT NULL,
    manager_account_id TEXT,
    code_digest BLOB,
    revoked INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL
);
CREATE INDEX token_families_account ON token_families (account_id);
CREATE INDEX token_families_code ON token_families (code_digest);

CREATE TABLE tokens (
    token_digest BLOB PRIMARY KEY,
    family TEXT NOT NULL REFERENCES token_families (id) ON DELETE CASCADE,
    -- 'access' or 'refresh'
    kind TEXT NOT NULL,
    expires_at INTEGER NOT NULL,
    -- a refresh token already exchanged: kept until it expires so a replay is recognised
    used_at INTEGER
);
CREATE INDEX tokens_family ON tokens (family);
CREATE INDEX tokens_expires_at ON tokens (expires_at);
