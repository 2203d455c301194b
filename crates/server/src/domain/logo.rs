//! The desk's logo: what an upload may be (a PNG, or an SVG that draws and does nothing else),
//! read from its bytes and never from what the client claims, and kept by its SHA-256.
//!
//! A logo is shown through `<img>`, where an SVG's scripts never run, and served with a policy
//! that forbids them when opened on its own (`routes/settings.rs`). The check refuses them
//! anyway, with anything that reaches outside the file: a logo that loads something from
//! elsewhere tells that server who looked at the portal.

use bellhop_proto::{LOGO_PATH, LogoUploaded, MAX_LOGO_BYTES};
use quick_xml::events::{BytesStart, Event};
use sha2::{Digest, Sha256};

use crate::db::{Caller, Store};
use crate::error::{AppError, Result};

pub const PNG: &str = "image/png";
pub const SVG: &str = "image/svg+xml";

/// SVG elements that run, embed or play something: never in a logo.
const FORBIDDEN_ELEMENTS: [&str; 9] = [
    "script",
    "foreignobject",
    "iframe",
    "embed",
    "object",
    "audio",
    "video",
    "handler",
    "listener",
];

/// Keeps an uploaded logo (admins) once it proves to be a PNG or a harmless SVG of at most
/// [`MAX_LOGO_BYTES`]; the answer names it for the brand's `logo`. The same bytes twice are one
/// logo.
#[tracing::instrument(skip_all)]
pub async fn upload(store: &Store, admin: &Caller, bytes: &[u8]) -> Result<LogoUploaded> {
    super::require_admin(admin, "set the desk's brand")?;
    let mime = sniff(bytes)?;
    let sha256 = hex::encode(Sha256::digest(bytes));
    store.save_logo(admin, &sha256, mime, bytes).await?;
    Ok(LogoUploaded {
        url: format!("{LOGO_PATH}{sha256}"),
        sha256,
    })
}

/// What the bytes are, when they may be a logo.
pub fn sniff(bytes: &[u8]) -> Result<&'static str> {
    if bytes.len() > MAX_LOGO_BYTES {
        return Err(AppError::client(
            bellhop_proto::ErrorCode::PayloadTooLarge,
            format!("a logo has at most {MAX_LOGO_BYTES} bytes"),
        ));
    }
    if infer::image::is_png(bytes) {
        return Ok(PNG);
    }
    let text = std::str::from_utf8(bytes)
        .map_err(|_| AppError::bad_request("a logo is a PNG or an SVG file"))?;
    check_svg(text)?;
    Ok(SVG)
}

/// Why an SVG cannot be a logo, as the refusal says it.
fn refused(why: impl std::fmt::Display) -> AppError {
    AppError::bad_request(format!("this SVG cannot be a logo: {why}"))
}

/// An SVG document that draws and does nothing else: well-formed, `<svg>` at its root, no
/// document type (no entities), no scripts, event handlers or embedded pages, and no reference
/// outside the file (links to its own parts, `#id`, and embedded pictures are fine).
fn check_svg(text: &str) -> Result<()> {
    let mut reader = quick_xml::Reader::from_str(text);
    let mut root_seen = false;
    let mut in_style = false;
    loop {
        match reader
            .read_event()
            .map_err(|e| refused(format_args!("not well-formed XML ({e})")))?
        {
            Event::Start(element) | Event::Empty(element) => {
                let name = local_name(&element);
                if !root_seen {
                    if name != "svg" {
                        return Err(refused(format_args!("its root is <{name}>, not <svg>")));
                    }
                    root_seen = true;
                }
                if FORBIDDEN_ELEMENTS.contains(&name.as_str()) {
                    return Err(refused(format_args!("it holds a <{name}> element")));
                }
                in_style = name == "style";
                check_attributes(&element)?;
            }
            Event::End(_) => in_style = false,
            Event::Text(text) if in_style => {
                let css = quick_xml::escape::unescape(text.as_ref())
                    .map_err(|e| refused(format_args!("its style cannot be read ({e})")))?;
                check_css(&css)?;
            }
            Event::CData(text) if in_style => check_css(text.as_ref())?,
            Event::DocType(_) => return Err(refused("it declares a document type")),
            Event::Eof => break,
            _ => {}
        }
    }
    if root_seen {
        Ok(())
    } else {
        Err(refused("it has no <svg> element"))
    }
}

fn local_name(element: &BytesStart<'_>) -> String {
    element.local_name().as_ref().to_ascii_lowercase()
}

