//! Markdown to HTML that is safe to insert into a page: pulldown-cmark renders, ammonia removes
//! everything that could run (scripts, event handlers, `javascript:` links, styles).

pub fn to_safe_html(markdown: &str) -> String {
    let parser = pulldown_cmark::Parser::new_ext(markdown, pulldown_cmark::Options::ENABLE_TABLES);
    let mut html = String::with_capacity(markdown.len() * 3 / 2);
    pulldown_cmark::html::push_html(&mut html, parser);
    ammonia::Builder::default()
        .link_rel(Some("noopener noreferrer"))
        .clean(&html)
        .to_string()
}

/// The words of `markdown` without its markup: paragraphs, headings, list items and table rows
/// end a line; link targets and raw HTML are left out.
pub fn to_plain_text(markdown: &str) -> String {
    use pulldown_cmark::{Event, TagEnd};
    let parser = pulldown_cmark::Parser::new_ext(markdown, pulldown_cmark::Options::ENABLE_TABLES);
    let mut text = String::with_capacity(markdown.len());
    for event in parser {
        match event {
            Event::Text(words) | Event::Code(words) => text.push_str(&words),
            Event::SoftBreak | Event::HardBreak => text.push(' '),
            Event::End(
                TagEnd::Paragraph
                | TagEnd::Heading(_)
                | TagEnd::Item
                | TagEnd::TableRow
                | TagEnd::TableHead
                | TagEnd::CodeBlock,
            ) => text.push('\n'),
            Event::End(TagEnd::TableCell) => text.push('\t'),
            _ => {}
        }
    }
    text.trim_end().to_owned()
}

#[cfg(test)]
mod tests {
    use super::{to_plain_text, to_safe_html};

    #[test]
    fn plain_text_keeps_the_words_and_drops_markup_and_html() {
        let text = to_plain_text(
            "# Reset\n\nPress **Ctrl** and `F5`, see [the guide](https://example.com).\n\n\
             - one\n- two\n\n<script>alert(1)</script>",
        );
        assert_eq!(
            text, "Reset\nPress Ctrl and F5, see the guide.\none\ntwo",
            "{text:?}"
        );
    }

    #[test]
    fn markdown_renders_and_nothing_that_could_run_survives() {
        let html = to_safe_html(
            "# Reset\n\n**Bold** and [ok](https://example.com)\n\n<script>alert(1)</script>\n\n\
             <img src=x onerror=\"alert(2)\">\n\n[bad](javascript:alert(3))",
        );
        assert!(html.contains("<h1>Reset</h1>"), "{html}");
        assert!(html.contains("<strong>Bold</strong>"), "{html}");
        assert!(html.contains("href=\"https://example.com\""), "{html}");
        assert!(!html.contains("<script"), "{html}");
        assert!(!html.contains("onerror"), "{html}");
        assert!(!html.contains("javascript:"), "{html}");
    }
}
