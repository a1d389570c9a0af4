//! `cargo xtask bench [args]`: builds the server and the sandbox in release, then runs the
//! benchmarks (`crates/hh-bench`, in release) with `args`. The benchmarks live in a crate
//! of their own so that xtask, which regenerates hh-api, never compiles it.

use std::path::Path;
use std::process::Command;

use anyhow::{Context, Result, bail};

pub fn run(root: &Path, args: &[String]) -> Result<()> {
    // hh-bench measures these binaries; it finds them beside itself in target/release.
    cargo(
        root,
        &["build", "--release", "-p", "hh-mcp", "-p", "hh-sandbox"],
    )?;
    let mut run = vec!["run", "--release", "-p", "hh-bench", "--"];
    run.extend(args.iter().map(String::as_str));
    cargo(root, &run)
}

fn cargo(root: &Path, args: &[&str]) -> Result<()> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    eprintln!("$ cargo {}", args.join(" "));
    let status = Command::new(cargo)
        .args(args)
        .current_dir(root)
        .status()
        .context("running cargo")?;
    if !status.success() {
        bail!("cargo {} failed ({status})", args.join(" "));
    }
    Ok(())
}
