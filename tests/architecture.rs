//! The crate's layering, checked on its own source: no import cycle among the files of `src/`.
//!
//! File A depends on file B when A's code (comments, string literals and `#[cfg(test)]` items
//! left out) names a path that resolves to B's module: `crate::x::y::Z` resolves to the
//! deepest module file along `x::y::Z` (`src/x/y.rs` or `src/x/y/mod.rs`, or `src/x/mod.rs`
//! when `y` is an item there); `super::…` and `self::…` resolve relative to A's module; a path
//! that starts with one of A's own child modules (`pub use child::Item` in a `mod.rs`) goes to
//! that child; in the binary's files, `assd::…` goes into the library. `use a::{b, c::D}`
//! groups count every leaf. A `mod child;` declaration alone is no edge, and neither is a
//! visibility (`pub(crate)`, `pub(super)`, `pub(in path)`): it restricts who may name an item
//! and names none itself.
//!
//! The library (from `src/lib.rs`) and the binary (from `src/main.rs`, whose `mod cli;` puts
//! `src/cli/` in the binary crate, where `crate::` means `main.rs`) are separate module trees.
//!
//! The fix for a reported cycle is nearly always the same: a `mod.rs` only declares modules and
//! re-exports, the items its children share live in their own files, and files name the file
//! that defines an item rather than a parent's re-export of it.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};

#[test]
fn no_import_cycles_among_source_files() {
    let graph = Graph::load(Path::new(env!("CARGO_MANIFEST_DIR")), "assd");
    // A parser that silently found nothing would pass; the crate has over 100 files and 380
    // edges.
    assert!(
        graph.files.len() > 50,
        "only {} source files found under src/",
        graph.files.len()
    );
    assert!(
        graph.edge_count() > 100,
        "only {} file dependencies found among {} files: is the path parser broken?",
        graph.edge_count(),
        graph.files.len()
    );
    let cycles = graph.cycles();
    assert!(cycles.is_empty(), "{}", graph.describe(&cycles));
}

/// The shape the fix takes: the parent's re-export of its child's function, with the child
/// using a struct defined in the parent, is a cycle.
#[test]
fn a_parent_re_exporting_a_child_that_uses_the_parent_is_a_cycle() {
    let tree = TempTree::new(
        "parent-cycle",
        &[
            ("src/lib.rs", "pub mod dataset;\n"),
            (
                "src/dataset/mod.rs",
                "mod voc;\n\npub use voc::read_annotation;\n\npub struct Sample;\n",
            ),
            (
                "src/dataset/voc.rs",
                "use super::Sample;\n\npub fn read_annotation() -> Sample {\n    Sample\n}\n",
            ),
        ],
    );
    let graph = Graph::load(&tree.root, "demo");
    assert_eq!(
        graph.cycle_names(),
        [vec!["src/dataset/mod.rs", "src/dataset/voc.rs"]],
        "{}",
        graph.describe(&graph.cycles())
    );
    let message = graph.describe(&graph.cycles());
    assert!(
        message.contains("src/dataset/voc.rs -> src/dataset/mod.rs (super::Sample)"),
        "{message}"
    );
    assert!(
        message.contains("src/dataset/mod.rs -> src/dataset/voc.rs (voc::read_annotation)"),
        "{message}"
    );
}

/// The same tree with `Sample` in its own file: no cycle, and none invented by comments,
/// strings, visibilities or test modules that mention the parent.
#[test]
fn the_fixed_layout_has_no_cycle() {
    let tree = TempTree::new(
        "parent-fixed",
        &[
            ("src/lib.rs", "pub mod dataset;\n"),
            (
                "src/dataset/mod.rs",
                "mod sample;\nmod voc;\n\npub use sample::Sample;\npub use voc::read_annotation;\n",
            ),
            (
                "src/dataset/sample.rs",
                "/// Read by [`super::voc`]; see `crate::dataset::voc`.\npub struct Sample;\n",
            ),
            (
                "src/dataset/voc.rs",
                "use super::sample::Sample;\n\n\
                 // Not through super::Sample, which would be a cycle.\n\
                 /* nor super::read_annotation */\n\
                 pub(super) const NOTE: &str = \"super::Sample\";\n\
                 pub(in crate::dataset) fn read_annotation() -> Sample {\n    Sample\n}\n\n\
                 #[cfg(test)]\nmod tests {\n    use super::super::*;\n}\n",
            ),
        ],
    );
    let graph = Graph::load(&tree.root, "demo");
    assert!(
        graph.cycles().is_empty(),
        "{}",
        graph.describe(&graph.cycles())
    );
    assert_eq!(
        graph.edge_names(),
        [
            ("src/dataset/mod.rs", "src/dataset/sample.rs"),
            ("src/dataset/mod.rs", "src/dataset/voc.rs"),
            ("src/dataset/voc.rs", "src/dataset/sample.rs"),
        ]
    );
}

