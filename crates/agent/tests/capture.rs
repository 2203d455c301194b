//! Capturing the real screen. Needs an X display (scripts/test runs the Rust tests under Xvfb).

use std::process::Command;

use bellhop_agent::capture::{capture_all, encode_png};

/// The root window's size as the X server reports it.
fn screen_size() -> anyhow::Result<(u32, u32)> {
    let out = Command::new("xdpyinfo").output()?;
    let text = String::from_utf8_lossy(&out.stdout);
    let dims = text
        .lines()
        .find_map(|l| l.trim().strip_prefix("dimensions:"))
        .and_then(|d| d.split_whitespace().next())
        .ok_or_else(|| anyhow::anyhow!("xdpyinfo printed no dimensions"))?;
    let (w, h) = dims
        .split_once('x')
        .ok_or_else(|| anyhow::anyhow!("odd dimensions {dims}"))?;
    Ok((w.parse()?, h.parse()?))
}

#[test]
fn a_screenshot_has_the_screens_size_and_shows_what_is_on_it() -> anyhow::Result<()> {
    if cfg!(target_os = "linux") && std::env::var_os("DISPLAY").is_none() {
        eprintln!("\n!!! SKIPPED: no DISPLAY — run through scripts/test, which provides Xvfb\n");
        return Ok(());
    }
    // Paint the root window with a two-colour pattern, so "not blank" is a real check.
    let painted = Command::new("xsetroot")
        .args(["-mod", "8", "8", "-fg", "#d93025", "-bg", "#0b57d0"])
        .status()?;
    anyhow::ensure!(painted.success(), "xsetroot failed");

    let shots = capture_all()?;
    let shot = &shots[0];
    assert_eq!(shot.image.dimensions(), screen_size()?);
    let mut colours: Vec<[u8; 4]> = shot.image.pixels().step_by(97).map(|p| p.0).collect();
    colours.sort_unstable();
    colours.dedup();
    assert!(colours.len() >= 2, "the capture is blank: {colours:?}");
    assert!(
        colours.contains(&[0xd9, 0x30, 0x25, 255]),
        "the pattern's red is there"
    );

    let png = encode_png(&shot.image)?;
    let back = image::load_from_memory(&png)?;
    assert_eq!((back.width(), back.height()), shot.image.dimensions());
    Ok(())
}
