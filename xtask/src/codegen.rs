//! From a normalized description to formatted Rust: progenitor (as a library) for the tokens,
//! prettyplease for the layout. Used for `crates/hh-api/src/generated.rs` and for the crate
//! generated from the official description.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, anyhow, bail};
use progenitor::{GenerationSettings, Generator, InterfaceStyle, TagStyle};
use serde_json::Value;

use crate::normalize;
use crate::spec;

/// The derive added to every type of a stand-alone crate; schemars 1.x (what rmcp uses)
/// compiles it. `crates/hh-api` derives no trait it does not use, so it goes without.
pub const JSON_SCHEMA_DERIVE: &str = "schemars::JsonSchema";

/// What a generation produced, with the facts worth printing.
pub struct Generated {
    /// prettyplease-formatted code, without a header.
    pub code: String,
    pub operations: usize,
    /// Schemas under `components/schemas` of the normalized description.
    pub component_schemas: usize,
    /// Named Rust types progenitor/typify emitted (components plus inline ones).
    pub types: usize,
    /// Which optional crates the types need (from typify).
    pub uses_chrono: bool,
    pub uses_uuid: bool,
    pub uses_regress: bool,
    /// `(pass, places touched)` in pass order.
    pub passes: Vec<(&'static str, usize)>,
    /// `(operation id, answer type, its domain)` of every operation answering JSON
    /// (`decoders.rs`).
    pub answers: Vec<crate::decoders::Answer>,
    /// Domains behind a Cargo feature, and how many items went behind one.
    pub gated_domains: std::collections::BTreeSet<String>,
    pub gated_items: usize,
    pub elapsed: Duration,
}

/// Who the generated code is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    /// `crates/hh-api`: requests go through the crate's `Transport` (token, user agent,
    /// retries) via progenitor's `ClientHooks`, and error answers are left to the
    /// hand-written layer, which needs their status, headers and raw body.
    HhApi,
    /// A crate of its own (the official description's check): stock progenitor.
    Standalone,
}

/// The inner value the `HhApi` client carries; `crates/hh-api/src/transport.rs`
/// implements `ClientHooks` for the generated `Client` with it.
const HH_API_INNER_TYPE: &str = "std::sync::Arc<crate::transport::Transport>";

/// Loads, normalizes and generates; the time covers all three.
pub fn generate(spec_path: &Path, target: Target) -> Result<Generated> {
    let started = Instant::now();
    let mut doc = spec::load(spec_path)?;
    let mut passes = normalize::normalize(&mut doc);
    if target == Target::HhApi {
        passes.push((
            "errors-to-hand-written-layer",
            normalize::errors_to_hand_written_layer(&mut doc),
        ));
    }
    let operations = spec::operations(&doc).len();
    let domains = crate::features::operation_domains(&doc);
    let component_schemas = doc
        .pointer("/components/schemas")
        .and_then(Value::as_object)
        .map_or(0, |m| m.len());
    let openapi: openapiv3::OpenAPI = serde_json::from_value(doc).with_context(|| {
        format!(
            "{} is not an OpenAPI 3.0 document openapiv3 can read",
            spec_path.display()
        )
    })?;

    let mut settings = GenerationSettings::default();
    settings
        .with_interface(InterfaceStyle::Builder)
        .with_tag(TagStyle::Merged);
    if target == Target::Standalone {
        settings.with_derive(JSON_SCHEMA_DERIVE);
    }
    if target == Target::HhApi {
        settings
            .with_inner_type(HH_API_INNER_TYPE.parse().expect("a Rust type"))
            .with_hooks(progenitor::HooksMode::Expected);
    }
    let mut generator = Generator::new(&settings);
    // progenitor reports several unsupported constructs by panicking (assert!, todo!); turn
    // that into an error so the command fails with context instead of a bare backtrace.
    let tokens = catch_unwind(AssertUnwindSafe(|| generator.generate_tokens(&openapi)))
        .map_err(|_| {
            anyhow!(
                "progenitor panicked on {} (message above): a normalization pass is missing",
                spec_path.display()
            )
        })?
        .with_context(|| format!("progenitor rejected {}", spec_path.display()))?;
    let mut file: syn::File = syn::parse2(tokens)
        .context("progenitor produced tokens that do not parse as a Rust file")?;
    let answers = crate::decoders::answers(&file, &domains);
    let gated = if target == Target::HhApi {
        crate::features::gate(&mut file, &domains)
    } else {
        0
    };
    let code = prettyplease::unparse(&file);

    let type_space = generator.get_type_space();
    Ok(Generated {
        code,
        operations,
        component_schemas,
        types: type_space.iter_types().count(),
        uses_chrono: type_space.uses_chrono(),
        uses_uuid: type_space.uses_uuid(),
        uses_regress: type_space.uses_regress(),
        passes,
        answers,
        gated_domains: if target == Target::HhApi {
            crate::features::gated_domains(&domains)
        } else {
            Default::default()
        },
        gated_items: gated,
        elapsed: started.elapsed(),
    })
}

/// The generated code with its do-not-edit header naming the source description.
pub fn with_header(code: &str, source: &str) -> String {
    format!("// generated by `cargo xtask codegen` from {source}; do not edit\n\n{code}")
}