/// `crate::Detector` goes to `lib.rs` when `lib.rs` re-exports it; grouped and nested `use`
/// trees count each leaf; the binary's `crate::` is `main.rs`, and it reaches the library by
/// name.
#[test]
fn crate_root_re_exports_groups_and_the_binary_are_resolved() {
    let tree = TempTree::new(
        "roots",
        &[
            (
                "src/lib.rs",
                "pub mod config;\npub mod inference;\n\npub use inference::Detector;\n",
            ),
            (
                "src/config/mod.rs",
                "pub mod vgg;\n\npub use vgg::{VGG16_CHANNELS, self as family};\n",
            ),
            (
                "src/config/vgg.rs",
                "pub const VGG16_CHANNELS: usize = 13;\n\
                 pub fn detector() -> crate::Detector {\n    crate::Detector\n}\n",
            ),
            (
                "src/inference.rs",
                "use crate::{config::{vgg::VGG16_CHANNELS}};\n\npub struct Detector;\n",
            ),
            ("src/main.rs", "mod cli;\n\npub struct Args;\n"),
            (
                "src/cli/mod.rs",
                "use crate::Args;\nuse demo::config::VGG16_CHANNELS;\n",
            ),
        ],
    );
    let graph = Graph::load(&tree.root, "demo");
    assert_eq!(
        graph.cycle_names(),
        [vec!["src/config/vgg.rs", "src/inference.rs", "src/lib.rs"]],
        "{}",
        graph.describe(&graph.cycles())
    );
    assert_eq!(
        graph.edge_names(),
        [
            ("src/cli/mod.rs", "src/config/mod.rs"),
            ("src/cli/mod.rs", "src/main.rs"),
            ("src/config/mod.rs", "src/config/vgg.rs"),
            ("src/config/vgg.rs", "src/lib.rs"),
            ("src/inference.rs", "src/config/vgg.rs"),
            ("src/lib.rs", "src/inference.rs"),
        ]
    );
}

/// A directory of source files written for one test and removed afterwards.
struct TempTree {
    root: PathBuf,
}

impl TempTree {
    fn new(name: &str, files: &[(&str, &str)]) -> Self {
        let root =
            std::env::temp_dir().join(format!("assd-architecture-{}-{name}", std::process::id()));
        let _ = fs::remove_dir_all(&root);
        for (path, text) in files {
            let path = root.join(path);
            if let Some(dir) = path.parent() {
                fs::create_dir_all(dir).expect("create the test tree");
            }
            fs::write(&path, text).expect("write the test tree");
        }
        Self { root }
    }
}

impl Drop for TempTree {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.root);
    }
}

/// One source file, as a node of the graph.
struct SourceFile {
    /// Relative to the package, `/`-separated: `src/config/mod.rs`.
    name: String,
    /// Index of the crate root it belongs to (`Graph::roots`).
    krate: usize,
    /// Its module path in that crate (`[]` for the root).
    module: Vec<String>,
    /// Child modules it declares (`mod child;`).
    children: BTreeSet<String>,
    /// Its code as tokens, comments, literals and `#[cfg(test)]` items left out.
    tokens: Vec<Token>,
}

/// The files of `src/` and which depends on which.
struct Graph {
    /// Crate roots: the library first (when there is one), then the binaries.
    roots: Vec<Root>,
    files: Vec<SourceFile>,
    /// `edges[a][b]`: a path in file `a` that resolves to file `b` (the first one found).
    edges: Vec<BTreeMap<usize, String>>,
}

struct Root {
    is_lib: bool,
}

