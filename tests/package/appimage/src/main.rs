//! `bellhop-make-appimage PROGRAM ICON OUT`: an AppImage whose entry point is `PROGRAM`.
//!
//! The layout is the AppImage's own: the program at the top of the AppDir with `AppRun` pointing
//! at it, a desktop entry and an icon, packed as SquashFS (Debian's `mksquashfs`) behind the
//! AppImage runtime. The program is marked as running from an AppImage the way the Tauri bundler
//! marks it, so that Tauri's updater replaces the AppImage (and not a .deb or .rpm) when it
//! updates itself.

use std::path::{Path, PathBuf};

use anyhow::Context as _;

/// The bundler's marker of how the app was installed, as a build leaves it, and as the bundler
/// sets it for an AppImage.
/// Tauri's bundle-type marker: this prefix and three letters (UNK as built, DEB or RPM once
/// `tauri build` has bundled those from the same binary).
const MARKER: &[u8] = b"__TAURI_BUNDLE_TYPE_VAR_";
const KINDS: [&[u8]; 3] = [b"UNK", b"DEB", b"RPM"];
const APPIMAGE: &[u8] = b"APP";

fn main() -> anyhow::Result<()> {
    let args: Vec<PathBuf> = std::env::args_os().skip(1).map(PathBuf::from).collect();
    let [program, icon, out] = args.as_slice() else {
        anyhow::bail!("usage: bellhop-make-appimage PROGRAM ICON OUT");
    };
    let name = "bellhop-desktop";
    let build = out.with_extension("appdir");
    let image = appimage::AppImage::new(&build, name.to_owned())?;
    image.add_file(program, Path::new(name))?;
    mark_as_appimage(&image.appdir().join(name))?;
    image.add_apprun()?;
    image.add_desktop()?;
    image.add_icon(icon)?;
    image.build(out, None)?;
    std::fs::remove_dir_all(&build).ok();
    println!("{}", out.display());
    Ok(())
}

/// Sets the program's bundle-type marker to "AppImage", whatever it said before (the updater
/// installs a .deb or .rpm over an app marked so). A script has none.
fn mark_as_appimage(path: &Path) -> anyhow::Result<()> {
    let mut bytes = std::fs::read(path).with_context(|| path.display().to_string())?;
    let len = MARKER.len() + APPIMAGE.len();
    let Some(at) = bytes
        .windows(len)
        .position(|w| w.starts_with(MARKER) && KINDS.contains(&&w[MARKER.len()..]))
    else {
        eprintln!(
            "{}: no bundle-type marker (not a Tauri app)",
            path.display()
        );
        return Ok(());
    };
    bytes[at + MARKER.len()..at + len].copy_from_slice(APPIMAGE);
    std::fs::write(path, bytes)?;
    Ok(())
}
