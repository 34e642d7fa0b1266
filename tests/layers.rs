//! The kiosk's layers point one way, read from the source itself: every `crate::…` and
//! `super::…` path in `src/` (comments and test modules left out) is an edge from the file
//! that names it to the module it names. Then:
//! - the core (the files at the top of `src/`, and `bridge/`) names neither `ui` nor `scenes`;
//! - `ui` never names `scenes`;
//! - no module reaches itself again through others (no import cycle).

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// Module path (`session`, `ui::theme`, `scenes::gallery`) → source text.
fn modules() -> BTreeMap<String, String> {
    fn walk(dir: &Path, root: &Path, out: &mut BTreeMap<String, String>) {
        for entry in std::fs::read_dir(dir).unwrap().flatten() {
            let path = entry.path();
            if path.is_dir() {
                walk(&path, root, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let rel = path.strip_prefix(root).unwrap().with_extension("");
                let mut parts: Vec<String> = rel
                    .components()
                    .map(|c| c.as_os_str().to_string_lossy().into_owned())
                    .collect();
                if parts.last().is_some_and(|p| p == "mod") {
                    parts.pop();
                }
                let name = parts.join("::");
                if name != "lib" && name != "main" {
                    out.insert(name, std::fs::read_to_string(&path).unwrap());
                }
            }
        }
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut out = BTreeMap::new();
    walk(&root, &root, &mut out);
    out
}

/// The code without comments and without its `#[cfg(test)] mod tests` (tests may reach
/// anywhere).
fn code(source: &str) -> String {
    let source = source
        .split("#[cfg(test)]\nmod tests")
        .next()
        .unwrap_or_default()
        .split("#[cfg(test)]\npub(crate) mod tests")
        .next()
        .unwrap_or_default();
    source
        .lines()
        .map(|l| l.split("//").next().unwrap_or_default())
        .collect::<Vec<_>>()
        .join("\n")
}

/// The paths after each `prefix` in `code` (`crate::ui::theme::PRIMARY` → `ui::theme::PRIMARY`),
/// with the names inside `{…}` groups each a path of their own.
fn paths_after(code: &str, prefix: &str) -> Vec<String> {
    let mut out = Vec::new();
    for (at, _) in code.match_indices(prefix) {
        if code[..at]
            .chars()
            .next_back()
            .is_some_and(|c| c.is_alphanumeric() || c == '_' || c == ':')
        {
            continue;
        }
        let rest = &code[at + prefix.len()..];
        if let Some(group) = rest.strip_prefix('{') {
            let inner = group.split('}').next().unwrap_or_default();
            out.extend(
                inner
                    .split(',')
                    .map(|s| s.trim().to_owned())
                    .filter(|s| !s.is_empty()),
            );
        } else {
            let path: String = rest
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_' || *c == ':')
                .collect();
            out.push(path.trim_end_matches(':').to_owned());
        }
    }
    out
}

/// The longest known module that `path` lies in.
fn module_of(path: &str, known: &BTreeMap<String, String>) -> Option<String> {
    let parts: Vec<&str> = path.split("::").collect();
    (1..=parts.len())
        .rev()
        .map(|n| parts[..n].join("::"))
        .find(|m| known.contains_key(m))
}

fn edges() -> BTreeMap<String, BTreeSet<String>> {
    let mods = modules();
    let mut edges = BTreeMap::new();
    for (name, source) in &mods {
        let code = code(source);
        let parent = name.rsplit_once("::").map(|(p, _)| p.to_owned());
        let mut to = BTreeSet::new();
        for path in paths_after(&code, "crate::") {
            to.extend(module_of(&path, &mods));
        }
        for path in paths_after(&code, "super::") {
            let full = match &parent {
                Some(p) => format!("{p}::{path}"),
                None => path,
            };
            to.extend(module_of(&full, &mods));
        }
        // A module naming its own items, or its parent's (a `mod.rs` that declares it).
        to.retain(|t| t != name && !name.starts_with(&format!("{t}::")));
        edges.insert(name.clone(), to);
    }
    edges
}

fn layer(module: &str) -> &str {
    match module.split("::").next().unwrap_or_default() {
        "ui" => "ui",
        "scenes" => "scenes",
        // The screenshot tool drives the scenes from above, as the app does.
        "screenshot" => "tool",
        _ => "core",
    }
}

#[test]
fn the_core_never_names_the_drawing_and_ui_never_names_a_scene() {
    let mut wrong = Vec::new();
    for (from, to) in edges() {
        for t in to {
            let allowed = !matches!(
                (layer(&from), layer(&t)),
                ("core", "ui" | "scenes" | "tool") | ("ui", "scenes" | "tool") | ("scenes", "tool")
            );
            if !allowed {
                wrong.push(format!("{from} → {t}"));
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "layers pointing up:\n{}",
        wrong.join("\n")
    );
}

#[test]
fn no_module_reaches_itself_through_others() {
    let edges = edges();
    // Tarjan's strongly connected components: any with two or more modules is a cycle.
    struct Walk<'a> {
        edges: &'a BTreeMap<String, BTreeSet<String>>,
        index: BTreeMap<&'a str, usize>,
        low: BTreeMap<&'a str, usize>,
        stack: Vec<&'a str>,
        cycles: Vec<Vec<&'a str>>,
    }
    fn visit<'a>(w: &mut Walk<'a>, v: &'a str) {
        let i = w.index.len();
        w.index.insert(v, i);
        w.low.insert(v, i);
        w.stack.push(v);
        for t in &w.edges[v] {
            let t = t.as_str();
            if !w.index.contains_key(t) {
                visit(w, t);
                let low = w.low[v].min(w.low[t]);
                w.low.insert(v, low);
            } else if w.stack.contains(&t) {
                let low = w.low[v].min(w.index[t]);
                w.low.insert(v, low);
            }
        }
        if w.low[v] == w.index[v] {
            let at = w.stack.iter().rposition(|m| *m == v).unwrap();
            let component = w.stack.split_off(at);
            if component.len() > 1 {
                w.cycles.push(component);
            }
        }
    }
    let mut w = Walk {
        edges: &edges,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        cycles: Vec::new(),
    };
    for v in edges.keys() {
        if !w.index.contains_key(v.as_str()) {
            visit(&mut w, v);
        }
    }
    println!(
        "layers: {} modules, {} edges, {} cycles",
        edges.len(),
        edges.values().map(BTreeSet::len).sum::<usize>(),
        w.cycles.len()
    );
    assert!(w.cycles.is_empty(), "import cycles: {:?}", w.cycles);
}

/// The reading above must see edges at all: a parser that found none would pass both tests.
#[test]
fn the_reading_finds_the_known_edges() {
    let edges = edges();
    assert!(
        edges["session"].contains("bridge"),
        "{:?}",
        edges["session"]
    );
    assert!(edges["scenes::gallery"].contains("ui::redraw"));
    assert!(edges["ui::widgets"].contains("ui::theme"));
    assert!(edges["scenes::payment"].contains("payment"));
}