impl Graph {
    /// Reads the module trees of `package/src/lib.rs`, `package/src/main.rs` and
    /// `package/src/bin/*.rs`; `lib_name` is how the binaries name the library.
    fn load(package: &Path, lib_name: &str) -> Self {
        let src = package.join("src");
        let mut root_files = Vec::new();
        if src.join("lib.rs").is_file() {
            root_files.push((src.join("lib.rs"), true));
        }
        if src.join("main.rs").is_file() {
            root_files.push((src.join("main.rs"), false));
        }
        if let Ok(entries) = fs::read_dir(src.join("bin")) {
            let mut bins: Vec<PathBuf> = entries
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter_map(|p| {
                    if p.extension().is_some_and(|e| e == "rs") {
                        Some(p)
                    } else {
                        Some(p.join("main.rs")).filter(|m| m.is_file())
                    }
                })
                .collect();
            bins.sort();
            root_files.extend(bins.into_iter().map(|p| (p, false)));
        }
        let mut graph = Graph {
            roots: Vec::new(),
            files: Vec::new(),
            edges: Vec::new(),
        };
        // Files that exist only under `#[cfg(test)] mod x;`: known, but not part of the graph.
        let mut test_only = BTreeSet::new();
        for (file, is_lib) in root_files {
            let krate = graph.roots.len();
            graph.roots.push(Root { is_lib });
            graph.add_module(package, &file, true, krate, Vec::new(), &mut test_only);
        }
        let listed: BTreeSet<String> = graph.files.iter().map(|f| f.name.clone()).collect();
        let unreached: Vec<String> = rust_files(&src)
            .into_iter()
            .map(|p| relative_name(package, &p))
            .filter(|name| !listed.contains(name) && !test_only.contains(name))
            .collect();
        assert!(
            unreached.is_empty(),
            "files under src/ that no crate root declares (extend the checker if they are \
             compiled some other way): {unreached:?}"
        );
        graph.edges = (0..graph.files.len())
            .map(|i| graph.file_edges(i, lib_name))
            .collect();
        graph
    }

    /// Adds `file` at `module` of crate `krate`, then the children it declares.
    /// `owns_dir`: its children live beside it (`lib.rs`, `main.rs`, `mod.rs`) rather than in
    /// a folder named after it.
    fn add_module(
        &mut self,
        package: &Path,
        file: &Path,
        owns_dir: bool,
        krate: usize,
        module: Vec<String>,
        test_only: &mut BTreeSet<String>,
    ) {
        let text = fs::read_to_string(file)
            .unwrap_or_else(|e| panic!("cannot read {}: {e}", file.display()));
        let all = tokenize(&text);
        let (tokens, test_children) = without_test_items(&all);
        let children = declared_modules(&tokens);
        let dir = match (owns_dir, file.parent(), file.file_stem()) {
            (true, Some(dir), _) => dir.to_path_buf(),
            (false, Some(dir), Some(stem)) => dir.join(stem),
            _ => panic!("{} has no parent folder", file.display()),
        };
        let child_file = |name: &str| {
            let flat = dir.join(format!("{name}.rs"));
            let nested = dir.join(name).join("mod.rs");
            if flat.is_file() {
                Some((flat, false))
            } else if nested.is_file() {
                Some((nested, true))
            } else {
                None
            }
        };
        for name in &test_children {
            if let Some((path, _)) = child_file(name) {
                let mut below = rust_files(&dir.join(name));
                below.push(path);
                test_only.extend(below.iter().map(|p| relative_name(package, p)));
            }
        }
        self.files.push(SourceFile {
            name: relative_name(package, file),
            krate,
            module: module.clone(),
            children: children.clone(),
            tokens,
        });
        for name in &children {
            let (path, nested) = child_file(name).unwrap_or_else(|| {
                panic!(
                    "{} declares `mod {name};` but neither {name}.rs nor {name}/mod.rs exists in {}",
                    file.display(),
                    dir.display()
                )
            });
            let mut child = module.clone();
            child.push(name.clone());
            self.add_module(package, &path, nested, krate, child, test_only);
        }
    }

    /// Every file that file `from` depends on, with the first path that says so.
    fn file_edges(&self, from: usize, lib_name: &str) -> BTreeMap<usize, String> {
        let file = &self.files[from];
        let lib = self.roots.iter().position(|r| r.is_lib);
        let mut edges = BTreeMap::new();
        for path in named_paths(&file.tokens, |first| {
            matches!(first, "crate" | "super" | "self")
                || file.children.contains(first)
                || (first == lib_name && !self.roots[file.krate].is_lib && lib.is_some())
        }) {
            let Some((krate, full)) = self.absolute(file, &path, lib_name) else {
                continue;
            };
            if let Some(to) = self.deepest_file(krate, &full)
                && to != from
            {
                edges.entry(to).or_insert_with(|| path.join("::"));
            }
        }
        edges
    }

