//! Article Markdown to safe HTML: pulldown-cmark renders, then ammonia keeps a conservative allow-list. The
//! page inserts the result as HTML, so everything an editor (or someone who took over an editor's account) writes
//! passes through [`sanitize`] first: scripts, event handlers, `javascript:` links, SVG and style are dropped.
use std::collections::{HashMap, HashSet};

use ammonia::Builder;
use pulldown_cmark::{CowStr, Event, HeadingLevel, Options, Parser, Tag, TagEnd};

use crate::domain::kb::strip_markers;

/// Heading ids in the article carry this prefix (ammonia adds it to every id), so an article cannot take
/// over an id of the page around it (`main`, a form field).
pub const ID_PREFIX: &str = "kb-";

/// One entry of the table of contents.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Heading {
    /// 2 or 3 (the page title is the only `h1`).
    pub level: u8,
    /// The id on the page, prefix included.
    pub id: String,
    pub text: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    pub html: String,
    pub headings: Vec<Heading>,
}

fn options() -> Options {
    Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH
}

/// Renders an article. The page's `h1` is the title, so an article that uses `#` headings has them all moved
/// one level down (`#` becomes `h2`); headings get ids from their text; `h2` and `h3` make the table of
/// contents.
pub fn render(markdown: &str) -> Rendered {
    let mut events: Vec<Event> = Parser::new_ext(markdown, options()).collect();
    let shift = events.iter().any(|e| matches!(e, Event::Start(Tag::Heading { level: HeadingLevel::H1, .. })));
    let demote = |level: HeadingLevel| if shift { demote(level) } else { level };
    let mut headings = Vec::new();
    let mut used = HashSet::new();
    let mut i = 0;
    while i < events.len() {
        if let Event::Start(Tag::Heading { level, .. }) = &events[i] {
            let level = demote(*level);
            let text = heading_text(&events[i + 1..]);
            let id = unique_id(&text, &mut used);
            events[i] = Event::Start(Tag::Heading {
                level,
                id: Some(CowStr::from(id.clone())),
                classes: Vec::new(),
                attrs: Vec::new(),
            });
            let depth = level as u8;
            if depth <= 3 {
                headings.push(Heading { level: depth, id: format!("{ID_PREFIX}{id}"), text });
            }
        }
        if let Event::End(TagEnd::Heading(level)) = &events[i] {
            events[i] = Event::End(TagEnd::Heading(demote(*level)));
        }
        i += 1;
    }
    let mut html = String::new();
    pulldown_cmark::html::push_html(&mut html, events.into_iter());
    Rendered { html: sanitize(&html), headings }
}

fn demote(level: HeadingLevel) -> HeadingLevel {
    match level {
        HeadingLevel::H1 => HeadingLevel::H2,
        HeadingLevel::H2 => HeadingLevel::H3,
        HeadingLevel::H3 => HeadingLevel::H4,
        HeadingLevel::H4 => HeadingLevel::H5,
        _ => HeadingLevel::H6,
    }
}

/// The text of a heading: the text and code events up to its end.
fn heading_text(events: &[Event]) -> String {
    let mut text = String::new();
    for event in events {
        match event {
            Event::End(TagEnd::Heading(_)) => break,
            Event::Text(t) | Event::Code(t) => text.push_str(t),
            _ => {}
        }
    }
    text.trim().to_owned()
}

/// `"Low pressure?"` → `low-pressure`, made unique on the page with `-2`, `-3`…
fn unique_id(text: &str, used: &mut HashSet<String>) -> String {
    let base: String = text
        .to_lowercase()
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join("-");
    let base = if base.is_empty() { "section".to_owned() } else { base };
    let mut id = base.clone();
    let mut n = 2;
    while !used.insert(id.clone()) {
        id = format!("{base}-{n}");
        n += 1;
    }
    id
}

/// Whether `src` names an article image the portal serves (`/api/kb-images/<id>`): the only images an article
/// may show. Anything else (another site, `data:`, `javascript:`, a path that walks elsewhere) is dropped.
pub fn is_article_image(src: &str) -> bool {
    src.strip_prefix(crate::server::kb_images::IMAGE_PATH)
        .is_some_and(|id| !id.is_empty() && id.len() <= 19 && id.bytes().all(|b| b.is_ascii_digit()))
}

