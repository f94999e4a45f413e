//! The house rules that a compiler does not check (in the manner of rust-analyzer's `tidy`):
//! rooms stay small, every module has the same folders, the crate's top-level rooms import
//! each other in one direction only, and ARCHITECTURE.md names only paths that exist.
//!
//! The modules are read from the "Modules" table of ARCHITECTURE.md, so adding a row there is
//! what makes this test demand the new module's folders.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

/// No non-test source file may be longer than this.
const MAX_LINES: usize = 1_200;

/// The crates where every module has a folder.
const LAYERED_CRATES: &[&str] = &["ally-core", "ally-store", "ally-web"];

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn read(path: &Path) -> String {
    fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<_> = entries.filter_map(Result::ok).map(|e| e.path()).collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|e| e == "rs") {
            out.push(p);
        }
    }
}

/// A file under `src/` that holds only tests (`tests.rs`, `*_tests.rs`, or a `tests/` folder).
fn is_test_file(rel: &Path) -> bool {
    let name = rel.file_stem().and_then(|s| s.to_str()).unwrap_or("");
    name == "tests"
        || name.ends_with("_tests")
        || rel.components().any(|c| c.as_os_str() == "tests")
}

/// The lines of a file up to its inline unit tests (`#[cfg(test)]` at the start of a line,
/// followed by a `mod`).
fn code_lines(text: &str) -> Vec<&str> {
    let lines: Vec<&str> = text.lines().collect();
    let end = lines
        .windows(2)
        .position(|w| w[0].trim_start() == "#[cfg(test)]" && w[1].trim_start().starts_with("mod "))
        .unwrap_or(lines.len());
    lines[..end].to_vec()
}