    /// The crate and absolute module path that `path`, written in `file`, names.
    fn absolute(
        &self,
        file: &SourceFile,
        path: &[String],
        lib_name: &str,
    ) -> Option<(usize, Vec<String>)> {
        let (first, rest) = path.split_first()?;
        let mut segments = rest.iter().peekable();
        let (krate, mut base) = match first.as_str() {
            "crate" => (file.krate, Vec::new()),
            "self" => (file.krate, file.module.clone()),
            "super" => {
                let mut base = file.module.clone();
                base.pop()?;
                (file.krate, base)
            }
            name if file.children.contains(name) => {
                let mut base = file.module.clone();
                base.push(name.to_string());
                (file.krate, base)
            }
            name if name == lib_name => (self.roots.iter().position(|r| r.is_lib)?, Vec::new()),
            _ => return None,
        };
        while segments.peek().is_some_and(|s| s.as_str() == "super") {
            segments.next();
            base.pop()?;
        }
        base.extend(segments.filter(|s| s.as_str() != "self").cloned());
        Some((krate, base))
    }

    /// The file of the deepest module along `path` in crate `krate`.
    fn deepest_file(&self, krate: usize, path: &[String]) -> Option<usize> {
        (0..=path.len()).rev().find_map(|n| {
            self.files
                .iter()
                .position(|f| f.krate == krate && f.module == path[..n])
        })
    }

    fn edge_count(&self) -> usize {
        self.edges.iter().map(BTreeMap::len).sum()
    }

    fn edge_names(&self) -> Vec<(&str, &str)> {
        let mut names: Vec<(&str, &str)> = self
            .edges
            .iter()
            .enumerate()
            .flat_map(|(from, to)| {
                to.keys()
                    .map(move |&to| (self.files[from].name.as_str(), self.files[to].name.as_str()))
            })
            .collect();
        names.sort();
        names
    }

