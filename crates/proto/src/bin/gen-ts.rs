//! Writes `ui/src/bindings/index.ts` from the proto types.

use std::path::PathBuf;

fn main() -> std::io::Result<()> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../ui/src/bindings/index.ts");
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    std::fs::write(&path, bellhop_proto::typescript())?;
    println!("wrote {}", path.display());
    Ok(())
}
