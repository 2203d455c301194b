//! How the service desk presents itself: its name, an accent colour, how to reach it, and a few
//! links. An admin sets it once for the desk; anyone reads it, also before signing in (the
//! sign-in page wears it). [`BrandSettings::check`] is its one parse, [`BrandSettings::brand`]
//! what every surface applies: the accent as set for the light theme, lightened until it reads
//! on the dark theme's surfaces, and the text colour for each.

use std::str::FromStr;

use palette::Srgb;
use palette::color_difference::Wcag21RelativeContrast;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::fields::FieldError;
use crate::values::{ContactPhone, Email};

/// Longest name a desk may give itself, in characters.
pub const MAX_BRAND_NAME_CHARS: usize = 60;
/// Most links the desk may show.
pub const MAX_BRAND_LINKS: usize = 5;
/// Longest link label, in characters.
pub const MAX_LINK_LABEL_CHARS: usize = 40;
/// Longest link address, in characters.
pub const MAX_LINK_URL_CHARS: usize = 500;
/// The largest logo the desk may upload, in bytes.
pub const MAX_LOGO_BYTES: usize = 256 * 1024;
/// Where anyone fetches an uploaded logo, by its SHA-256 (`{sha256}` filled in).
pub const LOGO_PATH: &str = "/api/v1/brand/logo/";
/// The name shown when the desk has not given one.
pub const DEFAULT_BRAND_NAME: &str = "Bellhop";
/// The least contrast text needs against what is behind it (WCAG 2.1 AA, normal text).
pub const MIN_TEXT_CONTRAST: f32 = 4.5;
/// What the accent is read on in the light theme: the surface and the page (`ui/src/app.css`).
pub const LIGHT_SURFACES: [&str; 2] = ["#ffffff", "#f6f7f9"];
/// What the accent is read on in the dark theme: the page, the surface and the raised surface.
pub const DARK_SURFACES: [&str; 3] = ["#151619", "#1f2024", "#2a2c31"];
/// Text on the accent: the lighter and the darker choice.
const ON_ACCENT: [&str; 2] = ["#ffffff", "#151619"];

/// The desk's brand as an admin sets it. Everything is optional: what is not set is Bellhop's.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BrandSettings {
    /// The desk's name as its customers know it ("Acme IT").
    #[serde(default)]
    pub name: Option<String>,
    /// `#rrggbb`, dark enough to read as text on the light theme's surfaces.
    #[serde(default)]
    pub accent: Option<String>,
    /// The number people call the desk on.
    #[serde(default)]
    pub phone: Option<String>,
    /// The address people write to.
    #[serde(default)]
    pub email: Option<String>,
    /// Up to [`MAX_BRAND_LINKS`] links (a status page, the desk's site), `https` only.
    #[serde(default)]
    pub links: Vec<BrandLink>,
    /// The desktop app shows no tray icon (it stays at hand through its hotkey and the Start
    /// menu or dock entry). Not set: the icon shows.
    #[serde(default)]
    pub hide_tray_icon: Option<bool>,
    /// The SHA-256 (hex) of a logo uploaded with `POST /api/v1/brand/logos`; none: Bellhop's
    /// mark.
    #[serde(default)]
    pub logo: Option<String>,
}

/// A logo the server kept: its SHA-256, and the address that serves it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LogoUploaded {
    pub sha256: String,
    pub url: String,
}

/// One of the desk's links: what it says, and where it goes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BrandLink {
    pub label: String,
    pub url: String,
}

/// The brand as every surface wears it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Brand {
    /// The desk's name, or Bellhop's.
    pub name: String,
    /// The accent's colours for each theme; none: Bellhop's own.
    pub accent: Option<AccentColours>,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub links: Vec<BrandLink>,
    /// Whether the desktop app shows its tray icon.
    pub tray_icon: bool,
    /// Where the desk's logo is fetched (`/api/v1/brand/logo/{sha256}`; in the desktop app a
    /// `data:` URL of the copy it keeps); none: Bellhop's mark.
    pub logo: Option<String>,
}

impl Brand {
    /// The desk's phone as a `tel:` address: its digits, and its leading `+`
    /// ("+1 (555) 010-0100" is `tel:+15550100100`).
    pub fn tel_url(&self) -> Option<String> {
        let phone = self.phone.as_deref()?.trim();
        let digits: String = phone
            .chars()
            .enumerate()
            .filter(|(i, c)| c.is_ascii_digit() || (*i == 0 && *c == '+'))
            .map(|(_, c)| c)
            .collect();
        Some(format!("tel:{digits}"))
    }
}

/// An accent for both themes, each with the text colour that reads on it (`#rrggbb`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AccentColours {
    /// The accent as set: the light theme's.
    pub light: String,
    pub light_text: String,
    /// The accent lightened until it reads on the dark theme's surfaces.
    pub dark: String,
    pub dark_text: String,
}

