//! Words reduced to their stems for the knowledge base's full-text search, one way for both
//! databases: an article's title and text are kept as the stems of its own language, and a
//! question is searched as the stems of the asker's language and of English (the language of an
//! article the desk did not mark). Snowball stemmers, so "stampa" finds "stampante" in Italian and
//! "printing" finds "prints" in English.

use bellhop_proto::Language;
use rust_stemmers::{Algorithm, Stemmer};

/// Raised when the stemming changes: the articles stemmed before are stemmed again at start-up.
pub const VERSION: i64 = 1;

fn stemmer(language: Language) -> Stemmer {
    Stemmer::create(match language {
        Language::En => Algorithm::English,
        Language::Fr => Algorithm::French,
        Language::De => Algorithm::German,
        Language::Es => Algorithm::Spanish,
        Language::It => Algorithm::Italian,
        Language::Ru => Algorithm::Russian,
    })
}

/// The words of `text`: runs of letters and digits, in lower case. An apostrophe splits ("l'app"
/// is "l" and "app").
pub fn words(text: &str) -> impl Iterator<Item = String> + '_ {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
}

/// `text` as its stems in `language` (English for an article with none), separated by spaces:
/// what the search index holds.
pub fn of_text(text: &str, language: Option<Language>) -> String {
    let stemmer = stemmer(language.unwrap_or_default());
    words(text)
        .map(|w| stemmer.stem(&w).into_owned())
        .collect::<Vec<_>>()
        .join(" ")
}

/// The stems to search for `words` asked in `language`: each word's stem in that language and in
/// English, without repeats.
pub fn of_question(words: &[String], language: Language) -> Vec<String> {
    let asked = stemmer(language);
    let english = stemmer(Language::En);
    let mut stems: Vec<String> = Vec::new();
    for word in words.iter().flat_map(|w| self::words(w)) {
        for stem in [asked.stem(&word), english.stem(&word)] {
            if !stem.is_empty() && !stems.iter().any(|s| s == &stem) {
                stems.push(stem.into_owned());
            }
        }
    }
    stems
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_question_meets_the_text_in_its_own_language_and_in_english() {
        let italian = of_text("La stampante stampa pagine bianche", Some(Language::It));
        let asked = of_question(&["stampare".into(), "pagina".into()], Language::It);
        for stem in &asked[..1] {
            assert!(italian.split(' ').any(|s| s == stem), "{stem} in {italian}");
        }
        assert!(asked.iter().any(|s| italian.split(' ').any(|t| t == s)));
        let english = of_text("The printer prints blank pages", None);
        let asked = of_question(&["printing".into()], Language::It);
        assert!(
            asked.iter().any(|s| english.split(' ').any(|t| t == s)),
            "{asked:?} in {english}"
        );
        let russian = of_text("Принтер печатает пустые страницы", Some(Language::Ru));
        let asked = of_question(&["страница".into()], Language::Ru);
        assert!(
            asked.iter().any(|s| russian.split(' ').any(|t| t == s)),
            "{asked:?} in {russian}"
        );
    }

    #[test]
    fn words_are_letters_and_digits_in_lower_case() {
        let found: Vec<String> = words("L'app VPN-2 «Ça» не работает!").collect();
        assert_eq!(found, ["l", "app", "vpn", "2", "ça", "не", "работает"]);
        assert_eq!(
            of_question(&["Printers".into(), "printer".into()], Language::En),
            ["printer"]
        );
    }
}