fn crate_src_files() -> Vec<(String, PathBuf)> {
    let mut out = Vec::new();
    let crates = root().join("crates");
    let mut names: Vec<_> = fs::read_dir(&crates)
        .map(|d| {
            d.filter_map(Result::ok)
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    for name in names {
        let mut files = Vec::new();
        rust_files(&crates.join(&name).join("src"), &mut files);
        out.extend(files.into_iter().map(|f| (name.clone(), f)));
    }
    out
}

#[test]
fn no_source_file_is_too_long() {
    let mut long = Vec::new();
    for (krate, file) in crate_src_files() {
        let src = root().join("crates").join(&krate).join("src");
        let rel = file.strip_prefix(&src).unwrap_or(&file).to_path_buf();
        if is_test_file(&rel) {
            continue;
        }
        let n = code_lines(&read(&file)).len();
        if n > MAX_LINES {
            long.push(format!("crates/{krate}/src/{} ({n} lines)", rel.display()));
        }
    }
    assert!(
        long.is_empty(),
        "split these along their seams (at most {MAX_LINES} lines before the unit tests):\n{}",
        long.join("\n")
    );
}

/// The module names of ARCHITECTURE.md's "Modules" table (first column, in backticks).
fn modules() -> Vec<String> {
    let doc = read(&root().join("ARCHITECTURE.md"));
    let section = doc
        .split("\n## ")
        .find(|s| s.starts_with("Modules"))
        .unwrap_or_else(|| panic!("ARCHITECTURE.md has no \"## Modules\" section"));
    let names: Vec<String> = section
        .lines()
        .filter(|l| l.starts_with("| `"))
        .filter_map(|l| l.split('`').nth(1))
        .map(str::to_owned)
        .collect();
    assert!(names.len() >= 5, "the Modules table lists {names:?}");
    names
}

#[test]
fn every_module_has_its_folder_in_every_layer() {
    let mut missing = Vec::new();
    for module in modules() {
        for krate in LAYERED_CRATES {
            let src = root().join("crates").join(krate).join("src");
            if src.join(format!("{module}.rs")).exists() {
                missing.push(format!(
                    "crates/{krate}/src/{module}.rs should be a folder crates/{krate}/src/{module}/"
                ));
            }
            if !src.join(&module).join("mod.rs").exists() {
                missing.push(format!("crates/{krate}/src/{module}/mod.rs is missing"));
            }
        }
    }
    assert!(missing.is_empty(), "{}", missing.join("\n"));
}

/// `use foo::{a, b};` / `pub(crate) use foo::a;` lines of a crate root: the aliases they make
/// (`a` → `foo`), so that `crate::a::…` counts as a use of the room `foo`.
fn root_aliases(lib: &str) -> BTreeMap<String, String> {
    let mut aliases = BTreeMap::new();
    for line in lib.lines() {
        let l = line.trim();
        let Some(rest) = l
            .strip_prefix("pub use ")
            .or_else(|| l.strip_prefix("pub(crate) use "))
            .or_else(|| l.strip_prefix("use "))
        else {
            continue;
        };
        let rest = rest.trim_end_matches(';');
        let Some((head, tail)) = rest.split_once("::") else {
            continue;
        };
        if head == "crate" || head == "self" || head.starts_with("ally") || head == "std" {
            continue;
        }
        for item in tail.trim_matches(|c| c == '{' || c == '}').split(',') {
            let item = item.trim();
            let alias = item.rsplit(" as ").next().unwrap_or(item).trim();
            if !alias.is_empty() && alias != "*" {
                aliases.insert(alias.to_owned(), head.to_owned());
            }
        }
    }
    aliases
}

/// The top-level rooms of a crate (files and folders directly under `src/`, less the root) and
/// which other rooms each one names through `crate::…`, outside its unit tests.
fn room_graph(krate: &str) -> BTreeMap<String, BTreeSet<String>> {
    let src = root().join("crates").join(krate).join("src");
    let root_file = ["lib.rs", "main.rs"]
        .iter()
        .map(|f| src.join(f))
        .find(|p| p.exists());
    let aliases = root_file
        .as_deref()
        .map(|p| root_aliases(&read(p)))
        .unwrap_or_default();
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for file in files {
        let rel = file.strip_prefix(&src).unwrap_or(&file);
        if Some(&file) == root_file.as_ref() || is_test_file(rel) {
            continue;
        }
        let first = rel
            .components()
            .next()
            .map(|c| {
                c.as_os_str()
                    .to_string_lossy()
                    .trim_end_matches(".rs")
                    .to_owned()
            })
            .unwrap_or_default();
        let text = read(&file);
        let edges = graph.entry(first.clone()).or_default();
        for line in code_lines(&text) {
            for (i, _) in line.match_indices("crate::") {
                // `ally_core::` and the like are other crates, not this one.
                let before = line[..i].chars().last();
                if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
                    continue;
                }
                let name: String = line[i + 7..]
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_')
                    .collect();
                let target = aliases.get(&name).cloned().unwrap_or(name);
                let is_room =
                    src.join(format!("{target}.rs")).exists() || src.join(&target).is_dir();
                if is_room && target != first {
                    edges.insert(target);
                }
            }
        }
    }
    graph
}

fn find_cycle(graph: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    fn visit(
        node: &str,
        graph: &BTreeMap<String, BTreeSet<String>>,
        state: &mut BTreeMap<String, u8>,
        stack: &mut Vec<String>,
    ) -> Option<Vec<String>> {
        state.insert(node.to_owned(), 1);
        stack.push(node.to_owned());
        for next in graph.get(node).into_iter().flatten() {
            match state.get(next.as_str()).copied().unwrap_or(0) {
                1 => {
                    let start = stack.iter().position(|n| n == next).unwrap_or(0);
                    let mut cycle = stack[start..].to_vec();
                    cycle.push(next.clone());
                    return Some(cycle);
                }
                0 => {
                    if let Some(c) = visit(next, graph, state, stack) {
                        return Some(c);
                    }
                }
                _ => {}
            }
        }
        stack.pop();
        state.insert(node.to_owned(), 2);
        None
    }
    let mut state = BTreeMap::new();
    for node in graph.keys() {
        if state.get(node.as_str()).copied().unwrap_or(0) == 0 {
            let mut stack = Vec::new();
            if let Some(c) = visit(node, graph, &mut state, &mut stack) {
                return Some(c);
            }
        }
    }
    None
}

#[test]
fn top_level_rooms_import_each_other_one_way() {
    let mut loops = Vec::new();
    for krate in [
        "ally-core",
        "ally-store",
        "ally-web",
        "ally",
        "ally-linkage",
        "ally-forms",
    ] {
        if let Some(cycle) = find_cycle(&room_graph(krate)) {
            loops.push(format!("{krate}: {}", cycle.join(" -> ")));
        }
    }
    assert!(
        loops.is_empty(),
        "import loops between top-level modules:\n{}",
        loops.join("\n")
    );
}

/// A file's module path inside its crate (`src/a/b.rs` and `src/a/b/mod.rs` are `a::b`; the
/// crate root is empty).
fn module_path(src: &Path, file: &Path) -> Vec<String> {
    let rel = file.strip_prefix(src).unwrap_or(file).with_extension("");
    let mut parts: Vec<String> = rel
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    if parts
        .last()
        .is_some_and(|p| p == "mod" || p == "lib" || p == "main")
    {
        parts.pop();
    }
    parts
}

/// The paths a file names through `crate::`, `super::` and `self::` (braced groups expanded),
/// outside comments and its unit tests.
fn named_module_paths(text: &str) -> Vec<(String, Vec<String>)> {
    let lines: Vec<&str> = text.lines().collect();
    // Unit tests start at `#[cfg(test)]`, possibly with more attributes, then `mod`.
    let end = (0..lines.len())
        .find(|&i| {
            lines[i].trim_start() == "#[cfg(test)]"
                && lines[i + 1..]
                    .iter()
                    .find(|l| !l.trim_start().starts_with("#["))
                    .is_some_and(|l| l.trim_start().starts_with("mod "))
        })
        .unwrap_or(lines.len());
    let code: Vec<&str> = lines[..end]
        .iter()
        .copied()
        .filter(|l| !l.trim_start().starts_with("//"))
        .collect();
    let code = code.join("\n");
    let mut out = Vec::new();
    for head in ["crate", "super", "self"] {
        for (i, _) in code.match_indices(&format!("{head}::")) {
            if code[..i]
                .chars()
                .last()
                .is_some_and(|c| c.is_alphanumeric() || c == '_' || c == ':')
            {
                continue;
            }
            let rest = &code[i + head.len() + 2..];
            let path: String = rest
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_' || *c == ':')
                .collect();
            let mut parts: Vec<String> = path
                .split("::")
                .filter(|p| !p.is_empty())
                .map(str::to_owned)
                .collect();
            let after = &rest[path.len()..];
            if after.starts_with('{') || path.ends_with("::") && after.starts_with('{') {
                let group = after[1..].split('}').next().unwrap_or("");
                for item in group.split(',') {
                    let item = item.trim().split(" as ").next().unwrap_or("").trim();
                    if !item.is_empty() && item != "self" {
                        let mut p = parts.clone();
                        p.extend(item.split("::").map(str::to_owned));
                        out.push((head.to_owned(), p));
                    }
                }
            } else {
                if parts.is_empty() {
                    parts.push(String::new());
                }
                out.push((head.to_owned(), parts));
            }
        }
    }
    out
}

/// Which files of a crate name which other files (the crate root excluded: it declares and
/// re-exports, it is not a room).
fn file_graph(krate: &str) -> BTreeMap<String, BTreeSet<String>> {
    let src = root().join("crates").join(krate).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let modules: BTreeMap<Vec<String>, PathBuf> = files
        .iter()
        .map(|f| (module_path(&src, f), f.clone()))
        .collect();
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for file in &files {
        let rel = file.strip_prefix(&src).unwrap_or(file);
        let me = module_path(&src, file);
        if me.is_empty() || is_test_file(rel) {
            continue;
        }
        let edges = graph.entry(me.join("::")).or_default();
        for (head, parts) in named_module_paths(&read(file)) {
            // `super` of `a/b.rs` and of `a/b/mod.rs` are both `a`.
            let mut path: Vec<String> = match head.as_str() {
                "crate" => Vec::new(),
                "self" => me.clone(),
                _ => me[..me.len().saturating_sub(1)].to_vec(),
            };
            let mut parts = parts.as_slice();
            while parts.first().is_some_and(|p| p == "super") {
                path.pop();
                parts = &parts[1..];
            }
            path.extend(parts.iter().filter(|p| !p.is_empty()).cloned());
            let target = (0..=path.len())
                .rev()
                .map(|n| path[..n].to_vec())
                .find(|p| modules.contains_key(p))
                .unwrap_or_default();
            if !target.is_empty() && target != me {
                edges.insert(target.join("::"));
            }
        }
    }
    graph
}

#[test]
fn no_two_files_import_each_other() {
    let mut loops = Vec::new();
    for krate in [
        "ally-core",
        "ally-store",
        "ally-web",
        "ally",
        "ally-linkage",
        "ally-forms",
    ] {
        if let Some(cycle) = find_cycle(&file_graph(krate)) {
            loops.push(format!("{krate}: {}", cycle.join(" -> ")));
        }
    }
    assert!(
        loops.is_empty(),
        "files that import each other (move what both need into a file of its own):\n{}",
        loops.join("\n")
    );
}

#[test]
fn the_loop_finder_finds_loops() {
    let mut g: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    g.entry("a".into()).or_default().insert("b".into());
    g.entry("b".into()).or_default().insert("c".into());
    assert_eq!(find_cycle(&g), None);
    g.entry("c".into()).or_default().insert("a".into());
    assert_eq!(
        find_cycle(&g),
        Some(vec!["a".into(), "b".into(), "c".into(), "a".into()])
    );
}

/// Backticked words of ARCHITECTURE.md that are repository paths: they start with `crates/`,
/// `docs/`, `bench/`, `data/` or `.ci/`, or name a top-level file, and hold no placeholder.
fn named_paths(doc: &str) -> Vec<String> {
    let mut out = Vec::new();
    for (i, part) in doc.split('`').enumerate() {
        if i % 2 == 0 {
            continue;
        }
        let looks_like_path = ["crates/", "docs/", "bench/", "data/", ".ci/"]
            .iter()
            .any(|p| part.starts_with(p))
            || ["README.md", "Cargo.toml", "deny.toml"].contains(&part);
        let placeholder = part.contains(['<', '{', '*', ' ']);
        if looks_like_path && !placeholder {
            out.push(part.trim_end_matches(['.', ',', ':']).to_owned());
        }
    }
    out
}

#[test]
fn architecture_names_only_existing_paths() {
    let doc = read(&root().join("ARCHITECTURE.md"));
    let paths = named_paths(&doc);
    assert!(
        paths.len() > 20,
        "ARCHITECTURE.md names {} paths",
        paths.len()
    );
    let missing: Vec<_> = paths
        .into_iter()
        .filter(|p| !root().join(p.split("::").next().unwrap_or(p)).exists())
        .collect();
    assert!(
        missing.is_empty(),
        "ARCHITECTURE.md names paths that do not exist:\n{}",
        missing.join("\n")
    );
}

#[test]
fn architecture_stays_a_map() {
    let lines = read(&root().join("ARCHITECTURE.md")).lines().count();
    assert!(
        lines <= 330,
        "ARCHITECTURE.md has {lines} lines; module detail belongs in each module's //! doc"
    );
}