pub fn print_summary(generated: &Generated, verbose: bool) {
    if verbose {
        for (name, touched) in &generated.passes {
            println!("  pass {name:<28} touched {touched}");
        }
    }
    println!(
        "generated {} operations, {} component schemas ({} Rust types) in {:.2} s",
        generated.operations,
        generated.component_schemas,
        generated.types,
        generated.elapsed.as_secs_f64(),
    );
}

/// `--check`: compares freshly generated text with the committed file; on a difference, fails
/// with a short unified diff (committed → generated).
pub fn check_up_to_date(expected: &str, path: &Path, shown_path: &str) -> Result<()> {
    let committed = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            bail!("{shown_path} does not exist: run `cargo xtask codegen`")
        }
        Err(e) => return Err(e).with_context(|| format!("reading {}", path.display())),
    };
    if committed == expected {
        println!("{shown_path} is up to date");
        return Ok(());
    }
    bail!(
        "{shown_path} is stale: run `cargo xtask codegen`\n{}",
        short_diff(&committed, expected, shown_path)
    )
}

/// A unified diff cut to its first lines, enough to see what changed.
pub fn short_diff(old: &str, new: &str, name: &str) -> String {
    const MAX_LINES: usize = 60;
    let diff = similar::TextDiff::from_lines(old, new);
    let text = diff
        .unified_diff()
        .context_radius(2)
        .header(
            &format!("{name} (committed)"),
            &format!("{name} (generated)"),
        )
        .to_string();
    let total = text.lines().count();
    let mut shown: String = text
        .lines()
        .take(MAX_LINES)
        .map(|l| format!("{l}\n"))
        .collect();
    if total > MAX_LINES {
        shown.push_str(&format!("... ({} more diff lines)\n", total - MAX_LINES));
    }
    shown
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_diff_names_the_changed_lines() {
        let diff = short_diff("a\nb\nc\n", "a\nB\nc\n", "generated.rs");
        assert!(diff.contains("-b\n"), "{diff}");
        assert!(diff.contains("+B\n"), "{diff}");
        assert!(diff.contains("generated.rs (committed)"), "{diff}");
    }

    #[test]
    fn check_passes_when_equal_and_names_the_difference_when_stale() {
        let path = std::env::temp_dir().join(format!("xtask-check-test-{}.rs", std::process::id()));
        assert!(
            check_up_to_date("x\n", &path, "generated.rs")
                .unwrap_err()
                .to_string()
                .contains("does not exist")
        );
        std::fs::write(&path, "fn a() {}\nfn b() {}\n").unwrap();
        assert!(check_up_to_date("fn a() {}\nfn b() {}\n", &path, "generated.rs").is_ok());
        let stale = check_up_to_date("fn a() {}\nfn c() {}\n", &path, "generated.rs")
            .unwrap_err()
            .to_string();
        std::fs::remove_file(&path).unwrap();
        assert!(stale.contains("generated.rs is stale"), "{stale}");
        assert!(stale.contains("-fn b() {}\n+fn c() {}"), "{stale}");
    }

    #[test]
    fn a_tiny_spec_generates_a_builder_client() {
        let dir = std::env::temp_dir().join(format!("xtask-codegen-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("tiny.yaml");
        std::fs::write(
            &path,
            r#"
openapi: 3.0.3
info: {title: tiny, version: "1"}
paths:
  /me:
    get:
      operationId: get-me
      parameters:
        - {name: HH-User-Agent, in: header, required: true, schema: {type: string}}
      responses:
        '200':
          description: ok
          content:
            application/json:
              schema: {type: object, properties: {id: {type: string}}}
        '403':
          description: forbidden
          content:
            application/json: {}
        '404':
          description: not found
"#,
        )
        .unwrap();
        let generated = generate(&path, Target::Standalone).unwrap();
        std::fs::remove_dir_all(&dir).unwrap();
        assert_eq!(generated.operations, 1);
        assert!(
            generated.code.contains("pub fn get_me(&self)"),
            "{}",
            generated.code
        );
        assert!(generated.code.contains("ApiError"));
        assert!(!generated.code.contains("hh_user_agent"));
    }

    /// The whole official description, without compiling the result (`cargo xtask
    /// official-check` does that): all operations generate, the passes do what they are for.
    #[test]
    fn official_description_generates_all_operations() {
        let official = spec::workspace_root().join("../shared/hh-openapi/hh-openapi.yml");
        if !official.exists() {
            println!(
                "SKIPPED official_description_generates_all_operations: {} is absent",
                official.display()
            );
            return;
        }
        let generated = generate(&official, Target::Standalone).unwrap();
        assert_eq!(generated.operations, 130);
        let touched: std::collections::HashMap<_, _> = generated.passes.iter().copied().collect();
        assert_eq!(touched["strip-hh-user-agent"], 130);
        assert_eq!(touched["one-error-type"], 87);
        assert!(touched["unwrap-nullable-wrappers"] > 150);
        assert!(!generated.uses_regress, "patterns are stripped");
        assert!(generated.code.contains("pub struct ApiError"));
        assert!(!generated.code.contains("hh_user_agent"));
    }
}