    /// Strongly connected components of more than one file (Tarjan), each sorted by name.
    fn cycles(&self) -> Vec<Vec<usize>> {
        struct Tarjan<'a> {
            graph: &'a Graph,
            next: usize,
            index: Vec<Option<usize>>,
            low: Vec<usize>,
            stack: Vec<usize>,
            on_stack: Vec<bool>,
            components: Vec<Vec<usize>>,
        }
        impl Tarjan<'_> {
            fn visit(&mut self, v: usize) {
                self.index[v] = Some(self.next);
                self.low[v] = self.next;
                self.next += 1;
                self.stack.push(v);
                self.on_stack[v] = true;
                for &w in self.graph.edges[v].keys() {
                    match self.index[w] {
                        None => {
                            self.visit(w);
                            self.low[v] = self.low[v].min(self.low[w]);
                        }
                        Some(index) if self.on_stack[w] => self.low[v] = self.low[v].min(index),
                        Some(_) => {}
                    }
                }
                if Some(self.low[v]) == self.index[v] {
                    let mut component = Vec::new();
                    while let Some(w) = self.stack.pop() {
                        self.on_stack[w] = false;
                        component.push(w);
                        if w == v {
                            break;
                        }
                    }
                    self.components.push(component);
                }
            }
        }
        let n = self.files.len();
        let mut tarjan = Tarjan {
            graph: self,
            next: 0,
            index: vec![None; n],
            low: vec![0; n],
            stack: Vec::new(),
            on_stack: vec![false; n],
            components: Vec::new(),
        };
        for v in 0..n {
            if tarjan.index[v].is_none() {
                tarjan.visit(v);
            }
        }
        let mut cycles: Vec<Vec<usize>> = tarjan
            .components
            .into_iter()
            .filter(|c| c.len() > 1)
            .map(|mut c| {
                c.sort_by(|&a, &b| self.files[a].name.cmp(&self.files[b].name));
                c
            })
            .collect();
        cycles.sort_by(|a, b| self.files[a[0]].name.cmp(&self.files[b[0]].name));
        cycles
    }

    fn cycle_names(&self) -> Vec<Vec<&str>> {
        self.cycles()
            .iter()
            .map(|c| c.iter().map(|&f| self.files[f].name.as_str()).collect())
            .collect()
    }

    /// Every cycle: its files, one closed walk through it, and each edge inside it with the
    /// path that makes it.
    fn describe(&self, cycles: &[Vec<usize>]) -> String {
        let mut out = format!(
            "{} import cycle(s) among the source files ({} files, {} edges):\n",
            cycles.len(),
            self.files.len(),
            self.edge_count()
        );
        for (k, cycle) in cycles.iter().enumerate() {
            let members: BTreeSet<usize> = cycle.iter().copied().collect();
            let names: Vec<&str> = cycle.iter().map(|&f| self.files[f].name.as_str()).collect();
            let _ = writeln!(
                out,
                "\ncycle {}: {} files: {}",
                k + 1,
                cycle.len(),
                names.join(", ")
            );
            if let Some(walk) = self.shortest_cycle(cycle[0], &members) {
                let walk: Vec<&str> = walk.iter().map(|&f| self.files[f].name.as_str()).collect();
                let _ = writeln!(out, "  e.g. {}", walk.join(" -> "));
            }
            for &from in cycle {
                for (to, path) in &self.edges[from] {
                    if members.contains(to) {
                        let _ = writeln!(
                            out,
                            "  {} -> {} ({path})",
                            self.files[from].name, self.files[*to].name
                        );
                    }
                }
            }
        }
        out
    }

    /// The shortest walk `start -> … -> start` inside `members` (breadth-first).
    fn shortest_cycle(&self, start: usize, members: &BTreeSet<usize>) -> Option<Vec<usize>> {
        let mut previous: BTreeMap<usize, usize> = BTreeMap::new();
        let mut queue = std::collections::VecDeque::from([start]);
        while let Some(v) = queue.pop_front() {
            for &w in self.edges[v].keys().filter(|w| members.contains(w)) {
                if w == start {
                    // `[start, v, previous(v), …]`, then all but `start` reversed.
                    let mut walk = vec![start];
                    let mut at = v;
                    while at != start {
                        walk.push(at);
                        at = previous[&at];
                    }
                    walk[1..].reverse();
                    walk.push(start);
                    return Some(walk);
                }
                if let std::collections::btree_map::Entry::Vacant(e) = previous.entry(w) {
                    e.insert(v);
                    queue.push_back(w);
                }
            }
        }
        None
    }
}

/// Every `.rs` file under `dir`, sorted.
fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(dir) = pending.pop() {
        let Ok(entries) = fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.filter_map(Result::ok) {
            let path = entry.path();
            if path.is_dir() {
                pending.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                found.push(path);
            }
        }
    }
    found.sort();
    found
}

fn relative_name(package: &Path, file: &Path) -> String {
    let relative = file.strip_prefix(package).unwrap_or(file);
    relative
        .components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}

/// A token of Rust source, as far as paths are concerned.
#[derive(Debug, Clone, PartialEq)]
enum Token {
    Ident(String),
    /// `::`
    PathSep,
    Punct(char),
    /// A string, character or number literal (its contents never name a path).
    Literal,
}

fn is_ident_start(c: char) -> bool {
    c == '_' || c.is_alphabetic()
}

fn is_ident_char(c: char) -> bool {
    c == '_' || c.is_alphanumeric()
}

