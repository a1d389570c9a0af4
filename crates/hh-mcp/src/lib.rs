//! `hh-mcp`: an employer's hh.ru negotiation workflow as MCP tools for agents, and as
//! commands for people.
//!
//! Data flows one way: a tool call ([`tools`]) parses its arguments ([`args`]), runs a
//! workflow function ([`vacancies`], [`negotiations`], [`invitations`], [`chats`],
//! [`resumes`], [`statistics`]) over `hh-api`, and shapes a compact view ([`view`]). Acting tools first build a [`plan`],
//! which [`confirm`] shows to the user before [`server`] executes it. [`prompts`] offers the
//! employer's mail templates as MCP prompts. [`export`] writes a
//! whole vacancy as JSON lines for people. [`serve`] is the HTTP door beside stdio; [`access`]
//! is the request context both doors hand to the tools.

pub mod access;
pub mod args;
pub mod chats;
pub mod config;
pub mod confirm;
pub mod export;
pub mod failure;
pub mod invitations;
pub mod live;
pub mod negotiations;
pub mod oauth;
pub mod plan;
pub mod prompts;
pub mod resources;
pub mod resumes;
pub mod seal;
pub mod serve;
pub mod server;
pub mod session;
pub mod signin;
pub mod statistics;
pub mod stdio;
pub mod tools;
pub mod vacancies;
pub mod view;
