//! Code generation in-process (parse, patch, validate, generate, format; no compile) for
//! every spec of `specs/codegen.toml`. `cargo bench -p xtask --bench codegen`. Target: < 200 ms.

use std::path::Path;

use criterion::{Criterion, criterion_group, criterion_main};

fn bench(c: &mut Criterion) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
    // Per crate a lib.rs; per client a module and an effective spec; the operation table.
    let manifest = xtask::codegen::Manifest::load(root).unwrap();
    let clients: usize = manifest.crates.iter().map(|k| k.clients.len()).sum();
    let expected = manifest.crates.len() + 2 * clients + 1;
    let mut group = c.benchmark_group("codegen");
    group.sample_size(20);
    group.bench_function("render_all_specs", |b| {
        b.iter(|| {
            let files = xtask::codegen::render_all(root).unwrap();
            assert_eq!(files.len(), expected);
            files
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