/// The allow-list: text structure, lists, tables, code, quotes, links (http, https, mailto, tel, relative) and
/// images uploaded for articles ([`is_article_image`]; `alt` and `title` kept). Links get
/// `rel="noopener noreferrer nofollow"`. Headings keep their id (prefixed); nothing else keeps an
/// attribute beyond table cell alignment. Comments and everything else are removed (their text stays, except
/// inside `script` and `style`, which go with their content).
pub fn sanitize(html: &str) -> String {
    let tags: HashSet<&str> = [
        "p",
        "br",
        "hr",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "strong",
        "em",
        "b",
        "i",
        "del",
        "s",
        "code",
        "pre",
        "kbd",
        "blockquote",
        "ul",
        "ol",
        "li",
        "a",
        "table",
        "thead",
        "tbody",
        "tr",
        "th",
        "td",
        "img",
    ]
    .into_iter()
    .collect();
    let heading_attrs: HashSet<&str> = ["id"].into_iter().collect();
    let cell_attrs: HashSet<&str> = ["style"].into_iter().collect();
    let mut tag_attributes = HashMap::new();
    for h in ["h2", "h3", "h4", "h5", "h6"] {
        tag_attributes.insert(h, heading_attrs.clone());
    }
    tag_attributes.insert("a", ["href"].into_iter().collect());
    tag_attributes.insert("img", ["src", "alt", "title"].into_iter().collect());
    // pulldown-cmark aligns table columns with `style="text-align: …"`; only that property survives.
    tag_attributes.insert("th", cell_attrs.clone());
    tag_attributes.insert("td", cell_attrs);
    let clean = Builder::default()
        .tags(tags)
        .tag_attributes(tag_attributes)
        .generic_attributes(HashSet::new())
        .filter_style_properties(["text-align"].into_iter().collect())
        .url_schemes(["http", "https", "mailto", "tel"].into_iter().collect())
        .link_rel(Some("noopener noreferrer nofollow"))
        .attribute_filter(|element, attribute, value| {
            if element == "img" && attribute == "src" && !is_article_image(value) {
                None
            } else {
                Some(value.into())
            }
        })
        .id_prefix(Some(ID_PREFIX))
        .strip_comments(true)
        .clean(html)
        .to_string();
    drop_images_without_source(&clean)
}

/// Removes the `<img>` elements whose `src` the sanitizer dropped (a hostile or outside address): an image
/// with nothing to show is only a broken icon, often without a text alternative. Works on the sanitizer's
/// own output, where every attribute value is double-quoted with `"` escaped, so a tag ends at the first `>`
/// outside quotes, and a literal `<img` can only start a tag (text has `&lt;`).
fn drop_images_without_source(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(start) = rest.find("<img") {
        out.push_str(&rest[..start]);
        let tag = &rest[start..];
        let mut quoted = false;
        let end = tag
            .char_indices()
            .find(|&(_, c)| {
                if c == '"' {
                    quoted = !quoted;
                }
                c == '>' && !quoted
            })
            .map_or(tag.len(), |(i, _)| i + 1);
        if tag[..end].contains(" src=\"") {
            out.push_str(&tag[..end]);
        }
        rest = &tag[end..];
    }
    out.push_str(rest);
    out
}

