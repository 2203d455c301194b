//! The built-in engine: answers from the knowledge base alone, with no model. It quotes the
//! passages of the best article that share the most words with the question, names the others
//! that fit, and offers the actions and the hand-over the question asks for. Deterministic: the
//! same question over the same articles gives the same answer.

use bellhop_proto::{ActionKind, AssistantRole, AssistantTurn, Citation, Proposal, ProposedDevice};

use super::words::{Intent, Phrases};
use crate::db::RankedArticle;
use crate::markdown::to_plain_text;

/// What the engine answers from: everything the person may see and do, gathered beforehand.
pub struct Facts<'a> {
    pub phrases: &'static Phrases,
    /// The question's words, lower case.
    pub words: &'a [String],
    pub intents: &'a [Intent],
    /// The articles that fit best, best first (only those the person may read).
    pub articles: &'a [RankedArticle],
    /// The actions the desk lets this person start.
    pub actions: &'a [ActionKind],
    /// The person's own active computers, the one in front of them first.
    pub devices: &'a [ProposedDevice],
}

/// Most passages quoted from the best article.
const MAX_PASSAGES: usize = 2;

/// The answer (unsealed).
pub fn answer(facts: &Facts<'_>) -> AssistantTurn {
    let p = facts.phrases;
    let mut paragraphs: Vec<String> = Vec::new();
    let mut proposals: Vec<Proposal> = Vec::new();
    let mut citations: Vec<Citation> = Vec::new();
    let wants_person = facts.intents.contains(&Intent::HandOver);

    for intent in facts.intents {
        match intent {
            Intent::Action(kind) if !facts.actions.contains(kind) => {
                paragraphs.push(p.not_offered.to_owned());
                proposals.push(Proposal::HandOver);
            }
            Intent::Action(_) if facts.devices.is_empty() => {
                paragraphs.push(p.no_device.to_owned());
                proposals.push(Proposal::HandOver);
            }
            Intent::Action(kind) => {
                let device = &facts.devices[0].name;
                paragraphs.push(format!("{} {}", p.offer(*kind, device), p.confirm));
                proposals.push(Proposal::Action {
                    action: *kind,
                    devices: facts.devices.to_vec(),
                });
            }
            Intent::Software => paragraphs.push(p.no_software.to_owned()),
            Intent::HandOver => {}
        }
    }

    if !wants_person {
        if let Some((best, others)) = facts.articles.split_first() {
            let mut quoted = vec![p.found.to_owned()];
            quoted.extend(passages(&best.body_md, facts.words));
            quoted.push(p.from.replace("{title}", &best.title));
            paragraphs.insert(0, quoted.join("\n"));
            citations.push(cite(best));
            if !others.is_empty() {
                let titles: Vec<&str> = others.iter().map(|a| a.title.as_str()).collect();
                paragraphs.push(format!("{} {}", p.also, titles.join("; ")));
                citations.extend(others.iter().map(cite));
            }
        } else if facts.intents.is_empty() {
            paragraphs.push(format!("{} {}", p.nothing, p.hand_over));
            proposals.push(Proposal::HandOver);
        }
    }
    if wants_person {
        paragraphs.push(p.hand_over.to_owned());
        proposals.push(Proposal::HandOver);
    }
    proposals.dedup();
    AssistantTurn {
        role: AssistantRole::Assistant,
        text: paragraphs.join("\n\n"),
        citations,
        proposals,
        seal: None,
    }
}

/// The offers the person's own words ask for, whoever answers: each action the desk lets them
/// start on their computers, and a person.
pub fn offers(
    intents: &[Intent],
    actions: &[ActionKind],
    devices: &[ProposedDevice],
) -> Vec<Proposal> {
    intents
        .iter()
        .filter_map(|intent| match intent {
            Intent::Action(kind) if actions.contains(kind) && !devices.is_empty() => {
                Some(Proposal::Action {
                    action: *kind,
                    devices: devices.to_vec(),
                })
            }
            Intent::HandOver => Some(Proposal::HandOver),
            _ => None,
        })
        .collect()
}

fn cite(article: &RankedArticle) -> Citation {
    Citation {
        id: article.id.clone(),
        title: article.title.clone(),
    }
}

/// Whether two words are one word in another form: the same, or one the other's stem
/// ("prints", "printing" share "print").
fn same_word(a: &str, b: &str) -> bool {
    if a == b {
        return true;
    }
    let common = a.chars().zip(b.chars()).take_while(|(x, y)| x == y).count();
    common >= 4 && common + 3 >= a.chars().count().max(b.chars().count())
}

