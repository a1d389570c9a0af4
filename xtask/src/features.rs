//! Cargo features by domain for `crates/hh-api`: every operation of a domain outside
//! [`ALWAYS_COMPILED`], and every type only such operations reach, goes behind
//! `#[cfg(feature = "<domain>")]`, so a crate that needs chats and negotiations does not
//! compile vacancy drafts and salary statistics. The reach is read from progenitor's own
//! syntax tree: the client method names its builder, the builder names the types it sends
//! and returns, and each type names the types of its fields.
//!
//! A type reached by an always-compiled operation, or by none, is always compiled.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use proc_macro2::{TokenStream, TokenTree};
use quote::ToTokens;
use serde_json::Value;
use syn::{ImplItem, Item};

use crate::spec;

/// The domains `hh-mcp`'s core needs whatever the features: sign-in, who am I, vacancies,
/// negotiations, resumes, chats.
pub const ALWAYS_COMPILED: &[&str] = &[
    "auth",
    "chats",
    "me",
    "negotiations",
    "resumes",
    "vacancies",
];

/// Which domain (the first of its tags) each operation id belongs to.
pub fn operation_domains(doc: &Value) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for (path, method) in spec::operations(doc) {
        let op = &doc["paths"][&path][&method];
        if let (Some(id), Some(domain)) = (
            op["operationId"].as_str(),
            op["tags"].get(0).and_then(Value::as_str),
        ) {
            out.insert(id.to_string(), domain.to_string());
        }
    }
    out
}

/// The domains that get a feature, given the operations' domains.
pub fn gated_domains(domains: &BTreeMap<String, String>) -> BTreeSet<String> {
    domains
        .values()
        .filter(|d| !ALWAYS_COMPILED.contains(&d.as_str()))
        .cloned()
        .collect()
}

/// Checks that `manifest` (crates/hh-api/Cargo.toml) declares a feature per gated domain and
/// that `full` turns on every one; the error says what to add.
pub fn check_manifest(manifest: &str, gated: &BTreeSet<String>) -> Result<(), String> {
    let mut in_features = false;
    let mut declared: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for line in manifest.lines().map(str::trim) {
        if line.starts_with('[') {
            in_features = line == "[features]";
            continue;
        }
        let Some((name, value)) = line.split_once('=').filter(|_| in_features) else {
            continue;
        };
        let members = value
            .trim()
            .trim_start_matches('[')
            .trim_end_matches(']')
            .split(',')
            .map(|m| m.trim().trim_matches('"').to_string())
            .filter(|m| !m.is_empty())
            .collect();
        declared.insert(name.trim().to_string(), members);
    }
    let missing: Vec<&String> = gated
        .iter()
        .filter(|d| !declared.contains_key(*d))
        .collect();
    let full = declared.get("full").cloned().unwrap_or_default();
    let not_in_full: Vec<&String> = gated.iter().filter(|d| !full.contains(*d)).collect();
    if missing.is_empty() && not_in_full.is_empty() {
        return Ok(());
    }
    Err(format!(
        "crates/hh-api/Cargo.toml: declare a feature per domain behind one ({missing:?} missing) \
         and list every one in `full` ({not_in_full:?} not in it)"
    ))
}

