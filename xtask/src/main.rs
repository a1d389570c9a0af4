//! `cargo xtask`: project tasks around the OpenAPI description.
//!
//! - `cargo xtask codegen [--check] [--verbose]` — `spec/hh-derived.yaml` →
//!   `crates/hh-api/src/generated.rs` (or, with `--check`, fail if that file is stale)
//! - `cargo xtask codegen --spec FILE --out DIR` — a complete stand-alone crate in DIR
//! - `cargo xtask official-check` — generate the official description into
//!   `target/official-client` and `cargo check` it
//! - `cargo xtask spec import [FILE] [--out FILE] [--check]` — hh.ru's description →
//!   `spec/hh-derived.yaml` (prose dropped, `spec/overlay.yaml` applied); with `--check`, fail
//!   unless the committed file is exactly that, so that every difference between it and hh.ru's
//!   is one the overlay makes
//! - `cargo xtask spec diff FILE` — what hh.ru changed since our import; fails on a breaking
//!   change
//! - `cargo xtask bench [args]` — build `hh-mcp` and `hh-sandbox` in release and run the
//!   benchmarks (`crates/hh-bench`, `--help` lists its arguments) against the sandbox: start-up,
//!   memory, tool-call overhead, whole-vacancy fetches, result sizes, the HTTP door, the
//!   multi-user token check (see BENCHMARKS.md)

mod bench;
mod codegen;
mod decoders;
mod drift;
mod features;
mod import;
mod normalize;
mod official;
mod overlay;
mod spec;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use clap::{Parser, Subcommand};

/// What `cargo xtask codegen` generates `crates/hh-api` from.
const CODEGEN_SPEC: &str = DERIVED_SPEC;
const GENERATED_RS: &str = "crates/hh-api/src/generated.rs";
const HH_API_MANIFEST: &str = "crates/hh-api/Cargo.toml";
/// The conformance test's table of each operation's answer type.
const DECODERS_RS: &str = "crates/hh-api/tests/generated/decoders.rs";
/// hh.ru's official description, shared beside the repository (never copied into it).
const OFFICIAL_SPEC: &str = "../shared/hh-openapi/hh-openapi.yml";
/// Our corrections on top of hh.ru's description, and the description derived with them.
const OVERLAY: &str = "spec/overlay.yaml";
const DERIVED_SPEC: &str = "spec/hh-derived.yaml";

#[derive(Parser)]
#[command(
    name = "cargo xtask",
    bin_name = "cargo xtask",
    about = "Project tasks for the hh.ru client"
)]
struct Cli {
    #[command(subcommand)]
    command: Task,
}

#[derive(Subcommand)]
enum Task {
    /// Generate the client from an OpenAPI description.
    Codegen {
        /// The description (default: spec/hh-derived.yaml in the workspace).
        #[arg(long)]
        spec: Option<PathBuf>,
        /// Write a complete stand-alone crate to this directory instead of
        /// crates/hh-api/src/generated.rs.
        #[arg(long, conflicts_with = "check")]
        out: Option<PathBuf>,
        /// Generate in memory and fail if crates/hh-api/src/generated.rs differs.
        #[arg(long)]
        check: bool,
        /// Print how many places each normalization pass touched (always on with --out).
        #[arg(long, short)]
        verbose: bool,
    },
    /// Generate the official description into target/official-client and `cargo check` it.
    OfficialCheck {
        /// The official description (default: ../shared/hh-openapi/hh-openapi.yml).
        #[arg(long)]
        spec: Option<PathBuf>,
    },
    /// Derive our description from hh.ru's, or see what hh.ru changed since.
    #[command(subcommand)]
    Spec(SpecTask),
    /// Build hh-mcp in release and measure it against the sandbox (BENCHMARKS.md): runs
    /// `cargo run --release -p hh-bench -- ARGS` (`cargo xtask bench --help` for its own).
    #[command(disable_help_flag = true)]
    Bench {
        /// Passed to hh-bench as they are (`--only tokens`, `--calls 1000`, `--help`, …).
        #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
        args: Vec<String>,
    },
}

#[derive(Subcommand)]
enum SpecTask {
    /// hh.ru's description → spec/hh-derived.yaml: its structure without its prose, with
    /// spec/overlay.yaml applied.
    Import {
        /// hh.ru's description (default: ../shared/hh-openapi/hh-openapi.yml).
        file: Option<PathBuf>,
        /// Where to write (default: spec/hh-derived.yaml).
        #[arg(long)]
        out: Option<PathBuf>,
        /// Import in memory and fail if the output file differs.
        #[arg(long)]
        check: bool,
    },
    /// What a newer hh.ru description changes against the one spec/hh-derived.yaml was
    /// imported from; exits non-zero on a breaking change.
    Diff {
        /// The newer hh.ru description.
        file: PathBuf,
        /// The derived description to compare with (default: spec/hh-derived.yaml).
        #[arg(long)]
        against: Option<PathBuf>,
    },
}