/// Rust source as tokens, without comments (doc comments included) and without the contents
/// of literals.
fn tokenize(text: &str) -> Vec<Token> {
    let chars: Vec<char> = text.chars().collect();
    let at = |i: usize| chars.get(i).copied().unwrap_or('\0');
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() {
            i += 1;
        } else if c == '/' && at(i + 1) == '/' {
            while i < chars.len() && chars[i] != '\n' {
                i += 1;
            }
        } else if c == '/' && at(i + 1) == '*' {
            // Block comments nest in Rust.
            let mut depth = 0;
            while i < chars.len() {
                if chars[i] == '/' && at(i + 1) == '*' {
                    depth += 1;
                    i += 2;
                } else if chars[i] == '*' && at(i + 1) == '/' {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    i += 1;
                }
            }
        } else if let Some(end) = raw_string_end(&chars, i) {
            tokens.push(Token::Literal);
            i = end;
        } else if c == '"' || (c == 'b' && at(i + 1) == '"') || (c == 'c' && at(i + 1) == '"') {
            i += if c == '"' { 1 } else { 2 };
            while i < chars.len() && chars[i] != '"' {
                i += if chars[i] == '\\' { 2 } else { 1 };
            }
            tokens.push(Token::Literal);
            i += 1;
        } else if c == '\'' || (c == 'b' && at(i + 1) == '\'') {
            let start = if c == '\'' { i + 1 } else { i + 2 };
            if at(start) == '\\' {
                // An escaped character: `'\n'`, `'\''`, `'\u{1F600}'`.
                i = start + 2;
                while i < chars.len() && chars[i] != '\'' {
                    i += 1;
                }
                i += 1;
                tokens.push(Token::Literal);
            } else if at(start + 1) == '\'' {
                i = start + 2;
                tokens.push(Token::Literal);
            } else {
                // A lifetime or label: `'a`, `'static`.
                i = start;
                while i < chars.len() && is_ident_char(chars[i]) {
                    i += 1;
                }
            }
        } else if c.is_ascii_digit() {
            while i < chars.len()
                && (is_ident_char(chars[i]) || (chars[i] == '.' && at(i + 1).is_ascii_digit()))
            {
                i += 1;
            }
            tokens.push(Token::Literal);
        } else if is_ident_start(c) {
            if c == 'r' && at(i + 1) == '#' && is_ident_start(at(i + 2)) {
                // A raw identifier: `r#type`.
                i += 2;
            }
            let word_start = i;
            while i < chars.len() && is_ident_char(chars[i]) {
                i += 1;
            }
            tokens.push(Token::Ident(chars[word_start..i].iter().collect()));
        } else if c == ':' && at(i + 1) == ':' {
            tokens.push(Token::PathSep);
            i += 2;
        } else {
            tokens.push(Token::Punct(c));
            i += 1;
        }
    }
    tokens
}

/// Where the raw string literal starting at `i` (`r"…"`, `r#"…"#`, `br#"…"#`) ends.
fn raw_string_end(chars: &[char], i: usize) -> Option<usize> {
    let mut j = i;
    if matches!(chars.get(j), Some('b' | 'c')) {
        j += 1;
    }
    if chars.get(j) != Some(&'r') {
        return None;
    }
    j += 1;
    let mut hashes = 0;
    while chars.get(j) == Some(&'#') {
        hashes += 1;
        j += 1;
    }
    if chars.get(j) != Some(&'"') {
        return None;
    }
    j += 1;
    while j < chars.len() {
        if chars[j] == '"' && (1..=hashes).all(|k| chars.get(j + k) == Some(&'#')) {
            return Some(j + 1 + hashes);
        }
        j += 1;
    }
    Some(chars.len())
}

/// The tokens without the items under `#[cfg(test)]` (and everything after `#![cfg(test)]`),
/// and the names of the modules declared only under it.
fn without_test_items(tokens: &[Token]) -> (Vec<Token>, BTreeSet<String>) {
    let is_cfg_test = |i: usize, inner: bool| {
        let attr: &[Token] = if inner {
            &[Token::Punct('#'), Token::Punct('!'), Token::Punct('[')]
        } else {
            &[Token::Punct('#'), Token::Punct('[')]
        };
        let rest = [
            Token::Ident("cfg".into()),
            Token::Punct('('),
            Token::Ident("test".into()),
            Token::Punct(')'),
            Token::Punct(']'),
        ];
        tokens[i..].starts_with(attr) && tokens[i + attr.len()..].starts_with(&rest)
    };
    let mut kept = Vec::new();
    let mut test_modules = BTreeSet::new();
    let mut i = 0;
    while i < tokens.len() {
        if is_cfg_test(i, true) {
            break;
        }
        if !is_cfg_test(i, false) {
            kept.push(tokens[i].clone());
            i += 1;
            continue;
        }
        let start = i;
        i = item_end(tokens, i);
        test_modules.extend(declared_modules(&tokens[start..i]));
    }
    (kept, test_modules)
}

/// The end of the item that starts at `i` with its attributes: after the first `;` outside
/// brackets, or after the first balanced `{ … }`.
fn item_end(tokens: &[Token], mut i: usize) -> usize {
    let mut depth = 0usize;
    while i < tokens.len() {
        match tokens[i] {
            Token::Punct('(' | '[') => depth += 1,
            Token::Punct(')' | ']') => depth = depth.saturating_sub(1),
            Token::Punct(';') if depth == 0 => return i + 1,
            Token::Punct('{') if depth == 0 => {
                let mut braces = 0usize;
                while i < tokens.len() {
                    match tokens[i] {
                        Token::Punct('{') => braces += 1,
                        Token::Punct('}') => {
                            braces -= 1;
                            if braces == 0 {
                                return i + 1;
                            }
                        }
                        _ => {}
                    }
                    i += 1;
                }
                return i;
            }
            _ => {}
        }
        i += 1;
    }
    i
}