/// Adds the `#[cfg]`s to progenitor's output. Returns how many items it gated.
pub fn gate(file: &mut syn::File, domains: &BTreeMap<String, String>) -> usize {
    let type_names = type_names(&file.items);
    // Operation id → builder; builder → the types its items mention.
    let mut builders: HashMap<String, String> = HashMap::new();
    let mut builder_refs: HashMap<String, BTreeSet<String>> = HashMap::new();
    // Type → the types it mentions (its definition and the impls of it).
    let mut type_refs: HashMap<String, BTreeSet<String>> = HashMap::new();
    for item in &file.items {
        match item {
            Item::Impl(imp) if self_name(imp).as_deref() == Some("Client") => {
                for it in &imp.items {
                    if let ImplItem::Fn(f) = it
                        && let Some(builder) = builder_returned(&f.sig.output)
                    {
                        builders.insert(f.sig.ident.to_string(), builder);
                    }
                }
            }
            Item::Mod(m) if m.ident == "builder" => {
                for inner in module_items(m) {
                    if let Some(name) = defined_or_implemented(inner) {
                        builder_refs
                            .entry(name)
                            .or_default()
                            .extend(mentioned(inner, &type_names));
                    }
                }
            }
            Item::Mod(m) if m.ident == "types" => {
                for inner in module_items(m) {
                    if let Some(name) = defined_or_implemented(inner) {
                        type_refs
                            .entry(name)
                            .or_default()
                            .extend(mentioned(inner, &type_names));
                    }
                }
            }
            _ => {}
        }
    }

    // Every domain that reaches each type, through any number of fields.
    let mut reached: HashMap<String, BTreeSet<String>> = HashMap::new();
    for (op, builder) in &builders {
        let Some(domain) = domains.get(op) else {
            continue;
        };
        let mut stack: Vec<String> = builder_refs
            .get(builder)
            .into_iter()
            .flatten()
            .cloned()
            .collect();
        while let Some(ty) = stack.pop() {
            if reached
                .entry(ty.clone())
                .or_default()
                .insert(domain.clone())
            {
                stack.extend(type_refs.get(&ty).into_iter().flatten().cloned());
            }
        }
    }
    let always = |set: &BTreeSet<String>| set.iter().any(|d| ALWAYS_COMPILED.contains(&d.as_str()));
    // A gate is a conjunction of "any of these features": one clause for a type operations
    // reach, more for a type no operation reaches that names gated ones (it compiles only
    // when all of those do).
    let mut type_gate: HashMap<String, Gate> = reached
        .iter()
        .filter(|(_, set)| !always(set))
        .map(|(ty, set)| (ty.clone(), Gate::from([set.clone()])))
        .collect();
    let unreached: Vec<&String> = type_names
        .iter()
        .filter(|t| !reached.contains_key(*t))
        .collect();
    loop {
        let mut changed = false;
        for ty in &unreached {
            let mut gate: Gate = type_gate.get(*ty).cloned().unwrap_or_default();
            for named in type_refs.get(*ty).into_iter().flatten() {
                if let Some(clauses) = type_gate.get(named) {
                    gate.extend(clauses.iter().cloned());
                }
            }
            if !gate.is_empty() && type_gate.get(*ty) != Some(&gate) {
                type_gate.insert((*ty).clone(), gate);
                changed = true;
            }
        }
        if !changed {
            break;
        }
    }
    let op_gate: HashMap<String, String> = builders
        .iter()
        .filter_map(|(op, builder)| {
            let domain = domains.get(op)?;
            (!ALWAYS_COMPILED.contains(&domain.as_str())).then(|| (builder.clone(), domain.clone()))
        })
        .collect();

    let mut gated = 0;
    for item in &mut file.items {
        match item {
            Item::Impl(imp) if self_name(imp).as_deref() == Some("Client") => {
                for it in &mut imp.items {
                    if let ImplItem::Fn(f) = it
                        && let Some(builder) = builder_returned(&f.sig.output)
                        && let Some(domain) = op_gate.get(&builder)
                    {
                        f.attrs.push(cfg_of(&one(domain)));
                        gated += 1;
                    }
                }
            }
            Item::Mod(m) if m.ident == "builder" => {
                for inner in module_items_mut(m) {
                    if let Some(domain) =
                        defined_or_implemented(inner).and_then(|name| op_gate.get(&name))
                    {
                        attrs_mut(inner).push(cfg_of(&one(domain)));
                        gated += 1;
                    }
                }
            }
            Item::Mod(m) if m.ident == "types" => {
                gated += gate_types(m, &type_gate, &type_names);
            }
            _ => {}
        }
    }
    gated
}