fn colour(hex: &str) -> Option<Srgb<f32>> {
    let parsed: Srgb<u8> = Srgb::from_str(hex).ok()?;
    Some(parsed.into_format())
}

/// A constant of this module, known to parse.
fn known(hex: &str) -> Srgb<f32> {
    colour(hex).unwrap_or_else(|| unreachable!("{hex} is a colour"))
}

fn hex(c: Srgb<f32>) -> String {
    let c: Srgb<u8> = c.into_format();
    format!("#{:02x}{:02x}{:02x}", c.red, c.green, c.blue)
}

/// The lowest contrast `c` has against any of `surfaces`.
fn least_contrast(c: Srgb<f32>, surfaces: &[&str]) -> f32 {
    surfaces
        .iter()
        .map(|s| c.relative_contrast(known(s)))
        .fold(f32::INFINITY, f32::min)
}

/// `c` moved `t` (0 to 1) of the way to white.
fn lighter(c: Srgb<f32>, t: f32) -> Srgb<f32> {
    Srgb::new(
        c.red + (1.0 - c.red) * t,
        c.green + (1.0 - c.green) * t,
        c.blue + (1.0 - c.blue) * t,
    )
}

/// The text colour that reads best on `c`.
fn text_on(c: Srgb<f32>) -> String {
    let [a, b] = ON_ACCENT.map(known);
    let best = if c.relative_contrast(a) >= c.relative_contrast(b) {
        a
    } else {
        b
    };
    hex(best)
}

/// The accent's colours for both themes. `accent` is a checked setting.
pub fn accent_colours(accent: &str) -> Option<AccentColours> {
    let light = colour(accent)?;
    // Twenty steps towards white; white itself reads on every dark surface.
    let dark = (0..=20)
        .map(|step| lighter(light, step as f32 / 20.0))
        .find(|c| least_contrast(*c, &DARK_SURFACES) >= MIN_TEXT_CONTRAST)
        .unwrap_or_else(|| known("#ffffff"));
    Some(AccentColours {
        light: hex(light),
        light_text: text_on(light),
        dark: hex(dark),
        dark_text: text_on(dark),
    })
}

/// Trims `typed`; `None` when nothing is left.
fn given(typed: Option<&String>) -> Option<String> {
    typed.map(|t| t.trim().to_owned()).filter(|t| !t.is_empty())
}

impl BrandSettings {
    /// Trims and checks what an admin typed, keeping it in its one form: the name's length, the
    /// accent's form (`#rrggbb`, lower-case) and its contrast on the light theme's surfaces, the
    /// phone and email, at most five links each with a label and an `https` address.
    pub fn check(&mut self) -> Result<(), FieldError> {
        self.name = given(self.name.as_ref());
        if let Some(name) = &self.name
            && name.chars().count() > MAX_BRAND_NAME_CHARS
        {
            return Err(FieldError(format!(
                "the desk's name has at most {MAX_BRAND_NAME_CHARS} characters"
            )));
        }
        self.accent = match given(self.accent.as_ref()) {
            None => None,
            Some(typed) => Some(check_accent(&typed)?),
        };
        self.phone = match given(self.phone.as_ref()) {
            None => None,
            Some(typed) => ContactPhone::parse(&typed)
                .map_err(|e| FieldError(format!("the desk's phone: {e}")))?
                .map(|p| p.into_string()),
        };
        self.email = match given(self.email.as_ref()) {
            None => None,
            Some(typed) => Some(
                Email::parse(&typed)
                    .map_err(|e| FieldError(format!("the desk's email: {e}")))?
                    .into_string(),
            ),
        };
        if self.links.len() > MAX_BRAND_LINKS {
            return Err(FieldError(format!(
                "at most {MAX_BRAND_LINKS} links, not {}",
                self.links.len()
            )));
        }
        for link in &mut self.links {
            link.check()?;
        }
        self.logo = given(self.logo.as_ref()).map(|l| l.to_ascii_lowercase());
        if let Some(logo) = &self.logo
            && !(logo.len() == 64 && logo.chars().all(|c| c.is_ascii_hexdigit()))
        {
            return Err(FieldError(format!(
                "the logo is named by the SHA-256 its upload answered, not “{logo}”"
            )));
        }
        Ok(())
    }

    /// The brand every surface applies (Bellhop's name and colours where none is set).
    pub fn brand(&self) -> Brand {
        Brand {
            name: self
                .name
                .clone()
                .unwrap_or_else(|| DEFAULT_BRAND_NAME.to_owned()),
            accent: self.accent.as_deref().and_then(accent_colours),
            phone: self.phone.clone(),
            email: self.email.clone(),
            links: self.links.clone(),
            tray_icon: self.hide_tray_icon != Some(true),
            logo: self.logo.as_deref().map(|sha| format!("{LOGO_PATH}{sha}")),
        }
    }

