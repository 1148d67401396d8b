//! Licences: every crate the lock file can pull in has a licence the policy allows — permissive,
//! no copyleft except the reviewed exceptions below — and THIRD-PARTY.md lists them all with the
//! notices of the data shipped in the binary. Read from `cargo metadata`, so that no licence tool
//! has to be installed in CI; the build also uses only the teloxide features the code needs.

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;

use serde_json::Value;

/// Licences that ask only for their notice to be kept.
const PERMISSIVE: &[&str] = &[
    "0BSD",
    "Apache-2.0",
    "BSD-2-Clause",
    "BSD-3-Clause",
    "BSL-1.0",
    "CC0-1.0",
    "CDLA-Permissive-2.0",
    "ISC",
    "MIT",
    "MIT-0",
    "Unicode-3.0",
    "Unicode-DFS-2016",
    "Unlicense",
    "WTFPL",
    "Zlib",
    "zlib-acknowledgement",
];

/// Crates whose licence the policy cannot read from their manifest alone, reviewed one by one:
/// (crate, licence, why it is acceptable).
const REVIEWED: &[(&str, &str, &str)] = &[
    (
        "colored",
        "MPL-2.0",
        "required by teloxide's dptree; used unmodified, and MPL-2.0's copyleft covers only its own files, \
         whose source is on crates.io",
    ),
    (
        "webdriver",
        "MPL-2.0",
        "required by fantoccini, which only the browser tests use (never in the binary); unmodified, and \
         MPL-2.0's copyleft covers only its own files",
    ),
    ("vecrem", "WTFPL", "declares its (permissive) licence in a LICENSE file only"),
];

/// The file listing the third-party licences.
const LISTING: &str = "THIRD-PARTY.md";

