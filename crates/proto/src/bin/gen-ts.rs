//! Writes `ui/src/bindings/index.ts` from the proto types.

use std::path::PathBuf;

fn main() -> std::io::Result<()> {
    // Read at run time (cargo sets it), not baked in: the target dir is shared between clones.
    let manifest = std::env::var_os("CARGO_MANIFEST_DIR")
        .map_or_else(|| PathBuf::from("crates/proto"), PathBuf::from);
    let path = manifest.join("../../ui/src/bindings/index.ts");
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    std::fs::write(&path, bellhop_proto::typescript())?;
    println!("wrote {}", path.display());
    Ok(())
}
