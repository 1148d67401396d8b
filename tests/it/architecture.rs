//! The structure the code keeps, read from the sources: the modules of `src/` import each other
//! without a cycle; the messenger library stays in the Telegram adapter and SQL in the store; the
//! adapter reaches the core only through the bot and delivery; the policy and the forms know no
//! channel; in the bot core only the effects open transactions; no file grows past 500 lines.
//!
//! A module is a top-level module of the crate (`bot`, `store`, `telegram`…); an import is any
//! `crate::<module>` path in code (comments are left out), grouped imports included.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// The longest a source file may be.
const MAX_LINES: usize = 500;

/// A source file of the crate.
struct Source {
    /// Its path below `src/`.
    path: String,
    /// The top-level module it belongs to (`None` for `lib.rs` and `main.rs`).
    module: Option<String>,
    /// Its text without comments.
    code: String,
    /// How many lines it has.
    lines: usize,
}

fn sources() -> Vec<Source> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut found = Vec::new();
    let mut dirs = vec![root.clone()];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).expect("a source directory") {
            let path = entry.expect("an entry").path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|extension| extension == "rs") {
                let text = std::fs::read_to_string(&path).expect("a source file");
                let relative = path.strip_prefix(&root).expect("below src").to_string_lossy().replace('\\', "/");
                let first = relative.split('/').next().unwrap_or_default().trim_end_matches(".rs").to_owned();
                let module = (!matches!(first.as_str(), "lib" | "main")).then_some(first);
                found.push(Source {
                    path: relative,
                    module,
                    code: without_comments(&text),
                    lines: text.lines().count(),
                });
            }
        }
    }
    found.sort_by(|a, b| a.path.cmp(&b.path));
    found
}

/// `text` with `//` comments (doc comments included) cut off each line.
fn without_comments(text: &str) -> String {
    text.lines().map(|line| line.split("//").next().unwrap_or_default()).collect::<Vec<_>>().join("\n")
}

/// The top-level modules `code` names after `crate::`, grouped imports (`crate::{a, b::c}`) too.
fn imports(code: &str) -> BTreeSet<String> {
    let mut modules = BTreeSet::new();
    for (at, _) in code.match_indices("crate::") {
        let rest = &code[at + "crate::".len()..];
        match rest.strip_prefix('{') {
            Some(group) => {
                let mut depth = 0;
                let mut item_start = true;
                for (index, c) in group.char_indices() {
                    match c {
                        '{' => depth += 1,
                        '}' if depth == 0 => break,
                        '}' => depth -= 1,
                        ',' if depth == 0 => item_start = true,
                        c if c.is_whitespace() => {}
                        _ if item_start => {
                            modules.extend(identifier(&group[index..]));
                            item_start = false;
                        }
                        _ => {}
                    }
                }
            }
            None => modules.extend(identifier(rest)),
        }
    }
    modules
}

fn identifier(text: &str) -> Option<String> {
    let end = text.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).unwrap_or(text.len());
    (end > 0).then(|| text[..end].to_owned())
}

/// Which modules each module imports.
fn graph(sources: &[Source]) -> BTreeMap<String, BTreeSet<String>> {
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for source in sources {
        let Some(module) = &source.module else { continue };
        let edges = graph.entry(module.clone()).or_default();
        edges.extend(imports(&source.code).into_iter().filter(|target| target != module));
    }
    graph
}

/// A cycle of the graph, as the modules on it with the first repeated at the end; `None` if there
/// is none.
fn cycle(graph: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    fn visit(
        module: &str,
        graph: &BTreeMap<String, BTreeSet<String>>,
        path: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(start) = path.iter().position(|on_path| on_path == module) {
            let mut cycle = path[start..].to_vec();
            cycle.push(module.to_owned());
            return Some(cycle);
        }
        if done.contains(module) {
            return None;
        }
        path.push(module.to_owned());
        for target in graph.get(module).into_iter().flatten() {
            if let Some(cycle) = visit(target, graph, path, done) {
                return Some(cycle);
            }
        }
        path.pop();
        done.insert(module.to_owned());
        None
    }
    let mut done = BTreeSet::new();
    graph.keys().find_map(|module| visit(module, graph, &mut Vec::new(), &mut done))
}