fn metadata() -> Value {
    let output = Command::new(env!("CARGO"))
        .args(["metadata", "--format-version", "1", "--locked"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("cargo metadata runs");
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    serde_json::from_slice(&output.stdout).expect("cargo metadata prints JSON")
}

/// The third-party packages: (name, version, licence expression or "").
fn third_party(metadata: &Value) -> Vec<(String, String, String)> {
    let mut packages: Vec<(String, String, String)> = metadata["packages"]
        .as_array()
        .expect("packages")
        .iter()
        .filter(|package| !package["source"].is_null())
        .map(|package| {
            let field = |name: &str| package[name].as_str().unwrap_or_default().to_owned();
            (field("name"), field("version"), field("license"))
        })
        .collect();
    packages.sort();
    packages
}

/// Whether the SPDX `expression` (`MIT OR Apache-2.0`, `(MIT OR Apache-2.0) AND Unicode-3.0`,
/// `Apache-2.0 WITH LLVM-exception`, the old `MIT/Apache-2.0`) can be met with permissive
/// licences only.
fn permissive(expression: &str) -> bool {
    let spaced = expression.replace('(', " ( ").replace(')', " ) ").replace('/', " OR ");
    let tokens: Vec<&str> = spaced.split_whitespace().collect();
    let mut at = 0;
    let allowed = any_of(&tokens, &mut at);
    allowed == Some(true) && at == tokens.len()
}

/// `term (OR term)*`.
fn any_of(tokens: &[&str], at: &mut usize) -> Option<bool> {
    let mut allowed = all_of(tokens, at)?;
    while tokens.get(*at) == Some(&"OR") {
        *at += 1;
        allowed |= all_of(tokens, at)?;
    }
    Some(allowed)
}

/// `licence (AND licence)*`.
fn all_of(tokens: &[&str], at: &mut usize) -> Option<bool> {
    let mut allowed = licence(tokens, at)?;
    while tokens.get(*at) == Some(&"AND") {
        *at += 1;
        allowed &= licence(tokens, at)?;
    }
    Some(allowed)
}

/// `( expression )` or `id [WITH exception]`: an exception only adds permissions.
fn licence(tokens: &[&str], at: &mut usize) -> Option<bool> {
    let token = *tokens.get(*at)?;
    *at += 1;
    if token == "(" {
        let allowed = any_of(tokens, at)?;
        (tokens.get(*at) == Some(&")")).then(|| *at += 1)?;
        return Some(allowed);
    }
    if tokens.get(*at) == Some(&"WITH") {
        *at += 2;
    }
    Some(PERMISSIVE.contains(&token.trim_end_matches('+')))
}

/// The start of THIRD-PARTY.md: the policy, and the notices of the data built into the binary.
const HEADER: &str = "# Third-party licences

policybot is MIT-licensed (LICENSE). It is built from the crates below, each under the licence its
authors chose; `cargo test` (tests/it/licences.rs) refuses a crate whose licence is copyleft or
unknown unless it was reviewed there, and keeps this list in step with Cargo.lock
(`POLICYBOT_BLESS=1 cargo test --test it licences` rewrites it).

## Data built into the binary

- The jieba dictionary (`src/policy/jieba-common.dict.txt`, pruned from jieba-rs's copy):
  jieba, Copyright (c) 2013 Sun Junyi, and jieba-rs, Copyright (c) 2018 messense; MIT License.
- The OpenCC conversion dictionaries (through the ferrous-opencc crate): OpenCC, Copyright (c)
  2010-2020 Carbo Kuo (BYVoid) and contributors; Apache License 2.0.

## C libraries built into the binary

- jemalloc, the memory allocator (through the tikv-jemalloc-sys crate): Copyright (C) 2002-present
  Jason Evans, Facebook, Inc. and Mozilla Foundation; BSD 2-Clause License.

## Crates
";

/// THIRD-PARTY.md as it must read for `packages`.
fn listing(packages: &[(String, String, String)]) -> String {
    let mut text = format!("{HEADER}\n| crate | version | licence |\n|---|---|---|\n");
    for (name, version, licence) in packages {
        let licence = match REVIEWED.iter().find(|(reviewed, ..)| reviewed == name) {
            Some((_, reviewed, _)) if licence.is_empty() => format!("{reviewed} (in its LICENSE file)"),
            _ if licence.is_empty() => "unknown".to_owned(),
            _ => licence.clone(),
        };
        text.push_str(&format!("| {name} | {version} | {licence} |\n"));
    }
    text
}

#[test]
fn every_third_party_crate_has_a_permissive_licence_or_a_reviewed_one() {
    let packages = third_party(&metadata());
    assert!(packages.len() > 100, "the lock file's packages are listed: {}", packages.len());
    let refused: Vec<String> = packages
        .iter()
        .filter(|(name, _, licence)| {
            let reviewed = REVIEWED.iter().find(|(reviewed, ..)| reviewed == name);
            match reviewed {
                // A reviewed crate passes while it keeps the licence that was reviewed.
                Some((_, reviewed, _)) => !(licence.is_empty() || licence == reviewed || permissive(licence)),
                None => !permissive(licence),
            }
        })
        .map(|(name, version, licence)| format!("{name} {version}: {licence:?}"))
        .collect();
    assert!(
        refused.is_empty(),
        "copyleft or unknown licences (review them or find another crate):\n{}",
        refused.join("\n")
    );
}

#[test]
fn the_licence_policy_reads_spdx_expressions() {
    for allowed in [
        "MIT",
        "MIT OR Apache-2.0",
        "(MIT OR Apache-2.0) AND Unicode-3.0",
        "MIT/Apache-2.0",
        "Apache-2.0 WITH LLVM-exception",
    ] {
        assert!(permissive(allowed), "{allowed}");
    }
    for refused in
        ["GPL-3.0-only", "MIT AND GPL-2.0-or-later", "AGPL-3.0", "LGPL-2.1-or-later", "MPL-2.0", "", "(MIT", "MIT OR"]
    {
        assert!(!permissive(refused), "{refused}");
    }
    assert!(permissive("MIT OR Apache-2.0 OR LGPL-2.1-or-later"), "a permissive choice is enough");
}

#[test]
fn third_party_md_lists_every_crate_and_keeps_the_data_notices() {
    let packages = third_party(&metadata());
    let expected = listing(&packages);
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(LISTING);
    if std::env::var_os("POLICYBOT_BLESS").is_some() {
        std::fs::write(&path, &expected).expect("write THIRD-PARTY.md");
    }
    let listed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        listed == expected,
        "{LISTING} is out of date with Cargo.lock: run `POLICYBOT_BLESS=1 cargo test --test it licences` and commit it"
    );
    for notice in ["jieba", "Sun Junyi", "OpenCC", "Carbo Kuo"] {
        assert!(listed.contains(notice), "the data notice of {notice} is kept");
    }
}

#[test]
fn the_project_licence_is_the_mit_licence_cargo_declares() {
    let metadata = metadata();
    let ours: BTreeSet<&str> = metadata["packages"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|package| package["source"].is_null())
        .map(|package| package["license"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(ours, BTreeSet::from(["MIT"]));
    let licence = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("LICENSE")).unwrap_or_default();
    assert!(licence.starts_with("MIT License") && licence.contains("Permission is hereby granted"), "{licence}");
}

#[test]
fn teloxide_is_built_with_only_the_features_the_code_uses() {
    let metadata = metadata();
    let nodes = metadata["resolve"]["nodes"].as_array().unwrap();
    let teloxide = nodes.iter().find(|node| node["id"].as_str().unwrap_or_default().contains("#teloxide@")).unwrap();
    let features: BTreeSet<&str> = teloxide["features"].as_array().unwrap().iter().filter_map(Value::as_str).collect();
    for unused in ["ctrlc_handler", "webhooks-axum", "macros"] {
        assert!(!features.contains(unused), "teloxide is built with {unused}: {features:?}");
    }
    let packages = third_party(&metadata);
    assert!(!packages.iter().any(|(name, ..)| name == "teloxide-macros"), "no teloxide macros");
}