    /// An organisation's brand: what its override sets, the desk's (`desk`) for the rest. Links
    /// go as a whole: an override with links replaces the desk's.
    pub fn over(&self, desk: &BrandSettings) -> BrandSettings {
        BrandSettings {
            name: self.name.clone().or_else(|| desk.name.clone()),
            accent: self.accent.clone().or_else(|| desk.accent.clone()),
            phone: self.phone.clone().or_else(|| desk.phone.clone()),
            email: self.email.clone().or_else(|| desk.email.clone()),
            links: if self.links.is_empty() {
                desk.links.clone()
            } else {
                self.links.clone()
            },
            hide_tray_icon: self.hide_tray_icon.or(desk.hide_tray_icon),
            logo: self.logo.clone().or_else(|| desk.logo.clone()),
        }
    }

    /// Sets nothing: an organisation with it wears the desk's brand.
    pub fn is_empty(&self) -> bool {
        *self == BrandSettings::default()
    }
}

/// `typed` as `#rrggbb`, when it is a colour that reads as text on the light theme.
fn check_accent(typed: &str) -> Result<String, FieldError> {
    let well_formed = typed.len() == 7
        && typed.starts_with('#')
        && typed[1..].chars().all(|c| c.is_ascii_hexdigit());
    let parsed = colour(typed).filter(|_| well_formed).ok_or_else(|| {
        FieldError(format!(
            "the accent colour is written #rrggbb (such as #0b57d0), not “{typed}”"
        ))
    })?;
    let contrast = least_contrast(parsed, &LIGHT_SURFACES);
    if contrast < MIN_TEXT_CONTRAST {
        return Err(FieldError(format!(
            "the accent colour {typed} is too light to read on white ({contrast:.1}:1; \
             {MIN_TEXT_CONTRAST}:1 is needed): choose a darker one"
        )));
    }
    Ok(hex(parsed))
}

