//! The HTTP door: MCP Streamable HTTP for hosted assistants, beside the stdio door
//! ([`crate::server::HhServer::serve_stdio`]). Both hand the same tool table a request
//! context ([`crate::access`]).
//!
//! - [`settings`]: what the operator configures (address, keys, limits), checked at start-up.
//! - [`keys`]: API keys, kept only as SHA-256 digests, compared in constant time.
//! - [`limits`]: per-key rate limit and calls in flight.
//! - [`http`]: the axum app around rmcp's stateless transport, health, drain on SIGTERM.

pub mod http;
pub mod keys;
pub mod limits;
pub mod settings;