/// Gates the items of `types` (and its `builder` and `defaults` modules): a type by its own
/// domains; an impl or a function by those of every gated type it names.
fn gate_types(
    m: &mut syn::ItemMod,
    type_gate: &HashMap<String, Gate>,
    type_names: &BTreeSet<String>,
) -> usize {
    let mut gated = 0;
    for inner in module_items_mut(m) {
        if let Item::Mod(sub) = inner {
            if sub.ident == "builder" || sub.ident == "defaults" {
                gated += gate_types(sub, type_gate, type_names);
            }
            continue;
        }
        let named: BTreeSet<String> = match &*inner {
            Item::Impl(imp) => {
                // The header: the type and the trait (`impl From<A> for B`).
                let mut header = TokenStream::new();
                imp.self_ty.to_tokens(&mut header);
                if let Some((path, _)) = &imp.trait_ {
                    path.to_tokens(&mut header);
                }
                idents(header)
                    .into_iter()
                    .filter(|i| type_names.contains(i))
                    .collect()
            }
            Item::Fn(_) => mentioned(inner, type_names),
            other => defined_or_implemented(other).into_iter().collect(),
        };
        let gate: Gate = named
            .iter()
            .filter_map(|n| type_gate.get(n))
            .flatten()
            .cloned()
            .collect();
        if gate.is_empty() {
            continue;
        }
        attrs_mut(inner).push(cfg_of(&gate));
        gated += 1;
    }
    gated
}

