//! Text for a person at a terminal. What the server sends (titles, names, replies, messages) may
//! carry escape sequences that would recolour, move or retitle the terminal, or bidirectional
//! overrides that show text in another order than it is: none of it is printed. JSON output is
//! left to serde_json, which escapes control characters itself.

/// Whether `c` may reach the terminal within text: not a control character (C0, C1, DEL) and
/// not a bidirectional embedding, override or isolate.
fn printable(c: char) -> bool {
    !c.is_control() && !matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// `text` with line breaks and tabs kept and every other unsafe character dropped: for whole
/// messages, descriptions and replies.
pub fn block(text: &str) -> String {
    text.chars()
        .filter(|&c| c == '\n' || c == '\t' || printable(c))
        .collect()
}

/// `text` on one line: breaks and tabs become spaces, and nothing unsafe is left: for a title or
/// a name in a list, where a line break would forge another row.
pub fn line(text: &str) -> String {
    text.chars()
        .map(|c| {
            if c == '\n' || c == '\r' || c == '\t' {
                ' '
            } else {
                c
            }
        })
        .filter(|&c| printable(c))
        .collect()
}

/// `println!` for people: the formatted text passes [`block`].
macro_rules! say {
    ($($arg:tt)*) => {
        println!("{}", $crate::cli::terminal::block(&format!($($arg)*)))
    };
}

/// `eprintln!` for people: the formatted text passes [`block`].
macro_rules! complain {
    ($($arg:tt)*) => {
        eprintln!("{}", $crate::cli::terminal::block(&format!($($arg)*)))
    };
}

pub(crate) use {complain, say};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_sequences_and_overrides_never_reach_the_terminal() {
        let title = "Printer\u{1b}]0;pwned\u{7}\u{1b}[2J jams\u{9b}31m \u{202e}txt.exe";
        assert_eq!(line(title), "Printer]0;pwned[2J jams31m txt.exe");
        assert_eq!(
            line("one\nforged row\r\n"),
            "one forged row  ",
            "a title cannot forge a row"
        );
        assert_eq!(
            block("first line\nsecond\tline\u{1b}[1m"),
            "first line\nsecond\tline[1m"
        );
    }
}
