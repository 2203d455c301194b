//! The server's layers, checked from its sources: route → domain → store, no module reaching
//! back up, and no import cycle between the top-level modules. A change that ties two parts
//! together that should not know each other fails here, not in review.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Every `.rs` file under `dir`.
fn sources(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut todo = vec![dir.to_path_buf()];
    while let Some(d) = todo.pop() {
        for entry in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                todo.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}

/// The code of a file without its tests and comments.
fn code(path: &Path) -> String {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let text = text.split("#[cfg(test)]").next().unwrap_or_default();
    text.lines()
        .filter(|l| !l.trim_start().starts_with("//"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The top-level modules a piece of code names through `crate::` (`crate::db::Store`,
/// `crate::{demo, routes}`).
fn named_modules(code: &str) -> BTreeSet<String> {
    let ident = |s: &str| {
        s.trim()
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect::<String>()
    };
    let mut out = BTreeSet::new();
    for (i, _) in code.match_indices("crate::") {
        let rest = &code[i + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            let group = group.split('}').next().unwrap_or_default();
            out.extend(group.split(',').map(ident).filter(|m| !m.is_empty()));
        } else {
            out.insert(ident(rest));
        }
    }
    out
}

/// Top-level module → the top-level modules it names.
fn graph(src: &Path) -> BTreeMap<String, BTreeSet<String>> {
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for file in sources(src) {
        let relative = file.strip_prefix(src).unwrap_or(&file);
        let top = relative
            .components()
            .next()
            .and_then(|c| c.as_os_str().to_str())
            .unwrap_or_default()
            .trim_end_matches(".rs")
            .to_owned();
        let names = named_modules(&code(&file));
        let entry = graph.entry(top.clone()).or_default();
        entry.extend(names.into_iter().filter(|m| *m != top));
    }
    graph
}

/// A cycle through `start`, if there is one.
fn cycle_from(graph: &BTreeMap<String, BTreeSet<String>>, start: &str) -> Option<Vec<String>> {
    let mut stack = vec![(start.to_owned(), vec![start.to_owned()])];
    let mut seen = BTreeSet::new();
    while let Some((at, path)) = stack.pop() {
        for next in graph.get(&at).into_iter().flatten() {
            if next == start {
                let mut cycle = path.clone();
                cycle.push(next.clone());
                return Some(cycle);
            }
            if graph.contains_key(next) && seen.insert(next.clone()) {
                let mut longer = path.clone();
                longer.push(next.clone());
                stack.push((next.clone(), longer));
            }
        }
    }
    None
}

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

#[test]
fn no_two_modules_of_the_server_import_each_other_even_through_others() {
    let graph = graph(&src());
    assert!(graph.len() > 15, "{graph:?}");
    for module in graph.keys() {
        if let Some(cycle) = cycle_from(&graph, module) {
            panic!("an import cycle: {}", cycle.join(" → "));
        }
    }
}

#[test]
fn the_store_knows_nothing_of_http_nor_of_what_calls_it() {
    let forbidden = [
        "routes", "domain", "state", "app", "auth", "mail", "response",
    ];
    for file in sources(&src().join("db")) {
        let code = code(&file);
        assert!(
            !code.contains("axum"),
            "{} uses axum: the store knows nothing of HTTP",
            file.display()
        );
        let named = named_modules(&code);
        for up in forbidden {
            assert!(
                !named.contains(up),
                "{} names crate::{up}: the store does not reach up",
                file.display()
            );
        }
    }
}

#[test]
fn the_domain_knows_nothing_of_http_and_reaches_sql_only_through_the_store() {
    let files = sources(&src().join("domain"));
    assert!(!files.is_empty(), "the domain layer is src/domain");
    for file in files {
        let code = code(&file);
        for word in [
            "axum",
            "sqlx",
            "rusqlite",
            "crate::routes",
            "crate::response",
        ] {
            assert!(
                !code.contains(word),
                "{} uses {word}: the domain speaks to the store, not to HTTP or SQL",
                file.display()
            );
        }
    }
}
