//! The committed TypeScript bindings must match the Rust types.

#[test]
fn bindings_are_current() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../ui/src/bindings/index.ts"
    );
    let committed = std::fs::read_to_string(path).unwrap_or_default();
    let generated = bellhop_proto::typescript();
    assert!(
        committed == generated,
        "ui/src/bindings/index.ts is stale: run `cargo run -p bellhop-proto --bin gen-ts` and commit the result"
    );
}