fn main() -> ExitCode {
    match run(Cli::parse().command) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn run(task: Task) -> Result<()> {
    let root = spec::workspace_root();
    match task {
        Task::Codegen {
            spec,
            out: Some(dir),
            verbose: _,
            check: _,
        } => {
            let spec = spec.unwrap_or_else(|| root.join(CODEGEN_SPEC));
            generate_crate(&spec, &dir)
        }
        Task::Codegen {
            spec,
            out: None,
            check,
            verbose,
        } => {
            let spec = spec.unwrap_or_else(|| root.join(CODEGEN_SPEC));
            if !spec.exists() {
                bail!("{} does not exist", spec.display());
            }
            let generated = codegen::generate(&spec, codegen::Target::HhApi)?;
            codegen::print_summary(&generated, verbose);
            println!(
                "{} items behind the features {:?}",
                generated.gated_items, generated.gated_domains
            );
            let manifest = std::fs::read_to_string(root.join(HH_API_MANIFEST))
                .with_context(|| format!("reading {HH_API_MANIFEST}"))?;
            features::check_manifest(&manifest, &generated.gated_domains)
                .map_err(anyhow::Error::msg)?;
            let source = shown(&spec, &root);
            let code = codegen::with_header(&generated.code, &source);
            let table = decoders::render(&generated.answers, &source);
            let outputs = [(GENERATED_RS, code), (DECODERS_RS, table)];
            for (path, text) in outputs {
                let target = root.join(path);
                if check {
                    codegen::check_up_to_date(&text, &target, path)?;
                } else {
                    if let Some(dir) = target.parent() {
                        std::fs::create_dir_all(dir)?;
                    }
                    std::fs::write(&target, text)?;
                    println!("wrote {path}");
                }
            }
            Ok(())
        }
        Task::OfficialCheck { spec } => {
            let spec = spec.unwrap_or_else(|| root.join(OFFICIAL_SPEC));
            let dir = root.join("target/official-client");
            generate_crate(&spec, &dir)?;
            official::cargo_check(&dir, &root.join("target/official-check"))
        }
        Task::Bench { args } => bench::run(&root, &args),
        Task::Spec(SpecTask::Import { file, out, check }) => {
            let file = file.unwrap_or_else(|| root.join(OFFICIAL_SPEC));
            let overlay = overlay::Overlay::load(&root.join(OVERLAY))?;
            let imported = import::import_file(&file, &overlay, import::Mode::Strict)?;
            let yaml = import::to_yaml(&imported)?;
            let out = out.unwrap_or_else(|| root.join(DERIVED_SPEC));
            let operations = spec::operations(&imported.doc).len();
            if check {
                return codegen::check_up_to_date(&yaml, &out, &out.display().to_string()).map_err(
                    |e| anyhow::anyhow!("{e:#}").context("run `cargo xtask spec import`"),
                );
            }
            std::fs::write(&out, yaml).with_context(|| format!("writing {}", out.display()))?;
            println!(
                "wrote {} ({operations} operations; {} left out)",
                out.display(),
                imported.left_out.len()
            );
            for o in &imported.left_out {
                println!("  left out {}: {}", o.operation, o.why);
            }
            Ok(())
        }
        Task::Spec(SpecTask::Diff { file, against }) => {
            let against = against.unwrap_or_else(|| root.join(DERIVED_SPEC));
            let overlay = overlay::Overlay::load(&root.join(OVERLAY))?;
            drift::run(&against, &file, &overlay)
        }
    }
}

fn generate_crate(spec: &Path, dir: &Path) -> Result<()> {
    let generated = codegen::generate(spec, codegen::Target::Standalone)?;
    codegen::print_summary(&generated, true);
    official::write_crate(&generated, dir, &shown(spec, &spec::workspace_root()))?;
    println!("wrote crate {}", dir.display());
    Ok(())
}

/// A description's path as the generated header names it: relative to the workspace root
/// (`spec/hh-derived.yaml`, `../shared/...`) so the output does not depend on the checkout.
fn shown(spec: &Path, root: &Path) -> String {
    let (Ok(spec_abs), Ok(root_abs)) = (spec.canonicalize(), root.canonicalize()) else {
        return spec.display().to_string();
    };
    if let Ok(inside) = spec_abs.strip_prefix(&root_abs) {
        return inside.display().to_string();
    }
    match root_abs
        .parent()
        .map(|parent| spec_abs.strip_prefix(parent))
    {
        Some(Ok(beside)) => Path::new("..").join(beside).display().to_string(),
        _ => spec.display().to_string(),
    }
}