fn any_tokens<'a>(domains: impl Iterator<Item = &'a String>) -> TokenStream {
    let features: Vec<TokenStream> = domains
        .map(|d| {
            let lit = syn::LitStr::new(d, proc_macro2::Span::call_site());
            quote::quote!(feature = #lit)
        })
        .collect();
    quote::quote!(any(#(#features),*))
}

/// A conjunction of clauses, each "any of these features".
type Gate = BTreeSet<BTreeSet<String>>;

fn one(domain: &str) -> Gate {
    Gate::from([BTreeSet::from([domain.to_string()])])
}

fn cfg_of(gate: &Gate) -> syn::Attribute {
    let clauses: Vec<TokenStream> = gate.iter().map(|c| any_tokens(c.iter())).collect();
    match clauses.as_slice() {
        [only] => syn::parse_quote!(#[cfg(#only)]),
        _ => syn::parse_quote!(#[cfg(all(#(#clauses),*))]),
    }
}

/// Names of the structs, enums and aliases of `types` (and of `builder`, which mirrors it).
fn type_names(items: &[Item]) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for item in items {
        if let Item::Mod(m) = item
            && m.ident == "types"
        {
            for inner in module_items(m) {
                if let Item::Struct(_) | Item::Enum(_) | Item::Type(_) = inner
                    && let Some(name) = defined_or_implemented(inner)
                {
                    out.insert(name);
                }
            }
        }
    }
    out
}

fn module_items(m: &syn::ItemMod) -> impl Iterator<Item = &Item> {
    m.content.iter().flat_map(|(_, items)| items.iter())
}

fn module_items_mut(m: &mut syn::ItemMod) -> impl Iterator<Item = &mut Item> {
    m.content.iter_mut().flat_map(|(_, items)| items.iter_mut())
}

/// The type an item defines, or the type an `impl` is for.
fn defined_or_implemented(item: &Item) -> Option<String> {
    match item {
        Item::Struct(s) => Some(s.ident.to_string()),
        Item::Enum(e) => Some(e.ident.to_string()),
        Item::Type(t) => Some(t.ident.to_string()),
        Item::Impl(imp) => self_name(imp),
        _ => None,
    }
}

fn self_name(imp: &syn::ItemImpl) -> Option<String> {
    match &*imp.self_ty {
        syn::Type::Path(p) => p.path.segments.last().map(|s| s.ident.to_string()),
        _ => None,
    }
}

/// `-> builder::GetMe<'_>` → `GetMe`.
fn builder_returned(output: &syn::ReturnType) -> Option<String> {
    let syn::ReturnType::Type(_, ty) = output else {
        return None;
    };
    let syn::Type::Path(p) = &**ty else {
        return None;
    };
    let segments: Vec<_> = p.path.segments.iter().collect();
    match segments.as_slice() {
        [first, last] if first.ident == "builder" => Some(last.ident.to_string()),
        _ => None,
    }
}

/// The type names an item's tokens mention.
fn mentioned(item: &Item, type_names: &BTreeSet<String>) -> BTreeSet<String> {
    idents(item.to_token_stream())
        .into_iter()
        .filter(|i| type_names.contains(i))
        .collect()
}

fn idents(tokens: TokenStream) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut stack = vec![tokens];
    while let Some(ts) = stack.pop() {
        for tt in ts {
            match tt {
                TokenTree::Ident(i) => {
                    out.insert(i.to_string());
                }
                TokenTree::Group(g) => stack.push(g.stream()),
                _ => {}
            }
        }
    }
    out
}

fn attrs_mut(item: &mut Item) -> &mut Vec<syn::Attribute> {
    match item {
        Item::Struct(s) => &mut s.attrs,
        Item::Enum(e) => &mut e.attrs,
        Item::Type(t) => &mut t.attrs,
        Item::Impl(i) => &mut i.attrs,
        Item::Fn(f) => &mut f.attrs,
        Item::Mod(m) => &mut m.attrs,
        Item::Use(u) => &mut u.attrs,
        Item::Const(c) => &mut c.attrs,
        Item::Static(s) => &mut s.attrs,
        Item::Trait(t) => &mut t.attrs,
        // progenitor emits nothing else at these places; an attribute there would be lost.
        _ => unreachable!("progenitor emitted an item kind features.rs does not gate"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_manifest_must_declare_every_gated_domain_and_full_them_all() {
        let gated: BTreeSet<String> = ["webhooks".to_string(), "managers".to_string()].into();
        let good = "[package]\nname = \"x\"\n[features]\ndefault = [\"webhooks\"]\nfull = [\"webhooks\", \"managers\"]\nwebhooks = []\nmanagers = []\n";
        assert_eq!(check_manifest(good, &gated), Ok(()));
        let bad = "[features]\nfull = [\"webhooks\"]\nwebhooks = []\n";
        let e = check_manifest(bad, &gated).unwrap_err();
        assert!(
            e.contains("[\"managers\"] missing") && e.contains("[\"managers\"] not in it"),
            "{e}"
        );
    }

    #[test]
    fn an_operation_and_the_types_only_it_reaches_are_gated_shared_ones_are_not() {
        let mut file: syn::File = syn::parse_str(
            r#"
            pub mod types {
                pub struct Draft { pub part: DraftPart, pub shared: Shared }
                pub struct DraftPart { pub x: String }
                pub struct Shared { pub y: String }
                pub struct Me { pub shared: Shared }
                impl From<DraftPart> for Draft { fn from(p: DraftPart) -> Self { todo!() } }
                impl Me { pub fn builder() {} }
                pub mod builder {
                    pub struct Draft { part: Result<super::DraftPart, String> }
                }
            }
            impl Client {
                pub fn get_me(&self) -> builder::GetMe<'_> { todo!() }
                pub fn get_draft(&self) -> builder::GetDraft<'_> { todo!() }
            }
            pub mod builder {
                pub struct GetMe<'a> { c: &'a Client }
                impl<'a> GetMe<'a> { pub async fn send(self) -> Result<ResponseValue<types::Me>, ()> { todo!() } }
                pub struct GetDraft<'a> { c: &'a Client }
                impl<'a> GetDraft<'a> { pub async fn send(self) -> Result<ResponseValue<types::Draft>, ()> { todo!() } }
            }
            "#,
        )
        .unwrap();
        let domains: BTreeMap<String, String> = [("get_me", "me"), ("get_draft", "vacancy_drafts")]
            .into_iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect();
        let gated = gate(&mut file, &domains);
        let code = prettyplease::unparse(&file);
        let cfg = "#[cfg(any(feature = \"vacancy_drafts\"))]";
        // Draft, DraftPart, their From impl, the builder-mod Draft, the client method, the
        // operation's builder struct and impl.
        assert_eq!(gated, 7, "{code}");
        for gated_item in [
            "pub struct Draft {",
            "pub struct DraftPart {",
            "impl From<DraftPart> for Draft",
            "pub fn get_draft(&self)",
            "pub struct GetDraft<'a>",
        ] {
            let at = code
                .find(gated_item)
                .unwrap_or_else(|| panic!("{gated_item}\n{code}"));
            let before = code[..at].trim_end();
            assert!(before.ends_with(cfg), "{gated_item} is not gated:\n{code}");
        }
        for open in [
            "pub struct Shared {",
            "pub struct Me {",
            "pub fn get_me(&self)",
        ] {
            let at = code.find(open).unwrap();
            assert!(
                !code[..at].trim_end().ends_with(cfg),
                "{open} is gated:\n{code}"
            );
        }
    }
}