/// The article's passages (paragraphs, list items) that share the most words with the question,
/// in the article's order, as plain text; the first passage when none shares any.
fn passages(body_md: &str, words: &[String]) -> Vec<String> {
    let blocks: Vec<&str> = body_md
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .collect();
    let score = |block: &str| {
        let own = super::words::split(block);
        words
            .iter()
            .filter(|w| own.iter().any(|o| same_word(w, o)))
            .count()
    };
    let mut ranked: Vec<(usize, usize)> = blocks
        .iter()
        .enumerate()
        .map(|(at, b)| (at, score(b)))
        .filter(|(_, s)| *s > 0)
        .collect();
    ranked.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    let mut chosen: Vec<usize> = ranked
        .iter()
        .take(MAX_PASSAGES)
        .map(|(at, _)| *at)
        .collect();
    if chosen.is_empty() && !blocks.is_empty() {
        chosen.push(0);
    }
    chosen.sort_unstable();
    chosen
        .into_iter()
        .map(|at| to_plain_text(blocks[at]).trim().to_owned())
        .filter(|t| !t.is_empty())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::super::words::{intents, phrases, split};
    use super::*;
    use bellhop_proto::{DeviceId, Language};

    fn article(title: &str, body: &str) -> RankedArticle {
        RankedArticle {
            id: title.to_lowercase(),
            title: title.to_owned(),
            category: "Network".to_owned(),
            body_md: body.to_owned(),
        }
    }

    #[test]
    fn it_quotes_the_passages_that_fit_and_cites_every_article_it_names() {
        let vpn = article(
            "Connect to the VPN",
            "# VPN\n\nOpen the **client**.\n\nIf it drops every hour, update the client.",
        );
        let wifi = article("Wi-Fi for guests", "Guests join Acme-Guest.");
        let words = split("my vpn drops every hour");
        let turn = answer(&Facts {
            phrases: phrases(Language::En),
            words: &words,
            intents: &intents(&words),
            articles: &[vpn, wifi],
            actions: &[],
            devices: &[],
        });
        assert!(
            turn.text
                .contains("If it drops every hour, update the client.")
        );
        assert!(!turn.text.contains("Open the client"), "{}", turn.text);
        assert!(turn.text.contains("From “Connect to the VPN”."));
        assert_eq!(
            turn.citations
                .iter()
                .map(|c| c.id.as_str())
                .collect::<Vec<_>>(),
            ["connect to the vpn", "wi-fi for guests"]
        );
        assert!(turn.proposals.is_empty());
    }

    fn restart_answer(actions: &[ActionKind], devices: &[ProposedDevice]) -> AssistantTurn {
        let words = split("riavvia il mio computer");
        answer(&Facts {
            phrases: phrases(Language::It),
            words: &words,
            intents: &intents(&words),
            articles: &[],
            actions,
            devices,
        })
    }

    #[test]
    fn an_action_is_offered_only_when_allowed_and_on_the_persons_own_computer() {
        let pc = ProposedDevice {
            id: DeviceId::new(),
            name: "PC-7".to_owned(),
        };
        let offered = restart_answer(&[ActionKind::Restart], std::slice::from_ref(&pc));
        assert!(
            offered.text.starts_with("Posso riavviare PC-7"),
            "{}",
            offered.text
        );
        assert_eq!(
            offered.proposals,
            [Proposal::Action {
                action: ActionKind::Restart,
                devices: vec![pc.clone()]
            }]
        );
        let refused = restart_answer(&[ActionKind::Lock], std::slice::from_ref(&pc));
        assert_eq!(refused.proposals, [Proposal::HandOver]);
        let nowhere = restart_answer(&[ActionKind::Restart], &[]);
        assert_eq!(nowhere.proposals, [Proposal::HandOver]);
    }

    #[test]
    fn nothing_found_offers_a_person() {
        let words = split("zzz qqq");
        let turn = answer(&Facts {
            phrases: phrases(Language::En),
            words: &words,
            intents: &[],
            articles: &[],
            actions: &[],
            devices: &[],
        });
        assert!(turn.text.starts_with("I found nothing"));
        assert_eq!(turn.proposals, [Proposal::HandOver]);
    }

    #[test]
    fn word_forms_are_one_word() {
        assert!(same_word("prints", "printing"));
        assert!(same_word("print", "prints"));
        assert!(!same_word("pass", "password"));
        assert!(!same_word("vpn", "wifi"));
    }
}