fn check_attributes(element: &BytesStart<'_>) -> Result<()> {
    for attribute in element.attributes() {
        let attribute =
            attribute.map_err(|e| refused(format_args!("a malformed attribute ({e})")))?;
        let name = attribute.key.local_name().as_ref().to_ascii_lowercase();
        // As the browser reads it: entities written out (`&#104;ttps:` is `https:`).
        let value = attribute
            .normalized_value(quick_xml::XmlVersion::Implicit1_0)
            .map_err(|e| refused(format_args!("the attribute {name} cannot be read ({e})")))?
            .trim()
            .to_owned();
        if name.starts_with("on") {
            return Err(refused(format_args!("it has an event handler ({name})")));
        }
        if name == "href" && !(value.starts_with('#') || embedded_picture(&value)) {
            return Err(refused(format_args!(
                "it refers to something outside the file ({value})"
            )));
        }
        if name == "style" {
            check_css(&value)?;
        }
        // Presentation attributes may point too: fill="url(#gradient)" is fine, a URL is not.
        if value.to_ascii_lowercase().contains("url(") {
            check_css(&value)?;
        }
    }
    Ok(())
}

/// A picture carried in the file itself.
fn embedded_picture(value: &str) -> bool {
    let value = value.to_ascii_lowercase();
    [
        "data:image/png;",
        "data:image/jpeg;",
        "data:image/gif;",
        "data:image/webp;",
    ]
    .iter()
    .any(|p| value.starts_with(p))
}

/// Style that stays in the file: no `@import`, every `url(…)` to one of its own parts.
fn check_css(css: &str) -> Result<()> {
    let lower = css.to_ascii_lowercase();
    // CSS escapes could spell what follows in other letters (`u\72l(`).
    if lower.contains('\\') {
        return Err(refused("its style has escaped characters"));
    }
    if lower.contains("@import") {
        return Err(refused("its style imports another file"));
    }
    let mut rest = lower.as_str();
    while let Some(at) = rest.find("url(") {
        let target = rest[at + 4..].trim_start_matches([' ', '"', '\'']);
        if !(target.starts_with('#') || embedded_picture(target)) {
            return Err(refused("its style loads something from outside the file"));
        }
        rest = &rest[at + 4..];
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::{PNG, SVG, sniff};

    const MARK: &str = r##"<?xml version="1.0"?>
<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" viewBox="0 0 24 24">
  <defs><linearGradient id="g"><stop offset="0" stop-color="#8a1538"/></linearGradient></defs>
  <style>.a { fill: url(#g); }</style>
  <circle class="a" cx="12" cy="12" r="10" fill="url(#g)"/>
  <use xlink:href="#g"/>
</svg>"##;

    #[test]
    fn a_png_and_a_drawing_svg_are_logos() {
        let png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR";
        assert_eq!(sniff(png).ok(), Some(PNG));
        assert_eq!(sniff(MARK.as_bytes()).ok(), Some(SVG));
    }

    #[test]
    fn an_svg_that_runs_embeds_or_reaches_out_is_refused_with_the_reason() {
        for (bad, says) in [
            (
                MARK.replace("<circle", "<script>alert(1)</script><circle"),
                "<script>",
            ),
            (
                MARK.replace("<circle", "<circle onload=\"alert(1)\""),
                "event handler",
            ),
            (
                MARK.replace("#g\"/>\n</svg>", "https://tracker.example/x\"/>\n</svg>"),
                "outside the file",
            ),
            (
                MARK.replace("url(#g); }", "url(https://tracker.example/x); }"),
                "outside the file",
            ),
            (
                MARK.replace(".a {", "@import 'https://x.example/a.css'; .a {"),
                "imports",
            ),
            (
                MARK.replace("<circle", "<foreignObject><div/></foreignObject><circle"),
                "<foreignobject>",
            ),
            ("<html><svg/></html>".to_owned(), "not <svg>"),
            (
                "<?xml version=\"1.0\"?><!DOCTYPE svg [<!ENTITY a \"b\">]><svg/>".to_owned(),
                "document type",
            ),
            ("<svg><g></svg>".to_owned(), "well-formed"),
            ("just words".to_owned(), "no <svg>"),
            (
                MARK.replace("#g\"/>\n</svg>", "&#104;ttps://t.example/x\"/>\n</svg>"),
                "outside the file",
            ),
            (
                MARK.replace(
                    ".a { fill: url(#g); }",
                    ".a { fill: u\\72l(https://t.example/x); }",
                ),
                "escaped",
            ),
        ] {
            let said = sniff(bad.as_bytes())
                .err()
                .map(|e| e.to_string())
                .unwrap_or_default();
            assert!(said.contains(says), "{bad}: {said:?}");
        }
        // Neither a picture of another kind nor bytes that are not text.
        assert!(sniff(b"\xff\xd8\xff\xe0\0\x10JFIF").is_err(), "a JPEG");
        assert!(
            sniff(&vec![b'<'; super::MAX_LOGO_BYTES + 1]).is_err(),
            "too large"
        );
    }
}