/// Names of the out-of-line modules declared by `mod name;`.
fn declared_modules(tokens: &[Token]) -> BTreeSet<String> {
    tokens
        .windows(3)
        .filter_map(|w| match w {
            [Token::Ident(m), Token::Ident(name), Token::Punct(';')] if m == "mod" => {
                Some(name.clone())
            }
            _ => None,
        })
        .collect()
}

/// Every path the code names whose first segment `starts` accepts: expression and type paths
/// (`super::conv::conv2d(…)`), and every leaf of `use` trees. Visibilities are skipped.
fn named_paths(tokens: &[Token], starts: impl Fn(&str) -> bool) -> Vec<Vec<String>> {
    let mut paths = Vec::new();
    let mut i = 0;
    while i < tokens.len() {
        match &tokens[i] {
            Token::Ident(word)
                if word == "pub" && tokens.get(i + 1) == Some(&Token::Punct('(')) =>
            {
                // `pub(crate)`, `pub(super)`, `pub(in crate::x)`: who may name the item.
                i = matching_close(tokens, i + 1) + 1;
            }
            Token::Ident(word) if word == "use" => {
                let mut leaves = Vec::new();
                i = use_tree(tokens, i + 1, Vec::new(), &mut leaves);
                paths.extend(
                    leaves
                        .into_iter()
                        .filter(|p| p.first().is_some_and(|first| starts(first))),
                );
            }
            Token::Ident(word)
                if starts(word)
                    && tokens.get(i + 1) == Some(&Token::PathSep)
                    && (i == 0 || tokens[i - 1] != Token::PathSep) =>
            {
                let mut path = vec![word.clone()];
                i += 1;
                while tokens.get(i) == Some(&Token::PathSep) {
                    match tokens.get(i + 1) {
                        Some(Token::Ident(next)) => {
                            path.push(next.clone());
                            i += 2;
                        }
                        _ => break,
                    }
                }
                paths.push(path);
            }
            _ => i += 1,
        }
    }
    paths
}

/// The index of the `)` that closes the `(` at `open`.
fn matching_close(tokens: &[Token], open: usize) -> usize {
    let mut depth = 0usize;
    for (k, token) in tokens.iter().enumerate().skip(open) {
        match token {
            Token::Punct('(') => depth += 1,
            Token::Punct(')') => {
                depth -= 1;
                if depth == 0 {
                    return k;
                }
            }
            _ => {}
        }
    }
    tokens.len()
}

/// Parses the use tree at `i` under `prefix`, pushing each leaf path (a glob's leaf is its
/// module; `self` in a group is the group's module); returns the index after the tree.
fn use_tree(
    tokens: &[Token],
    mut i: usize,
    prefix: Vec<String>,
    leaves: &mut Vec<Vec<String>>,
) -> usize {
    let mut path = prefix;
    if tokens.get(i) == Some(&Token::PathSep) {
        // `use ::extern_crate::…`
        i += 1;
        path.push(String::new());
    }
    loop {
        match tokens.get(i) {
            Some(Token::Ident(segment)) => {
                if segment != "self" || path.is_empty() {
                    path.push(segment.clone());
                }
                i += 1;
            }
            Some(Token::Punct('*')) => {
                leaves.push(path);
                return i + 1;
            }
            Some(Token::Punct('{')) => {
                i += 1;
                while i < tokens.len() && tokens[i] != Token::Punct('}') {
                    i = use_tree(tokens, i, path.clone(), leaves);
                    if tokens.get(i) == Some(&Token::Punct(',')) {
                        i += 1;
                    }
                }
                return i + 1;
            }
            _ => {
                leaves.push(path);
                return i;
            }
        }
        if tokens.get(i) == Some(&Token::PathSep) {
            i += 1;
            continue;
        }
        // `as name`, then the end of this tree (`,`, `}` or `;`).
        if tokens.get(i) == Some(&Token::Ident("as".into())) {
            i += 2;
        }
        leaves.push(path);
        return i;
    }
}
