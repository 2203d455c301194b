//! Screenshots: every monitor, taken the moment the user asks for help, redacted on the device,
//! encoded compactly.
//!
//! Capture is xcap (X11/Wayland, macOS, Windows). Encoding is PNG with the fast compression
//! preset: lossless (text stays readable for the technician), and on a typical desktop a few
//! hundred KB in tens of milliseconds (BENCHMARKS.md compares it with lossless WebP).

use std::io::Cursor;

use image::codecs::png::{CompressionType, FilterType, PngEncoder};
use image::{ImageEncoder, RgbaImage};

use crate::error::{Error, Result};

/// One monitor's picture.
#[derive(Clone)]
pub struct Screenshot {
    pub monitor: String,
    pub primary: bool,
    pub image: RgbaImage,
}

impl std::fmt::Debug for Screenshot {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Screenshot")
            .field("monitor", &self.monitor)
            .field("primary", &self.primary)
            .field("size", &self.image.dimensions())
            .finish()
    }
}

/// A rectangle to paint over, in the screenshot's pixels (the UI sends these).
pub use bellhop_proto::Redaction as Rect;

/// Captures every monitor, the primary first (or the first one when none says it is primary,
/// as under Xvfb).
pub fn capture_all() -> Result<Vec<Screenshot>> {
    let monitors = xcap::Monitor::all().map_err(|e| Error::Capture(e.to_string()))?;
    let mut shots = monitors
        .into_iter()
        .map(|m| {
            let image = m
                .capture_image()
                .map_err(|e| Error::Capture(e.to_string()))?;
            Ok(Screenshot {
                monitor: m.name().unwrap_or_else(|_| "screen".into()),
                primary: m.is_primary().unwrap_or(false),
                image,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    if shots.is_empty() {
        return Err(Error::Capture("no monitor was found".into()));
    }
    shots.sort_by_key(|s| !s.primary);
    Ok(shots)
}

/// Paints each rectangle opaque black. Rectangles are clipped to the image, so nothing the user
/// marked can escape by reaching past an edge.
pub fn redact(image: &mut RgbaImage, rects: &[Rect]) {
    let (w, h) = image.dimensions();
    for r in rects {
        let x_end = r.x.saturating_add(r.width).min(w);
        let y_end = r.y.saturating_add(r.height).min(h);
        for y in r.y.min(h)..y_end {
            for x in r.x.min(w)..x_end {
                image.put_pixel(x, y, image::Rgba([0, 0, 0, 255]));
            }
        }
    }
}

/// Most rectangles one screenshot may be redacted with.
pub const MAX_REDACTIONS: usize = 200;

/// A PNG with the rectangles painted over, re-encoded: what leaves the machine when the user
/// marked parts of the screenshot to hide.
pub fn redact_png(png: &[u8], rects: &[Rect]) -> Result<Vec<u8>> {
    if rects.is_empty() {
        return Ok(png.to_vec());
    }
    if rects.len() > MAX_REDACTIONS {
        return Err(Error::Invalid(format!(
            "at most {MAX_REDACTIONS} areas can be hidden in one screenshot"
        )));
    }
    let mut image = image::load_from_memory(png)
        .map_err(|e| Error::Capture(format!("reading the screenshot: {e}")))?
        .to_rgba8();
    redact(&mut image, rects);
    encode_png(&image)
}

/// PNG bytes with fast compression.
pub fn encode_png(image: &RgbaImage) -> Result<Vec<u8>> {
    let mut out = Cursor::new(Vec::with_capacity(512 * 1024));
    PngEncoder::new_with_quality(&mut out, CompressionType::Fast, FilterType::Adaptive)
        .write_image(
            image.as_raw(),
            image.width(),
            image.height(),
            image::ExtendedColorType::Rgba8,
        )
        .map_err(|e| Error::Capture(format!("encoding PNG: {e}")))?;
    Ok(out.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redaction_blacks_out_the_rectangle_and_clips_to_the_image() {
        let mut img = RgbaImage::from_pixel(10, 10, image::Rgba([200, 100, 50, 255]));
        redact(
            &mut img,
            &[
                Rect {
                    x: 8,
                    y: 8,
                    width: 100,
                    height: 100,
                },
                Rect {
                    x: 1,
                    y: 1,
                    width: 2,
                    height: 2,
                },
            ],
        );
        assert_eq!(img.get_pixel(9, 9), &image::Rgba([0, 0, 0, 255]));
        assert_eq!(img.get_pixel(2, 2), &image::Rgba([0, 0, 0, 255]));
        assert_eq!(img.get_pixel(5, 5), &image::Rgba([200, 100, 50, 255]));
        assert_eq!(img.get_pixel(3, 3), &image::Rgba([200, 100, 50, 255]));
    }

    #[test]
    fn an_encoded_png_decodes_to_the_same_pixels() -> anyhow::Result<()> {
        let mut img = RgbaImage::from_pixel(64, 32, image::Rgba([1, 2, 3, 255]));
        img.put_pixel(5, 6, image::Rgba([250, 0, 0, 255]));
        let png = encode_png(&img)?;
        let back = image::load_from_memory(&png)?.to_rgba8();
        assert_eq!(back, img);
        Ok(())
    }

    #[test]
    fn a_redacted_png_hides_the_marked_area_and_keeps_the_rest() -> anyhow::Result<()> {
        let img = RgbaImage::from_pixel(40, 20, image::Rgba([10, 200, 30, 255]));
        let png = encode_png(&img)?;
        let hidden = redact_png(
            &png,
            &[Rect {
                x: 5,
                y: 5,
                width: 10,
                height: 4,
            }],
        )?;
        let back = image::load_from_memory(&hidden)?.to_rgba8();
        assert_eq!(back.dimensions(), (40, 20));
        assert_eq!(back.get_pixel(5, 5), &image::Rgba([0, 0, 0, 255]));
        assert_eq!(back.get_pixel(14, 8), &image::Rgba([0, 0, 0, 255]));
        assert_eq!(back.get_pixel(15, 8), &image::Rgba([10, 200, 30, 255]));
        assert_eq!(
            redact_png(&png, &[])?,
            png,
            "nothing marked: the same bytes"
        );
        let too_many = vec![
            Rect {
                x: 0,
                y: 0,
                width: 1,
                height: 1
            };
            MAX_REDACTIONS + 1
        ];
        assert!(redact_png(&png, &too_many).is_err());
        Ok(())
    }
}