/// The files outside `allowed` (a path prefix below `src/`) whose code names `word`.
fn outside(sources: &[Source], word: &str, allowed: &str) -> Vec<String> {
    sources
        .iter()
        .filter(|source| !source.path.starts_with(allowed) && source.code.contains(word))
        .map(|source| source.path.clone())
        .collect()
}

#[test]
fn the_modules_of_src_import_each_other_without_a_cycle() {
    let graph = graph(&sources());
    assert!(graph.len() > 10, "the sources were not found: {graph:?}");
    if let Some(cycle) = cycle(&graph) {
        panic!("import cycle: {}", cycle.join(" → "));
    }
}

#[test]
fn the_messenger_library_is_used_only_in_the_telegram_adapter() {
    assert_eq!(outside(&sources(), "teloxide", "telegram/"), Vec::<String>::new());
}

#[test]
fn sql_and_its_types_stay_in_the_store() {
    assert_eq!(outside(&sources(), "sqlx", "store/"), Vec::<String>::new());
}

#[test]
fn the_telegram_adapter_reaches_the_core_only_through_the_bot_and_delivery() {
    let graph = graph(&sources());
    let reached: Vec<&String> =
        graph["telegram"].iter().filter(|module| ["store", "dialog", "app"].contains(&module.as_str())).collect();
    assert!(reached.is_empty(), "telegram imports {reached:?}");
}

#[test]
fn the_web_reaches_the_core_through_the_bot_and_not_the_app() {
    // The app lists the channels' profiles, the web chat's among them: the web below the app.
    let graph = graph(&sources());
    let reached: Vec<&String> =
        graph["web"].iter().filter(|module| ["app", "cli", "telegram"].contains(&module.as_str())).collect();
    assert!(reached.is_empty(), "web imports {reached:?}");
}

#[test]
fn the_policy_and_the_forms_know_no_channel_and_no_database() {
    let graph = graph(&sources());
    let outer = ["app", "bot", "chat", "cli", "delivery", "notify", "staff", "store", "telegram", "web"];
    for module in ["policy", "dialog", "messages"] {
        let reached: Vec<&String> = graph[module].iter().filter(|target| outer.contains(&target.as_str())).collect();
        assert!(reached.is_empty(), "{module} imports {reached:?}");
    }
}

#[test]
fn in_the_bot_core_only_the_effects_open_transactions() {
    let opening: Vec<String> = sources()
        .into_iter()
        .filter(|source| source.path.starts_with("bot/") && source.code.contains(".begin()"))
        .map(|source| source.path)
        .collect();
    assert_eq!(opening, ["bot/effects.rs"]);
}

#[test]
fn no_source_file_is_longer_than_500_lines() {
    let long: Vec<String> = sources()
        .into_iter()
        .filter(|source| source.lines > MAX_LINES)
        .map(|source| format!("{} ({} lines)", source.path, source.lines))
        .collect();
    assert!(long.is_empty(), "split these along their seams: {long:?}");
}

/// The checks above would pass on nothing: the reading of imports and the cycle search are tested
/// on code where the answer is known.
#[test]
fn imports_are_read_from_paths_and_groups_and_a_cycle_is_found() {
    let code = "use crate::bot::{self, Sender};\nuse crate::{chat, telegram::{PROFILE}};\nlet x = crate::clock::now();";
    assert_eq!(imports(code), BTreeSet::from(["bot", "chat", "clock", "telegram"].map(str::to_owned)));
    assert_eq!(imports(&without_comments("// see crate::store\nlet a = 1;")), BTreeSet::new());
    let edges = |pairs: &[(&str, &str)]| {
        let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for (from, to) in pairs {
            graph.entry((*from).to_owned()).or_default().insert((*to).to_owned());
        }
        graph
    };
    assert_eq!(cycle(&edges(&[("a", "b"), ("b", "c"), ("a", "c")])), None);
    assert_eq!(
        cycle(&edges(&[("a", "b"), ("b", "c"), ("c", "a")])),
        Some(["a", "b", "c", "a"].map(str::to_owned).to_vec())
    );
}