impl BrandLink {
    fn check(&mut self) -> Result<(), FieldError> {
        self.label = self.label.trim().to_owned();
        self.url = self.url.trim().to_owned();
        if self.label.is_empty() || self.label.chars().count() > MAX_LINK_LABEL_CHARS {
            return Err(FieldError(format!(
                "a link's label has 1 to {MAX_LINK_LABEL_CHARS} characters"
            )));
        }
        let url = url::Url::parse(&self.url).ok().filter(|u| {
            u.scheme() == "https" && u.host_str().is_some() && self.url.len() <= MAX_LINK_URL_CHARS
        });
        match url {
            Some(url) => {
                self.url = url.to_string();
                Ok(())
            }
            None => Err(FieldError(format!(
                "the link “{}” needs an https:// address",
                self.label
            ))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(accent: &str) -> BrandSettings {
        BrandSettings {
            accent: Some(accent.to_owned()),
            ..BrandSettings::default()
        }
    }

    /// The refusal's words; the test fails when `brand` is accepted.
    fn refused(mut brand: BrandSettings) -> String {
        let outcome = brand.check();
        assert!(outcome.is_err(), "{brand:?} was accepted");
        outcome.err().map(|e| e.0).unwrap_or_default()
    }

    #[test]
    fn an_accent_must_read_on_the_light_theme_and_is_kept_lower_case() {
        let mut dark_enough = settings(" #0B57D0 ");
        assert_eq!(
            dark_enough.check(),
            Ok(()),
            "Bellhop's own blue reads on white"
        );
        assert_eq!(dark_enough.accent.as_deref(), Some("#0b57d0"));
        for too_light in ["#ffd700", "#8ab4f8", "#ffffff"] {
            let said = refused(settings(too_light));
            assert!(said.contains("too light"), "{too_light}: {said}");
        }
        for malformed in ["blue", "#12345", "#1234567", "0b57d0", "#0b57dz", "#fff"] {
            let said = refused(settings(malformed));
            assert!(said.contains("#rrggbb"), "{malformed}: {said}");
        }
    }

    #[test]
    fn the_dark_theme_gets_the_accent_lightened_until_it_reads_and_text_that_reads_on_each() {
        for accent in ["#0b57d0", "#8a1538", "#1b5e20", "#000000", "#5b2c83"] {
            let derived = accent_colours(accent);
            assert!(derived.is_some(), "{accent}");
            let Some(c) = derived else { continue };
            assert_eq!(c.light, accent);
            let dark = colour(&c.dark).unwrap_or_else(|| known("#000000"));
            assert!(
                least_contrast(dark, &DARK_SURFACES) >= MIN_TEXT_CONTRAST,
                "{accent} → {}",
                c.dark
            );
            for (bg, text) in [(&c.light, &c.light_text), (&c.dark, &c.dark_text)] {
                let ratio = known(bg).relative_contrast(known(text));
                assert!(ratio >= MIN_TEXT_CONTRAST, "{text} on {bg}: {ratio}");
            }
        }
        // Lightened no further than needed: a blue stays a blue, not white.
        assert_ne!(
            accent_colours("#0b57d0").map(|c| c.dark),
            Some("#ffffff".to_owned())
        );
    }

    #[test]
    fn names_contacts_and_links_are_checked_and_kept_in_one_form() {
        let mut ok = BrandSettings {
            name: Some("  Acme IT  ".into()),
            accent: Some(String::new()),
            phone: Some(" +1 (555) 010-0100 ".into()),
            email: Some(" Help@Acme.Example ".into()),
            links: vec![BrandLink {
                label: " Status ".into(),
                url: " https://status.acme.example ".into(),
            }],
            hide_tray_icon: None,
            logo: None,
        };
        assert_eq!(ok.check(), Ok(()));
        assert_eq!(ok.name.as_deref(), Some("Acme IT"));
        assert_eq!(ok.accent, None);
        assert_eq!(ok.phone.as_deref(), Some("+1 (555) 010-0100"));
        assert_eq!(ok.email.as_deref(), Some("help@acme.example"));
        assert_eq!(ok.links[0].label, "Status");
        assert_eq!(ok.links[0].url, "https://status.acme.example/");
        assert_eq!(ok.brand().name, "Acme IT");
        assert_eq!(ok.brand().tel_url().as_deref(), Some("tel:+15550100100"));
        assert_eq!(BrandSettings::default().brand().name, DEFAULT_BRAND_NAME);

        let link = |url: &str| BrandLink {
            label: "Site".into(),
            url: url.into(),
        };
        let with_links = |links: Vec<BrandLink>| BrandSettings {
            links,
            ..Default::default()
        };
        for (bad, says) in [
            (
                BrandSettings {
                    name: Some("x".repeat(61)),
                    ..Default::default()
                },
                "at most 60",
            ),
            (
                BrandSettings {
                    phone: Some("call us".into()),
                    ..Default::default()
                },
                "phone",
            ),
            (
                BrandSettings {
                    email: Some("not an address".into()),
                    ..Default::default()
                },
                "email",
            ),
            (with_links(vec![link("http://acme.example")]), "https://"),
            (with_links(vec![link("javascript:alert(1)")]), "https://"),
            (
                with_links(vec![BrandLink {
                    label: " ".into(),
                    url: "https://a.example".into(),
                }]),
                "label",
            ),
            (with_links(vec![link("https://a.example"); 6]), "at most 5"),
            (
                BrandSettings {
                    logo: Some("logo.png".into()),
                    ..Default::default()
                },
                "SHA-256",
            ),
        ] {
            let said = refused(bad.clone());
            assert!(said.contains(says), "{bad:?}: {said}");
        }
    }

    #[test]
    fn an_organisation_sets_what_it_changes_and_wears_the_desks_brand_for_the_rest() {
        let link = |label: &str| BrandLink {
            label: label.into(),
            url: format!("https://{label}.example/"),
        };
        let desk = BrandSettings {
            name: Some("Acme IT".into()),
            accent: Some("#0b57d0".into()),
            phone: Some("+1 555 0100".into()),
            email: None,
            links: vec![link("status"), link("site")],
            hide_tray_icon: None,
            logo: Some("ab".repeat(32)),
        };
        assert!(BrandSettings::default().is_empty());
        assert_eq!(BrandSettings::default().over(&desk), desk);
        assert!(desk.brand().tray_icon, "the icon shows unless hidden");

        let globex = BrandSettings {
            name: Some("Globex Support".into()),
            email: Some("help@globex.example".into()),
            links: vec![link("globex")],
            hide_tray_icon: Some(true),
            ..BrandSettings::default()
        };
        let worn = globex.over(&desk).brand();
        assert_eq!(worn.name, "Globex Support");
        assert_eq!(worn.accent, accent_colours("#0b57d0"), "the desk's accent");
        assert_eq!(
            worn.phone.as_deref(),
            Some("+1 555 0100"),
            "the desk's phone"
        );
        assert_eq!(worn.email.as_deref(), Some("help@globex.example"));
        assert_eq!(worn.links, vec![link("globex")], "links replace the desk's");
        assert!(!worn.tray_icon);
        assert_eq!(
            worn.logo,
            Some(format!("{LOGO_PATH}{}", "ab".repeat(32))),
            "the desk's logo"
        );
        // An organisation may show the icon a desk hides.
        let hidden = BrandSettings {
            hide_tray_icon: Some(true),
            ..desk.clone()
        };
        let shown = BrandSettings {
            hide_tray_icon: Some(false),
            ..BrandSettings::default()
        };
        assert!(shown.over(&hidden).brand().tray_icon);
    }
}