/// The article as plain text for the search index and its snippets: the words without the markup.
pub fn plain_text(markdown: &str) -> String {
    let mut text = String::new();
    for event in Parser::new_ext(markdown, options()) {
        match event {
            Event::Text(t) | Event::Code(t) => text.push_str(&t),
            Event::SoftBreak | Event::HardBreak | Event::Rule => text.push(' '),
            Event::End(TagEnd::Paragraph | TagEnd::Heading(_) | TagEnd::Item | TagEnd::TableCell) => text.push(' '),
            // Raw HTML is not words of the article.
            _ => {}
        }
    }
    strip_markers(&text.split_whitespace().collect::<Vec<_>>().join(" "))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn html(md: &str) -> String {
        render(md).html
    }

    #[test]
    fn markdown_renders_with_demoted_headings_and_ids() {
        let r = render("# Low pressure?\n\nTop up to **1.5 bar**.\n\n## Check the gauge\n\n## Check the gauge\n");
        assert!(r.html.contains("<h2 id=\"kb-low-pressure\">Low pressure?</h2>"), "{}", r.html);
        assert!(r.html.contains("<strong>1.5 bar</strong>"));
        assert!(r.html.contains("id=\"kb-check-the-gauge-2\""));
        let ids: Vec<_> = r.headings.iter().map(|h| (h.level, h.id.as_str())).collect();
        assert_eq!(ids, vec![(2, "kb-low-pressure"), (3, "kb-check-the-gauge"), (3, "kb-check-the-gauge-2")]);
    }

    #[test]
    fn articles_without_h1_keep_their_levels() {
        let r = render("## Drain it\n\n### First\n\n#### Detail\n");
        assert!(r.html.contains("<h2 id=\"kb-drain-it\">") && r.html.contains("<h4 id=\"kb-detail\">"), "{}", r.html);
        assert_eq!(r.headings.iter().map(|h| h.level).collect::<Vec<_>>(), vec![2, 3]);
    }

    #[test]
    fn scripts_and_handlers_are_removed() {
        let out = html("Hi <script>alert(1)</script> <img src=x onerror=alert(2)> <b onclick=\"x()\">b</b>");
        assert!(!out.contains("<script"), "{out}");
        assert!(!out.contains("alert(1)"), "{out}");
        assert!(!out.contains("onerror") && !out.contains("onclick") && !out.contains("<img"), "{out}");
        assert!(out.contains("<b>b</b>"), "{out}");
    }

    #[test]
    fn javascript_links_lose_their_target_and_links_get_rel() {
        for md in [
            "[x](javascript:alert(1))",
            "<a href=\"javascript:alert(1)\">x</a>",
            "<a href=\"JaVaScRiPt&#58;alert(1)\">x</a>",
            "<a href=\"&#106;avascript:alert(1)\">x</a>",
            "<a href=\" javascript:alert(1)\">x</a>",
            "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
            "[x](vbscript:msgbox)",
        ] {
            let out = html(md);
            assert!(!out.to_lowercase().contains("javascript"), "{md}: {out}");
            assert!(!out.contains("data:") && !out.contains("vbscript"), "{md}: {out}");
        }
        let out = html("[Call us](tel:+15550100) or [read](https://example.com/a?b=1&c=2)");
        assert!(out.contains("href=\"tel:+15550100\""), "{out}");
        assert!(
            out.contains("href=\"https://example.com/a?b=1&amp;c=2\" rel=\"noopener noreferrer nofollow\""),
            "{out}"
        );
    }

    #[test]
    fn svg_style_iframes_and_forms_are_dropped() {
        let out = html(
            "<svg><script>alert(1)</script><a xlink:href=\"javascript:alert(2)\">s</a></svg>\n\n\
             <style>body{display:none}</style><iframe src=\"https://evil.example\"></iframe>\
             <form action=\"/api/x\"><input name=a></form><math><mi xlink:href=\"javascript:1\">m</mi></math>",
        );
        for bad in [
            "<svg",
            "<script",
            "alert(1)",
            "javascript",
            "<style",
            "display:none",
            "<iframe",
            "<form",
            "<input",
            "<math",
        ] {
            assert!(!out.contains(bad), "{bad} in {out}");
        }
    }

    #[test]
    fn ids_cannot_clobber_the_page_and_styles_are_limited() {
        let out = html("<h2 id=\"main\">x</h2>\n\n<p style=\"position:fixed\" class=\"x\" id=\"y\">p</p>");
        assert!(out.contains("<h2 id=\"kb-main\">x</h2>"), "{out}");
        assert!(out.contains("<p>p</p>"), "{out}");
        let table = html("| a | b |\n|:-|-:|\n| 1 | 2 |\n");
        assert!(table.contains("<th style=\"text-align"), "column alignment survives: {table}");
        assert!(!html("<td style=\"background:url(javascript:x)\">t</td>").contains("javascript"));
    }

    #[test]
    fn article_images_stay_and_hostile_images_go() {
        let out = html("![A radiator key](/api/kb-images/12 \"The key\")");
        assert!(out.contains("<img src=\"/api/kb-images/12\" alt=\"A radiator key\" title=\"The key\">"), "{out}");
        for hostile in [
            "![x](javascript:alert(1))",
            "![x](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+)",
            "![x](https://evil.example/api/kb-images/1)",
            "![x](//evil.example/api/kb-images/1)",
            "![x](/api/kb-images/1/../../photos/2)",
            "![x](/api/photos/1)",
            "![x](/api/kb-images/)",
            "<img src=\"JaVaScRiPt:alert(1)\" onerror=\"alert(2)\">",
            "<img src=\"&#106;avascript:alert(1)\">",
            "<img srcset=\"https://evil.example/a.png 1x\" src=\"/api/kb-images/3\" onload=\"alert(1)\">",
        ] {
            let out = html(hostile);
            for bad in ["javascript", "data:", "evil", "onerror", "onload", "srcset", "/api/photos", ".."] {
                assert!(!out.to_lowercase().contains(bad), "{hostile}: {bad} in {out}");
            }
            assert!(!out.contains("<img") || out.contains("<img src=\"/api/kb-images/3\">"), "{hostile}: {out}");
        }
        // An image whose address was dropped goes entirely; quotes and `>` in its text do not confuse that.
        let out = html("a ![x > \"y\"](https://evil.example/a.png) b ![ok > \"fine\"](/api/kb-images/4) c");
        assert_eq!(out, "<p>a  b <img src=\"/api/kb-images/4\" alt=\"ok &gt; &quot;fine&quot;\"> c</p>\n", "{out}");
    }

    #[test]
    fn entity_tricks_stay_text() {
        let out = html("&lt;script&gt;alert(1)&lt;/script&gt; and `<script>` in code");
        assert!(!out.contains("<script"), "{out}");
        assert!(out.contains("&lt;script&gt;"), "{out}");
    }

    #[test]
    fn plain_text_has_the_words_only() {
        let text = plain_text(
            "# Bleed a radiator\n\n1. Turn the **heating off**.\n2. Use a [key](https://x.example).\n\n<b>raw</b>",
        );
        assert_eq!(text, "Bleed a radiator Turn the heating off. Use a key. raw");
    }
}
