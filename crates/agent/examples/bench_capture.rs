//! Benchmark: capture every monitor and encode it, N times (BENCHMARKS.md, `scripts/bench`).
//! Prints median and p95 of capture, PNG-fast encode and lossless-WebP encode, and the sizes.

use std::time::Instant;

use bellhop_agent::capture::{capture_all, encode_png};
use image::ImageEncoder;
use image::codecs::webp::WebPEncoder;

fn percentile(samples: &mut [f64], p: f64) -> f64 {
    samples.sort_by(f64::total_cmp);
    let i = ((samples.len() as f64 - 1.0) * p).round() as usize;
    samples[i]
}

fn main() -> anyhow::Result<()> {
    let runs: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(30);
    let (mut capture, mut png, mut webp, mut total) = (vec![], vec![], vec![], vec![]);
    let (mut png_size, mut webp_size, mut dims) = (0, 0, (0, 0));
    for _ in 0..runs {
        let t0 = Instant::now();
        let shot = capture_all()?.remove(0);
        let t1 = Instant::now();
        let bytes = encode_png(&shot.image)?;
        let t2 = Instant::now();
        let mut w = Vec::new();
        WebPEncoder::new_lossless(&mut w).write_image(
            shot.image.as_raw(),
            shot.image.width(),
            shot.image.height(),
            image::ExtendedColorType::Rgba8,
        )?;
        let t3 = Instant::now();
        capture.push((t1 - t0).as_secs_f64() * 1e3);
        png.push((t2 - t1).as_secs_f64() * 1e3);
        webp.push((t3 - t2).as_secs_f64() * 1e3);
        total.push((t2 - t0).as_secs_f64() * 1e3);
        png_size = bytes.len();
        webp_size = w.len();
        dims = shot.image.dimensions();
    }
    println!("screen {}x{}, {runs} runs", dims.0, dims.1);
    for (name, s) in [
        ("capture", &mut capture),
        ("png-fast encode", &mut png),
        ("webp-lossless encode", &mut webp),
        ("capture+png", &mut total),
    ] {
        println!(
            "{name:>22}: median {:6.1} ms  p95 {:6.1} ms",
            percentile(s, 0.5),
            percentile(s, 0.95)
        );
    }
    println!(
        "{:>22}: png {} KB, webp {} KB",
        "size",
        png_size / 1024,
        webp_size / 1024
    );
    Ok(())
}
